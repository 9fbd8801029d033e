"""Simulator of the public postal service, the carrier's side of docs/postal-contract.md
(the portal's side is ``dichvucong.postal.client``).

API, every call signed by the account (``X-Account-Id``, ``X-Timestamp``, ``X-Signature`` =
hex HMAC-SHA256 of ``"{timestamp}\\n{METHOD}\\n{path}\\n{body}"`` with ``SIM_POST_SECRET``;
``401 unknown_account | bad_signature | stale_request``): ``POST v1/quotes``,
``POST v1/shipments`` (idempotent by ``reference``), ``GET v1/shipments/{reference}``,
``POST v1/shipments/{reference}/cancel``.

Simulator only, unsigned: ``POST shipments/{reference}/advance`` ``{"status"?}`` moves a
shipment one step (or to ``status``) and sends the signed tracking callback to its
``notify_url`` — or queues it in ``GET outbox`` when ``SIM_POST_DELIVER_CALLBACKS`` is off;
``POST faults`` ``{"mode"}`` / ``GET faults``; ``GET`` the index (recent shipments, JSON).
"""

from __future__ import annotations

import json
import logging
import re
import threading
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

import httpx
from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods

from simulators.common import (
    check_signed_request,
    error,
    fault_switch,
    outbox_view,
    sign,
    signed_api,
)

from . import ledger

logger = logging.getLogger(__name__)

ANSWER_TIMEOUT_SECONDS = 10.0
# Pauses before each delivery attempt: the carrier retries until it gets a 2xx, then gives up.
RETRY_PAUSES: tuple[float, ...] = (0.2, 1.0, 2.0, 4.0, 8.0, 16.0)
_REF = re.compile(r"[A-Za-z0-9-]{1,40}")
_CODE = re.compile(r"[0-9]{1,5}")
Handler = Callable[..., HttpResponse]


def _authenticate(request: HttpRequest) -> str | JsonResponse:
    account = request.headers.get("X-Account-Id", "")
    if account not in getattr(settings, "SIM_POST_ACCOUNTS", {"DVC-PORTAL"}):
        return error(401, "unknown_account", "X-Account-Id names no account of this carrier.")
    return check_signed_request(request, secret=ledger.secret()) or account


def carrier_api(method: str) -> Callable[[Handler], Handler]:
    """Method, signature and the faults of the carrier's API (``server_error``, ``timeout``)."""
    return signed_api(method, authenticate=_authenticate, fault_mode=ledger.fault_mode, refusal=ledger.Refusal,
                      timeout_seconds=lambda: float(getattr(settings, "SIM_POST_TIMEOUT_SECONDS", 30)),
                      server_error="The carrier's system failed.")


def _json_object(request: HttpRequest) -> dict[str, Any]:
    try:
        body = json.loads(request.body)
    except (ValueError, UnicodeDecodeError, RecursionError):
        body = None
    if not isinstance(body, dict):
        raise ledger.Refusal(400, "bad_request", "The body must be a JSON object.")
    return body


def _place(value: object, field: str) -> dict[str, str]:
    if not isinstance(value, dict) or not isinstance(value.get("province"), str) \
            or not _CODE.fullmatch(value["province"]) or not isinstance(value.get("commune", ""), str) \
            or (value.get("commune") and not _CODE.fullmatch(value["commune"])):
        raise ledger.Refusal(422, "bad_address", f"{field} needs a province code (and optionally a commune code).")
    return {"province": value["province"], "commune": value.get("commune", "")}


def _address(value: object, field: str) -> dict[str, str]:
    place = _place(value, field)
    assert isinstance(value, dict)  # _place checked it
    fields = {}
    for name, limit, required in (("name", 200, True), ("phone", 20, False), ("address", 300, True)):
        text = value.get(name, "")
        if not isinstance(text, str) or len(text) > limit or (required and not text.strip()):
            raise ledger.Refusal(422, "bad_address", f"{field}.{name} is missing or too long.")
        fields[name] = text
    return {**fields, **place}


def _weight_class(value: object) -> str:
    if value not in ledger.WEIGHT_CLASSES:
        raise ledger.Refusal(422, "bad_weight_class", f"weight_class must be one of {', '.join(ledger.WEIGHT_CLASSES)}.")
    return str(value)


def _url(value: object) -> str:
    if not isinstance(value, str) or len(value) > 2000 or urlsplit(value).scheme not in ("http", "https") \
            or not urlsplit(value).netloc:
        raise ledger.Refusal(422, "bad_notify_url", "notify_url must be an absolute http(s) URL.")
    return value


@carrier_api("POST")
def quote(request: HttpRequest, account: str) -> HttpResponse:
    body = _json_object(request)
    origin, destination = _place(body.get("origin"), "origin"), _place(body.get("destination"), "destination")
    weight_class = _weight_class(body.get("weight_class", "document"))
    return JsonResponse({
        "fee": ledger.fee(origin["province"], destination["province"], weight_class), "currency": "VND",
        "weight_class": weight_class, "estimated_days": 2 if origin["province"] == destination["province"] else 4,
    })


