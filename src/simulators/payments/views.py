"""Simulator of the national payment platform, the platform's side of
docs/payment-platform-contract.md (the portal's side is ``dichvucong.payments.platform``).

Merchant API, every call signed by the merchant (``X-Merchant-Id``, ``X-Timestamp``,
``X-Signature`` = hex HMAC-SHA256 of ``"{timestamp}\\n{METHOD}\\n{path}\\n{body}"`` with
``SIM_PAYMENTS_SECRET``; ``401 bad_signature | unknown_merchant | stale_request``):

* ``POST v1/payments`` ``{merchant_id, order_ref, amount, currency, description, return_url,
  notify_url, expires_in}`` → ``201`` (``200`` for the same ``order_ref`` and amount again,
  ``409 order_ref_conflict`` for another amount) ``{payment_id, order_ref, status, amount,
  pay_url, expires_at}``.
* ``GET v1/payments/{order_ref}`` → the payment's status, amount, method, transaction number,
  ``paid_at`` and ``refunded_amount``; ``pending`` turns ``expired`` after ``expires_at``.
* ``POST v1/payments/{order_ref}/refunds`` ``{refund_ref, amount, reason}`` → ``201``, the
  same ``refund_ref`` again → ``200`` and the first answer; ``422 not_refundable``.
* ``GET v1/reconciliation/{YYYY-MM-DD}`` → CSV of the merchant's payments paid or refunded
  that day (Vietnam's time), signed like a callback.
* ``POST v1/payments/{order_ref}/settle`` ``{method}`` (simulator only) → pays without a
  browser; answers the status plus the signed ``return_url`` the browser would have been
  sent to. An optional ``status`` of ``cancelled`` or ``failed`` ends it otherwise.

The payer's browser: ``GET pay/{payment_id}`` shows merchant, description, amount and the
methods (bank card, VietQR transfer with its QR code, e-wallet); the POST pays, cancels (or,
a simulator's extra, fails), sends the callback and redirects to ``return_url`` with the
signed ``order_ref, status, amount, transaction_no, timestamp, signature``. The page is plain
HTML with no script; its form is exempt from the portal's CSRF middleware (the platform is
another organisation's system) and carries instead a per-payment random token kept with the
payment and compared in constant time.

Simulator only, unsigned: ``POST faults`` ``{"mode": …}`` / ``GET faults`` (modes in
``ledger.FAULT_MODES``), ``GET outbox`` (the queued callbacks, emptied by the read, when
``SIM_PAYMENTS_DELIVER_CALLBACKS`` is off), and ``GET /sim/payments/``, a page of recent
payments. State lives in the cache (``ledger``); callbacks are in ``callbacks``.
"""

from __future__ import annotations

import csv
import io
import json
import re
import secrets
import time
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import qrcode
import qrcode.image.svg
from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.template import Context, Engine
from django.urls import reverse
from django.utils.crypto import constant_time_compare
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods

from simulators.common import check_signed_request, error, fault_switch, outbox_view, signed_api

from . import callbacks, ledger
from .signing import body_message, sign, signed_return_url

MAX_AMOUNT = 10_000_000_000
DEFAULT_EXPIRES_IN = 900
MAX_EXPIRES_IN = 7 * 24 * 3600
MAX_URL_LENGTH = 2000
MAX_TEXT_LENGTH = 500
_REF = re.compile(r"[A-Za-z0-9-]{1,40}")
_PAYMENT_ID = re.compile(r"PGV[0-9A-F]{16}")
_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
# Host and optional port only: the return URL's origin goes into a CSP header.
_NETLOC = re.compile(r"(?:[A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\])(?::[0-9]{1,5})?")
METHOD_LABELS = {
    "card": ("Thẻ ngân hàng", "Bank card"),
    "bank_qr": ("Chuyển khoản VietQR", "Bank transfer by VietQR"),
    "ewallet": ("Ví điện tử", "E-wallet"),
}
MERCHANT_NAMES = {"DVC-PORTAL": "Cổng Dịch vụ công quốc gia"}
FORM_ACTIONS = {"pay": "paid", "cancel": "cancelled", "fail": "failed"}

Handler = Callable[..., HttpResponse]


