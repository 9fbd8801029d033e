"""Simulator of the brand-name SMS gateway, with an inbox to read what was "sent".

It honours the contract of ``dichvucong.notifications.sms`` (docs/federation-and-sms.md):

* ``POST v1/messages`` ``{to, text, sender_id}`` with ``Authorization: Bearer <SMS_SIM_API_TOKEN>`` →
  ``202 {message_id, status: "accepted"}``; an ``Idempotency-Key`` header returns the first
  receipt again instead of sending twice.
* ``GET v1/messages?to=+849…`` → the messages sent to that number, newest first. Real
  gateways have no such thing: it is how tests and demos read one-time codes.
* ``GET /sim/sms/`` → an HTML page of the latest messages, for demonstrations.
* ``POST faults`` ``{"mode": "none" | "timeout" | "error"}`` → faults on demand.

No database: state lives in the Django cache (shared by all workers when it is Redis), so the
simulator also works from the test server's threads. Updates are read-modify-write; two sends
to the same number at the same instant may lose one in the inbox, which a simulator can bear.
"""

from __future__ import annotations

import json
import re
import secrets
import threading
import time
from datetime import UTC, datetime
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template import Context, Engine
from django.utils.crypto import constant_time_compare
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods

from simulators.common import error, fault_switch

_PREFIX = "sim-sms"
FAULT_MODES = ("none", "timeout", "error")
# Enough for a demo and for a test to find its code; the inbox is not an archive.
INBOX_SIZE = 50
RECENT_SIZE = 100
STATE_SECONDS = 24 * 3600
MAX_TEXT_LENGTH = 1000  # a bound against abuse; operators cap concatenated messages lower
_SENDER_ID = re.compile(r"[A-Za-z0-9 ._-]{1,11}")  # brand names: at most 11 characters
# Serialises read-modify-write within one process (the threaded test server, runserver).
_lock = threading.Lock()


def _fault_mode() -> str:
    return cache.get(f"{_PREFIX}:fault", "none")


def _recipient(value: object) -> str | None:
    """``+84`` and 9 digits, from any of the usual spellings; None when it is not one.

    A ``+`` left unencoded in a query string arrives as a space, so spaces are ignored too.
    """
    if not isinstance(value, str):
        return None
    digits = re.sub(r"[\s.\-()+]", "", value)
    if digits.startswith("84") and len(digits) == 11:
        digits = "0" + digits[2:]
    if re.fullmatch(r"0[35789][0-9]{8}", digits) is None:
        return None
    return "+84" + digits[1:]


def _authorised(request: HttpRequest) -> bool:
    # The gateway's own setting, not the portal's SMS_API_TOKEN: they are two systems, and a
    # portal configured with the wrong token must see the refusal a real gateway would give.
    expected = f"Bearer {getattr(settings, 'SMS_SIM_API_TOKEN', 'sim-sms-token')}"
    return constant_time_compare(request.headers.get("Authorization", ""), expected)


@csrf_exempt
@require_http_methods(["GET", "POST"])
def messages(request: HttpRequest) -> HttpResponse:
    if request.method == "GET":
        return _inbox(request)
    return _send(request)


def _send(request: HttpRequest) -> HttpResponse:
    if not _authorised(request):
        response = error(401, "invalid_token", "Missing or wrong bearer token.")
        response["WWW-Authenticate"] = 'Bearer error="invalid_token"'
        return response
    mode = _fault_mode()
    if mode == "timeout":
        # Answer late, and then with an error: the caller should have given up already.
        time.sleep(float(getattr(settings, "SMS_SIM_TIMEOUT_SLEEP", 10)))
        return error(504, "timeout", "Simulated timeout.")
    if mode == "error":
        return error(503, "unavailable", "Simulated gateway failure.")
    try:
        body = json.loads(request.body)
    except (ValueError, UnicodeDecodeError):
        return error(400, "invalid_json", "Body must be a JSON object.")
    if not isinstance(body, dict):
        return error(400, "invalid_json", "Body must be a JSON object.")
    to = _recipient(body.get("to"))
    if to is None:
        return error(400, "invalid_recipient", "'to' must be a Vietnamese mobile number.")
    text = body.get("text")
    if not isinstance(text, str) or not text.strip() or len(text) > MAX_TEXT_LENGTH:
        return error(400, "invalid_text", f"'text' must be 1 to {MAX_TEXT_LENGTH} characters.")
    sender_id = body.get("sender_id")
    if not isinstance(sender_id, str) or not _SENDER_ID.fullmatch(sender_id):
        return error(400, "invalid_sender_id", "'sender_id' must be a registered brand name.")

    idempotency_key = request.headers.get("Idempotency-Key", "")[:200]
    with _lock:
        if idempotency_key:
            earlier = cache.get(f"{_PREFIX}:idempotency:{idempotency_key}")
            if earlier is not None:
                return JsonResponse(earlier, status=202)
        message = {
            "message_id": "SMS" + secrets.token_hex(8).upper(),
            "to": to,
            "sender_id": sender_id,
            "text": text,
            "status": "accepted",
            "sent_at": datetime.now(UTC).isoformat(timespec="seconds"),
        }
        inbox_key = f"{_PREFIX}:inbox:{to}"
        cache.set(inbox_key, [message, *cache.get(inbox_key, [])][:INBOX_SIZE], STATE_SECONDS)
        recent_key = f"{_PREFIX}:recent"
        cache.set(recent_key, [message, *cache.get(recent_key, [])][:RECENT_SIZE], STATE_SECONDS)
        receipt = {"message_id": message["message_id"], "status": "accepted"}
        if idempotency_key:
            cache.set(f"{_PREFIX}:idempotency:{idempotency_key}", receipt, STATE_SECONDS)
    return JsonResponse(receipt, status=202)


