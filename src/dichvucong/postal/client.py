"""Adapter to the public postal service (F2). The contract: docs/postal-contract.md.

Every call is signed with the portal's HMAC key; every tracking callback is verified
before it is believed. Anything the adapter cannot reach or read is ``CarrierUnavailable``:
callers keep their shipment as it was and try again later (the booking's reference is its
idempotency key, so a retry never books twice).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

import httpx
from django.conf import settings
from prometheus_client import Counter

logger = logging.getLogger(__name__)

MAX_CLOCK_SKEW_SECONDS = 300
CARRIER_CALLS = Counter(
    "dvc_postal_calls_total", "Calls to the postal service, by operation and outcome.", ["operation", "outcome"],
)


class CarrierError(Exception):
    def __init__(self, code: str, message: str = "") -> None:
        super().__init__(message or code)
        self.code = code


class CarrierUnavailable(CarrierError):
    """Timeout, connection failure, 5xx or an unreadable answer: try again later."""


class CarrierRefused(CarrierError):
    """A 4xx answer: the request itself is wrong (our data, our bug or our configuration)."""


class BadSignature(CarrierError):
    """A callback whose signature, timestamp or body does not verify; its ``code`` says which."""


@dataclass(frozen=True)
class Address:
    """A postal address as the contract carries it; province and commune are official codes."""

    name: str
    phone: str
    address: str
    province: str
    commune: str = ""

    def as_json(self) -> dict[str, str]:
        return {"name": self.name, "phone": self.phone, "address": self.address, "province": self.province,
                "commune": self.commune}


@dataclass(frozen=True)
class Quote:
    fee: int  # whole đồng
    weight_class: str
    estimated_days: int


@dataclass(frozen=True)
class CarrierShipment:
    reference: str
    tracking_number: str
    status: str
    fee: int
    sequence: int = 0


def _integer(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError("not an integer")
    return value


def _secret() -> bytes:
    return settings.POSTAL_SECRET.encode()


def _hmac(message: str) -> str:
    return hmac.new(_secret(), message.encode(), hashlib.sha256).hexdigest()


def sign_request(method: str, path: str, body: str, timestamp: int) -> str:
    return _hmac(f"{timestamp}\n{method}\n{path}\n{body}")


def sign_body(body: bytes, timestamp: str) -> str:
    """The signature a callback carries (used by the tests to play the carrier)."""
    return _hmac(f"{timestamp}\n{body.decode('utf-8', 'replace')}")


def _same(expected: str, given: str | None) -> bool:
    """Constant-time comparison that also survives junk (non-ASCII) from outside."""
    return hmac.compare_digest(expected.encode(), (given or "").encode("utf-8", "replace"))


def verify_callback(body: bytes, *, timestamp: str, signature: str) -> dict:
    """The callback's payload once its signature and freshness verify; ``BadSignature`` else.

    The signature is checked before anything in the body is read: what a stranger sends is
    never parsed.
    """
    try:
        age = abs(time.time() - int(timestamp))
    except (TypeError, ValueError) as error:
        raise BadSignature("bad_timestamp") from error
    if not _same(sign_body(body, timestamp), signature):
        raise BadSignature("bad_signature")
    if age > MAX_CLOCK_SKEW_SECONDS:
        raise BadSignature("stale")
    try:
        payload = json.loads(body)
    except (ValueError, RecursionError) as error:
        raise BadSignature("malformed") from error
    if not isinstance(payload, dict):
        raise BadSignature("malformed")
    return payload


def _call(operation: str, method: str, path: str, payload: dict | None = None) -> dict:
    url = settings.POSTAL_BASE_URL + path
    body = json.dumps(payload, ensure_ascii=False, separators=(",", ":")) if payload is not None else ""
    timestamp = int(time.time())
    parts = urlsplit(url)
    full_path = parts.path + (f"?{parts.query}" if parts.query else "")
    headers = {
        "X-Account-Id": settings.POSTAL_ACCOUNT_ID, "X-Timestamp": str(timestamp),
        "X-Signature": sign_request(method, full_path, body, timestamp), "Content-Type": "application/json",
    }
    try:
        response = httpx.request(method, url, content=body.encode() if body else None, headers=headers,
                                 timeout=settings.POSTAL_TIMEOUT)
    except httpx.HTTPError as error:
        CARRIER_CALLS.labels(operation, "unavailable").inc()
        logger.warning("postal service %s failed: %s", operation, type(error).__name__)
        raise CarrierUnavailable("unreachable", type(error).__name__) from error
    if response.status_code >= 500:
        CARRIER_CALLS.labels(operation, "unavailable").inc()
        logger.warning("postal service %s answered HTTP %s", operation, response.status_code)
        raise CarrierUnavailable("server_error", f"HTTP {response.status_code}")
    if response.status_code >= 400:
        CARRIER_CALLS.labels(operation, "refused").inc()
        try:
            code = str(response.json()["error"]["code"])[:40]
        except (ValueError, KeyError, TypeError):
            code = f"http_{response.status_code}"
        logger.error("postal service refused %s: %s", operation, code)
        raise CarrierRefused(code)
    try:
        data = response.json()
    except ValueError as error:
        CARRIER_CALLS.labels(operation, "unavailable").inc()
        raise CarrierUnavailable("unreadable", "not JSON") from error
    if not isinstance(data, dict):
        CARRIER_CALLS.labels(operation, "unavailable").inc()
        raise CarrierUnavailable("unreadable", "not an object")
    CARRIER_CALLS.labels(operation, "ok").inc()
    return data


def _shipment(data: dict) -> CarrierShipment:
    try:
        return CarrierShipment(
            reference=str(data["reference"]), tracking_number=str(data["tracking_number"])[:32],
            status=str(data["status"]), fee=_integer(data.get("fee", 0)), sequence=_integer(data.get("sequence", 0)),
        )
    except (KeyError, TypeError, ValueError) as error:
        raise CarrierUnavailable("unreadable", f"unreadable shipment: {error}") from error


def quote(*, origin: Address, destination: Address, weight_class: str) -> Quote:
    """The carrier's fee for one shipment between two places (only province and commune count)."""
    data = _call("quote", "POST", "v1/quotes", {
        "origin": {"province": origin.province, "commune": origin.commune},
        "destination": {"province": destination.province, "commune": destination.commune},
        "weight_class": weight_class,
    })
    try:
        fee = _integer(data["fee"])
        if data.get("currency", "VND") != "VND" or not 0 < fee < 10**8:
            raise ValueError("not a fee in đồng")
        return Quote(fee=fee, weight_class=str(data.get("weight_class") or weight_class),
                     estimated_days=_integer(data.get("estimated_days", 0)))
    except (KeyError, TypeError, ValueError) as error:
        raise CarrierUnavailable("unreadable", f"unreadable quote: {error}") from error


def book(*, reference: str, direction: str, sender: Address, recipient: Address, weight_class: str,
         notify_url: str, note: str = "") -> CarrierShipment:
    """Book a shipment; the same ``reference`` again answers the shipment booked the first time."""
    shipment = _shipment(_call("book", "POST", "v1/shipments", {
        "reference": reference, "direction": direction, "sender": sender.as_json(), "recipient": recipient.as_json(),
        "weight_class": weight_class, "notify_url": notify_url, "note": note[:200],
    }))
    if shipment.reference != reference or not shipment.tracking_number:
        raise CarrierUnavailable("unreadable", "the answer is about another shipment")
    return shipment


def get_shipment(reference: str) -> CarrierShipment:
    return _shipment(_call("status", "GET", f"v1/shipments/{reference}"))


def cancel(reference: str) -> CarrierShipment:
    return _shipment(_call("cancel", "POST", f"v1/shipments/{reference}/cancel", {}))