# --- the merchant API -------------------------------------------------------------------
def _authenticate(request: HttpRequest) -> str | JsonResponse:
    """The signing merchant's id, or the refusal to answer with."""
    merchant_id = request.headers.get("X-Merchant-Id", "")
    if merchant_id not in getattr(settings, "SIM_PAYMENTS_MERCHANTS", {"DVC-PORTAL"}):
        return error(401, "unknown_merchant", "X-Merchant-Id names no merchant of this platform.")
    return check_signed_request(request, secret=callbacks.platform_secret()) or merchant_id


def merchant_api(method: str) -> Callable[[Handler], Handler]:
    """What every ``v1/`` call goes through: method, merchant signature, the timeout fault.
    The handler gets the merchant id and the fault mode of the moment the call arrived."""
    return signed_api(method, authenticate=_authenticate, fault_mode=ledger.fault_mode, refusal=ledger.Refusal,
                      timeout_seconds=lambda: float(getattr(settings, "SIM_PAYMENTS_TIMEOUT_SECONDS", 30)),
                      pass_fault=True)


def _json_object(request: HttpRequest) -> dict[str, Any]:
    try:
        body = json.loads(request.body)
    except (ValueError, UnicodeDecodeError):
        body = None
    if not isinstance(body, dict):
        raise ledger.Refusal(400, "bad_request", "The body must be a JSON object.")
    return body


def _ref(value: object, code: str, field: str) -> str:
    if not isinstance(value, str) or not _REF.fullmatch(value):
        raise ledger.Refusal(422, code, f"{field} must be 1 to 40 characters of A-Z, a-z, 0-9, -.")
    return value


def _positive_amount(value: object) -> int:
    if type(value) is not int or not 0 < value <= MAX_AMOUNT:
        raise ledger.Refusal(
            422, "bad_amount", f"amount must be a whole number of đồng from 1 to {MAX_AMOUNT}."
        )
    return value


def _absolute_url(value: object, field: str) -> str:
    refusal = ledger.Refusal(422, f"bad_{field}", f"{field} must be an absolute http(s) URL.")
    if (
        not isinstance(value, str)
        or len(value) > MAX_URL_LENGTH
        or re.search(r"[\s\x00-\x1f\x7f]", value)
    ):
        raise refusal
    try:
        parts = urlsplit(value)
    except ValueError as exc:
        raise refusal from exc
    if parts.scheme not in ("http", "https") or not _NETLOC.fullmatch(parts.netloc):
        raise refusal
    return value


def _text(value: object, field: str) -> str:
    if value is None:
        return ""
    if not isinstance(value, str) or len(value) > MAX_TEXT_LENGTH:
        raise ledger.Refusal(
            422, f"bad_{field}", f"{field} must be text of at most {MAX_TEXT_LENGTH} characters."
        )
    return value


def _pay_url(request: HttpRequest, payment_id: str) -> str:
    return request.build_absolute_uri(reverse("sim-payments:pay", args=[payment_id]))


@merchant_api("POST")
def create_payment(request: HttpRequest, merchant_id: str, *, fault: str) -> HttpResponse:
    body = _json_object(request)
    if body.get("merchant_id", merchant_id) != merchant_id:
        raise ledger.Refusal(422, "merchant_mismatch", "merchant_id differs from X-Merchant-Id.")
    order_ref = _ref(body.get("order_ref"), "bad_order_ref", "order_ref")
    amount = _positive_amount(body.get("amount"))
    if body.get("currency", "VND") != "VND":
        raise ledger.Refusal(422, "bad_currency", "The only currency is VND.")
    expires_in = body.get("expires_in", DEFAULT_EXPIRES_IN)
    if type(expires_in) is not int or not 0 < expires_in <= MAX_EXPIRES_IN:
        raise ledger.Refusal(
            422, "bad_expires_in", f"expires_in must be 1 to {MAX_EXPIRES_IN} seconds."
        )
    record, created = ledger.create_payment(
        merchant_id=merchant_id,
        order_ref=order_ref,
        amount=amount,
        description=_text(body.get("description"), "description"),
        return_url=_absolute_url(body.get("return_url"), "return_url"),
        notify_url=_absolute_url(body.get("notify_url"), "notify_url"),
        expires_in=expires_in,
    )
    answer = {
        "payment_id": record["payment_id"],
        "order_ref": record["order_ref"],
        "status": ledger.public_status(record),
        "amount": record["amount"],
        "pay_url": _pay_url(request, record["payment_id"]),
        "expires_at": record["expires_at"],
    }
    return JsonResponse(answer, status=201 if created else 200)