def _inbox(request: HttpRequest) -> HttpResponse:
    to = _recipient(request.GET.get("to"))
    if to is None:
        return error(400, "invalid_recipient", "Give ?to= a Vietnamese mobile number.")
    return JsonResponse({"to": to, "messages": cache.get(f"{_PREFIX}:inbox:{to}", [])})


def _set_fault_mode(mode: str) -> None:
    cache.set(f"{_PREFIX}:fault", mode, STATE_SECONDS)


faults = fault_switch(FAULT_MODES, _fault_mode, _set_fault_mode)


# The page is small and this package has no template directory of its own (simulators are not
# installed apps), so it is rendered by a private engine; autoescaping stays on.
_ENGINE = Engine(autoescape=True)
_PAGE = _ENGINE.from_string("""<!doctype html>
<html lang="vi">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Mô phỏng tổng đài SMS / SMS gateway simulator</title>
<style nonce="{{ csp_nonce }}">
body{font-family:system-ui,sans-serif;margin:1.5rem;line-height:1.5;color:#1a1a1a}
table{border-collapse:collapse;width:100%}th,td{border:1px solid #bbb;padding:.4rem;text-align:left;vertical-align:top}
th{background:#eef2f7}.note{background:#fff4d6;padding:.5rem 1rem;border-left:4px solid #c80}
</style>
</head>
<body>
<main>
<h1>Mô phỏng tổng đài SMS <span lang="en">/ SMS gateway simulator</span></h1>
<p class="note">Chỉ dùng để thử nghiệm: không tin nhắn nào được gửi thật.
<span lang="en">For testing only: no message is really sent.</span>
Lỗi giả lập hiện tại <span lang="en">/ current fault</span>: <strong>{{ mode }}</strong></p>
<table>
<caption>Tin nhắn gần đây (mới nhất trước) <span lang="en">/ Recent messages, newest first</span></caption>
<thead><tr><th scope="col">Thời gian <span lang="en">/ Time (UTC)</span></th>
<th scope="col">Người nhận <span lang="en">/ To</span></th>
<th scope="col">Tên thương hiệu <span lang="en">/ Sender</span></th>
<th scope="col">Nội dung <span lang="en">/ Text</span></th></tr></thead>
<tbody>
{% for m in messages %}<tr><td>{{ m.sent_at }}</td><td>{{ m.to }}</td><td>{{ m.sender_id }}</td><td>{{ m.text }}</td></tr>
{% empty %}<tr><td colspan="4">Chưa có tin nhắn nào. <span lang="en">No messages yet.</span></td></tr>
{% endfor %}
</tbody>
</table>
</main>
</body>
</html>
""")


@require_GET
def index(request: HttpRequest) -> HttpResponse:
    nonce = secrets.token_urlsafe(16)
    context: dict[str, Any] = {
        "messages": cache.get(f"{_PREFIX}:recent", []),
        "mode": _fault_mode(),
        "csp_nonce": nonce,
    }
    response = HttpResponse(_PAGE.render(Context(context)))
    # The portal's policy forbids inline style; this page's one stylesheet is let in by nonce.
    response["Content-Security-Policy"] = (
        f"default-src 'none'; style-src 'nonce-{nonce}'; frame-ancestors 'none'; base-uri 'none'"
    )
    # One-time codes are on this page: never keep it in a shared cache.
    response["Cache-Control"] = "no-store"
    return response