@carrier_api("POST")
def shipments(request: HttpRequest, account: str) -> HttpResponse:
    body = _json_object(request)
    reference = body.get("reference")
    if not isinstance(reference, str) or not _REF.fullmatch(reference):
        raise ledger.Refusal(422, "bad_reference", "reference must be 1 to 40 characters of A-Z, a-z, 0-9, -.")
    if body.get("direction") not in ledger.DIRECTIONS:
        raise ledger.Refusal(422, "bad_direction", "direction must be pickup or delivery.")
    note = body.get("note", "")
    if not isinstance(note, str) or len(note) > 200:
        raise ledger.Refusal(422, "bad_note", "note must be text of at most 200 characters.")
    record, created = ledger.book(account, {
        "reference": reference, "direction": body["direction"], "sender": _address(body.get("sender"), "sender"),
        "recipient": _address(body.get("recipient"), "recipient"),
        "weight_class": _weight_class(body.get("weight_class", "document")),
        "notify_url": _url(body.get("notify_url")), "note": note,
    })
    return JsonResponse(ledger.public(record), status=201 if created else 200)


def _shipment(account: str, reference: str) -> dict[str, Any]:
    record = ledger.find(account, reference) if _REF.fullmatch(reference) else None
    if record is None:
        raise ledger.Refusal(404, "not_found", f"No shipment with reference {reference}.")
    return record


@carrier_api("GET")
def shipment(request: HttpRequest, account: str, reference: str) -> HttpResponse:
    return JsonResponse(ledger.public(_shipment(account, reference)))


@carrier_api("POST")
def cancel(request: HttpRequest, account: str, reference: str) -> HttpResponse:
    _shipment(account, reference)
    return JsonResponse(ledger.public(ledger.cancel(account, reference)))


# --- tracking callbacks ---------------------------------------------------------------------
def _entry(record: dict[str, Any], event: dict[str, Any], *, key: str) -> dict[str, Any]:
    body = json.dumps({
        "event_id": event["event_id"], "reference": record["reference"],
        "tracking_number": record["tracking_number"], "direction": record["direction"], "status": event["status"],
        "sequence": event["sequence"], "occurred_at": event["occurred_at"], "location": event["location"],
    }, ensure_ascii=False, separators=(",", ":"))
    timestamp = str(int(time.time()))
    return {"url": record["notify_url"], "body": body, "headers": {
        "Content-Type": "application/json", "X-Timestamp": timestamp,
        "X-Signature": sign(key, f"{timestamp}\n".encode() + body.encode()),
    }}


def _dispatch(entries: list[dict[str, Any]]) -> None:
    if not getattr(settings, "SIM_POST_DELIVER_CALLBACKS", True):
        ledger.push_outbox(entries)
        return
    threading.Thread(target=_deliver, args=(entries,), name="sim-post-callback", daemon=True).start()


def _deliver(entries: list[dict[str, Any]]) -> None:
    """Each entry in turn, in the order given, retried until a 2xx or the pauses run out."""
    for entry in entries:
        for pause in RETRY_PAUSES:
            time.sleep(pause)
            try:
                answer = httpx.post(entry["url"], content=entry["body"].encode(), headers=entry["headers"],
                                    timeout=ANSWER_TIMEOUT_SECONDS)
            except httpx.HTTPError as error:
                logger.info("sim-post: callback to %s failed: %s", entry["url"], error)
                continue
            if 200 <= answer.status_code < 300:
                break
        else:
            logger.warning("sim-post: callback to %s was never accepted", entry["url"])


@csrf_exempt
@require_http_methods(["POST"])
def advance(request: HttpRequest, reference: str) -> HttpResponse:
    """Move a shipment on (as the postman would) and send its tracking callback(s)."""
    try:
        body = json.loads(request.body or b"{}")
    except (ValueError, UnicodeDecodeError):
        body = None
    if not isinstance(body, dict):
        return error(400, "bad_request", "The body must be a JSON object.")
    account = body.get("account") or next(iter(sorted(getattr(settings, "SIM_POST_ACCOUNTS", {"DVC-PORTAL"}))))
    fault = ledger.fault_mode()
    try:
        record, event = ledger.advance(account, reference, body.get("status"))
        events = [event]
        if fault == "callback_out_of_order" and ledger.next_status(record["status"]):
            # Two steps, and the later one's callback leaves first.
            record, later = ledger.advance(account, reference, None)
            events = [later, event]
    except ledger.Refusal as refusal:
        return error(refusal.status, refusal.code, refusal.message)
    key = ledger.WRONG_KEY if fault == "bad_signature" else ledger.secret()
    entries = [_entry(record, item, key=key) for item in events]
    if fault == "callback_duplicated":
        entries = [entry for entry in entries for _ in range(2)]  # byte for byte, twice
    _dispatch(entries)
    return JsonResponse(ledger.public(record))


faults = fault_switch(ledger.FAULT_MODES, ledger.fault_mode, ledger.set_fault_mode)
outbox = outbox_view(ledger.take_outbox)


@require_GET
def index(request: HttpRequest) -> HttpResponse:
    return JsonResponse({"mode": ledger.fault_mode(), "shipments": [ledger.public(r) for r in ledger.recent()]})