def _merchant_payment(merchant_id: str, order_ref: str) -> dict[str, Any]:
    record = ledger.find_payment(merchant_id, order_ref) if _REF.fullmatch(order_ref) else None
    if record is None:
        raise ledger.Refusal(404, "not_found", f"No payment for order_ref {order_ref}.")
    return record


@merchant_api("GET")
def payment_status(
    request: HttpRequest, merchant_id: str, order_ref: str, *, fault: str
) -> HttpResponse:
    return JsonResponse(ledger.status_report(_merchant_payment(merchant_id, order_ref)))


@merchant_api("POST")
def refund(request: HttpRequest, merchant_id: str, order_ref: str, *, fault: str) -> HttpResponse:
    _merchant_payment(merchant_id, order_ref)
    body = _json_object(request)
    answer, created = ledger.refund_payment(
        merchant_id=merchant_id,
        order_ref=order_ref,
        refund_ref=_ref(body.get("refund_ref"), "bad_refund_ref", "refund_ref"),
        amount=_positive_amount(body.get("amount")),
        reason=_text(body.get("reason"), "reason"),
    )
    return JsonResponse(answer, status=201 if created else 200)


@merchant_api("POST")
def settle(request: HttpRequest, merchant_id: str, order_ref: str, *, fault: str) -> HttpResponse:
    record = _merchant_payment(merchant_id, order_ref)
    body = _json_object(request)
    outcome = body.get("status", "paid")
    if outcome not in ledger.OUTCOMES:
        raise ledger.Refusal(422, "bad_status", "status must be paid, cancelled or failed.")
    method = body.get("method", "card")
    if method not in ledger.METHODS:
        raise ledger.Refusal(422, "bad_method", "method must be card, bank_qr or ewallet.")
    record = ledger.complete_payment(
        record["payment_id"],
        outcome=outcome,
        method=None if outcome == "cancelled" else method,
        fault=fault,
    )
    return_url = _conclude(record, fault=fault)
    return JsonResponse({**ledger.status_report(record), "return_url": return_url})


@merchant_api("GET")
def reconciliation(request: HttpRequest, merchant_id: str, day: str, *, fault: str) -> HttpResponse:
    try:
        when = date.fromisoformat(day) if _DAY.fullmatch(day) else None
    except ValueError:
        when = None
    if when is None:
        raise ledger.Refusal(422, "bad_date", "The date must be YYYY-MM-DD.")
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=ledger.RECONCILIATION_FIELDS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(ledger.reconciliation_rows(merchant_id, when))
    body = buffer.getvalue().encode()
    timestamp = str(int(time.time()))
    response = HttpResponse(body, content_type="text/csv; charset=utf-8")
    response["X-Timestamp"] = timestamp
    response["X-Signature"] = sign(callbacks.platform_secret(), body_message(timestamp, body))
    return response


def _return_url(record: dict[str, Any]) -> str:
    params = {
        "order_ref": record["order_ref"],
        "status": record["status"],
        "amount": str(ledger.reported_amount(record)),
        "timestamp": str(int(time.time())),
    }
    if record["transaction_no"]:
        params["transaction_no"] = record["transaction_no"]
    return signed_return_url(record["return_url"], params, callbacks.platform_secret())


def _conclude(record: dict[str, Any], *, fault: str) -> str:
    """Sends the callback for a payment that just ended, before or after the redirect the
    caller is about to give (``callback_early`` decides); the signed return URL."""
    entries = callbacks.prepare(record, fault=fault)
    early = fault == "callback_early"
    if early:
        callbacks.dispatch(entries, early=True)
    url = _return_url(record)
    if not early:
        callbacks.dispatch(entries, early=False)
    return url


# --- the payer's pages ------------------------------------------------------------------
# ``simulators`` is a URL module, not an installed app, so the portal's template loaders do
# not see this package; it renders with an engine of its own (autoescaping on).
_ENGINE = Engine(dirs=[str(Path(__file__).resolve().parent / "templates")], autoescape=True)


def _render(
    template: str, context: dict[str, Any], *, status: int = 200, form_origin: str = ""
) -> HttpResponse:
    nonce = secrets.token_urlsafe(16)
    body = _ENGINE.get_template(f"simulators/payments/{template}").render(
        Context({**context, "csp_nonce": nonce})
    )
    response = HttpResponse(body, status=status)
    # One inline stylesheet (let in by nonce), no script. Browsers apply form-action to the
    # redirect after the pay form too, so the merchant's origin is allowed there.
    form_action = " ".join(filter(None, ["'self'", form_origin]))
    response["Content-Security-Policy"] = (
        f"default-src 'none'; style-src 'nonce-{nonce}'; img-src 'self' data:; "
        f"form-action {form_action}; frame-ancestors 'none'; base-uri 'none'"
    )
    response["Cache-Control"] = "no-store"
    return response


def _vnd(amount: int) -> str:
    return f"{amount:,}".replace(",", ".") + " ₫"


def _local_time(iso: str | None) -> str:
    return datetime.fromisoformat(iso).strftime("%H:%M %d/%m/%Y") if iso else ""


def _qr_svg(text: str) -> str:
    image = qrcode.make(text, image_factory=qrcode.image.svg.SvgPathImage, box_size=8)
    return image.to_string(encoding="unicode")


def _pay_page(
    request: HttpRequest, record: dict[str, Any], *, status: int = 200, error: str = ""
) -> HttpResponse:
    state = ledger.public_status(record)
    pay_url = _pay_url(request, record["payment_id"])
    context = {
        "payment": record,
        "state": state,
        "merchant_name": MERCHANT_NAMES.get(record["merchant_id"], record["merchant_id"]),
        "amount": _vnd(record["amount"]),
        "charged": _vnd(ledger.reported_amount(record)),
        "refunded": _vnd(record["refunded_amount"]),
        "expires_at": _local_time(record["expires_at"]),
        "paid_at": _local_time(record["paid_at"]),
        "methods": [(key, vi, en) for key, (vi, en) in METHOD_LABELS.items()],
        "method_label": METHOD_LABELS.get(record["method"] or "", ("", ""))[0],
        # A real VietQR code carries the bank account; the simulator's opens this page.
        "qr_svg": _qr_svg(pay_url) if state == "pending" else "",
        "return_link": _return_url(record) if state not in ("pending", "expired") else "",
        "error": error,
    }
    origin = urlsplit(record["return_url"])
    return _render(
        "pay.html", context, status=status, form_origin=f"{origin.scheme}://{origin.netloc}"
    )


def _not_found_page() -> HttpResponse:
    return _render(
        "message.html",
        {
            "message_vi": "Không tìm thấy giao dịch thanh toán này.",
            "message_en": "There is no such payment.",
        },
        status=404,
    )


@csrf_exempt  # another organisation's page: its own per-payment form token protects it
@require_http_methods(["GET", "POST"])
def pay(request: HttpRequest, payment_id: str) -> HttpResponse:
    record = ledger.get_payment(payment_id) if _PAYMENT_ID.fullmatch(payment_id) else None
    if record is None:
        return _not_found_page()
    if request.method == "GET":
        return _pay_page(request, record)

    if not constant_time_compare(request.POST.get("form_token", ""), record["form_token"]):
        return _render(
            "message.html",
            {
                "message_vi": "Biểu mẫu thanh toán không hợp lệ. Hãy mở lại trang thanh toán.",
                "message_en": "The payment form is not valid. Open the payment page again.",
            },
            status=403,
        )
    outcome = FORM_ACTIONS.get(request.POST.get("action", ""))
    method = request.POST.get("method")
    if outcome is None or (outcome != "cancelled" and method not in ledger.METHODS):
        return _pay_page(
            request,
            record,
            status=400,
            error="Hãy chọn một phương thức thanh toán. / Choose a payment method.",
        )
    fault = ledger.fault_mode()
    try:
        record = ledger.complete_payment(
            payment_id,
            outcome=outcome,
            method=None if outcome == "cancelled" else method,
            fault=fault,
        )
    except ledger.Refusal:
        # Re-posted, or too late: nothing happens again; the page says how things stand.
        return _pay_page(request, ledger.get_payment(payment_id) or record, status=409)
    return HttpResponseRedirect(_conclude(record, fault=fault))


# --- simulator only ---------------------------------------------------------------------
faults = fault_switch(ledger.FAULT_MODES, ledger.fault_mode, ledger.set_fault_mode)
outbox = outbox_view(ledger.take_outbox)


@require_GET
def index(request: HttpRequest) -> HttpResponse:
    payments = [
        {
            **record,
            "state": ledger.public_status(record),
            "charged": _vnd(ledger.reported_amount(record)),
            "created": _local_time(record["created_at"]),
            "pay_path": reverse("sim-payments:pay", args=[record["payment_id"]]),
        }
        for record in ledger.recent_payments()
    ]
    return _render("index.html", {"payments": payments, "mode": ledger.fault_mode()})
