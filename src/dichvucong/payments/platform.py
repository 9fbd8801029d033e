"""Adapter to the national payment platform (E1). The contract: docs/payment-platform-contract.md.

Every call is signed with the merchant's HMAC key; every word coming back (callback,
browser return, reconciliation file) is verified before it is believed. Anything the
adapter cannot read or reach is ``PlatformUnavailable``: callers keep the payment pending
and recover it later by status query or reconciliation, never by guessing.
"""

from __future__ import annotations

import csv
import hashlib
import hmac
import io
import json
import logging
import time
from dataclasses import dataclass
from datetime import date, datetime
from urllib.parse import urlsplit

import httpx
from django.conf import settings
from prometheus_client import Counter

logger = logging.getLogger(__name__)

MAX_CLOCK_SKEW_SECONDS = 300
RECONCILIATION_COLUMNS = (
    "order_ref", "payment_id", "transaction_no", "amount", "currency", "status", "method", "paid_at",
    "refunded_amount",
)
PLATFORM_CALLS = Counter(
    "dvc_payment_platform_calls_total", "Calls to the payment platform, by operation and outcome.",
    ["operation", "outcome"],
)


class PlatformError(Exception):
    def __init__(self, code: str, message: str = "") -> None:
        super().__init__(message or code)
        self.code = code


class PlatformUnavailable(PlatformError):
    """Timeout, connection failure, 5xx or an unreadable answer: try again later."""


class PlatformRefused(PlatformError):
    """A 4xx answer: the request itself is wrong (our bug or our configuration)."""


class BadSignature(PlatformError):
    """A callback, return or file whose signature or timestamp does not verify."""


@dataclass(frozen=True)
class PlatformPayment:
    order_ref: str
    payment_id: str
    status: str
    amount: int
    pay_url: str = ""
    method: str = ""
    transaction_no: str = ""
    paid_at: datetime | None = None
    refunded_amount: int = 0

    @classmethod
    def from_json(cls, data: dict) -> PlatformPayment:
        try:
            return cls(
                order_ref=str(data["order_ref"]), payment_id=str(data.get("payment_id") or ""),
                status=str(data["status"]), amount=_integer(data["amount"]),
                pay_url=str(data.get("pay_url") or ""), method=str(data.get("method") or ""),
                transaction_no=str(data.get("transaction_no") or ""),
                paid_at=datetime.fromisoformat(data["paid_at"]) if data.get("paid_at") else None,
                refunded_amount=_integer(data.get("refunded_amount") or 0),
            )
        except (KeyError, TypeError, ValueError) as error:
            raise PlatformUnavailable("unreadable", f"unreadable payment: {error}") from error


def _integer(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise ValueError("not an integer amount")
    return int(value)


def _secret() -> bytes:
    return settings.PAYMENT_PLATFORM_SECRET.encode()


def _hmac(message: str) -> str:
    return hmac.new(_secret(), message.encode(), hashlib.sha256).hexdigest()


def sign_request(method: str, path: str, body: str, timestamp: int) -> str:
    return _hmac(f"{timestamp}\n{method}\n{path}\n{body}")


def _same(expected: str, given: str | None) -> bool:
    """Constant-time comparison that also survives junk (non-ASCII) from outside."""
    return hmac.compare_digest(expected.encode(), (given or "").encode("utf-8", "replace"))


def _check_body_signature(body: bytes, timestamp: str, signature: str) -> None:
    try:
        age = abs(time.time() - int(timestamp))
    except (TypeError, ValueError) as error:
        raise BadSignature("bad_timestamp") from error
    expected = _hmac(f"{timestamp}\n{body.decode('utf-8', 'replace')}")
    if not _same(expected, signature):
        raise BadSignature("bad_signature")
    if age > MAX_CLOCK_SKEW_SECONDS:
        raise BadSignature("stale")


def verify_callback(body: bytes, *, timestamp: str, signature: str) -> dict:
    """The callback's payload once its signature and freshness verify; ``BadSignature`` else."""
    _check_body_signature(body, timestamp, signature)
    try:
        payload = json.loads(body)
    except ValueError as error:
        raise BadSignature("malformed") from error
    if not isinstance(payload, dict) or not isinstance(payload.get("order_ref"), str):
        raise BadSignature("malformed")
    return payload


def verify_return(params: dict[str, str]) -> dict[str, str]:
    """The browser's return parameters once their signature verifies (they are only a hint)."""
    signature = params.get("signature", "")
    canonical = "&".join(f"{key}={params[key]}" for key in sorted(params) if key != "signature")
    if not _same(_hmac(canonical), signature):
        raise BadSignature("bad_signature")
    return {key: value for key, value in params.items() if key != "signature"}


def _call(operation: str, method: str, path: str, payload: dict | None = None) -> httpx.Response:
    base = settings.PAYMENT_PLATFORM_BASE_URL
    url = base + path
    body = json.dumps(payload, ensure_ascii=False, separators=(",", ":")) if payload is not None else ""
    timestamp = int(time.time())
    full_path = urlsplit(url).path + (f"?{urlsplit(url).query}" if urlsplit(url).query else "")
    headers = {
        "X-Merchant-Id": settings.PAYMENT_MERCHANT_ID, "X-Timestamp": str(timestamp),
        "X-Signature": sign_request(method, full_path, body, timestamp), "Content-Type": "application/json",
    }
    try:
        response = httpx.request(method, url, content=body.encode() if body else None, headers=headers,
                                 timeout=settings.PAYMENT_PLATFORM_TIMEOUT)
    except httpx.HTTPError as error:
        PLATFORM_CALLS.labels(operation, "unavailable").inc()
        logger.warning("payment platform %s failed: %s", operation, type(error).__name__)
        raise PlatformUnavailable("unreachable", type(error).__name__) from error
    if response.status_code >= 500:
        PLATFORM_CALLS.labels(operation, "unavailable").inc()
        raise PlatformUnavailable("server_error", f"HTTP {response.status_code}")
    if response.status_code >= 400:
        PLATFORM_CALLS.labels(operation, "refused").inc()
        try:
            code = response.json()["error"]["code"]
        except (ValueError, KeyError, TypeError):
            code = f"http_{response.status_code}"
        logger.error("payment platform refused %s: %s", operation, code)
        raise PlatformRefused(code)
    PLATFORM_CALLS.labels(operation, "ok").inc()
    return response


def _json(response: httpx.Response) -> dict:
    try:
        data = response.json()
    except ValueError as error:
        raise PlatformUnavailable("unreadable", "not JSON") from error
    if not isinstance(data, dict):
        raise PlatformUnavailable("unreadable", "not an object")
    return data


def pay_origin() -> str:
    """Where the platform's payment pages are (may differ from its API's host)."""
    configured = settings.PAYMENT_PLATFORM_PAY_ORIGIN or settings.PAYMENT_PLATFORM_BASE_URL
    parts = urlsplit(configured)
    return f"{parts.scheme}://{parts.netloc}"


def create_payment(*, order_ref: str, amount: int, description: str, return_url: str,
                   notify_url: str, expires_in: int = 900) -> PlatformPayment:
    response = _call("create", "POST", "v1/payments", {
        "merchant_id": settings.PAYMENT_MERCHANT_ID, "order_ref": order_ref, "amount": amount,
        "currency": "VND", "description": description[:200], "return_url": return_url,
        "notify_url": notify_url, "expires_in": expires_in,
    })
    created = PlatformPayment.from_json(_json(response))
    # The payer is sent there: only to the platform's own pages, never where an answer says.
    if len(created.pay_url) > 500 or not created.pay_url.startswith(pay_origin() + "/"):
        logger.error("payment platform answered a pay_url outside %s", pay_origin())
        raise PlatformRefused("bad_pay_url")
    return created


def get_payment(order_ref: str) -> PlatformPayment:
    return PlatformPayment.from_json(_json(_call("status", "GET", f"v1/payments/{order_ref}")))


def refund(*, order_ref: str, refund_ref: str, amount: int, reason: str) -> dict:
    data = _json(_call("refund", "POST", f"v1/payments/{order_ref}/refunds",
                       {"refund_ref": refund_ref, "amount": amount, "reason": reason[:200]}))
    if data.get("status") != "succeeded":
        raise PlatformUnavailable("refund_not_succeeded", str(data.get("status")))
    return data


def reconciliation_file(day: date) -> list[PlatformPayment]:
    """The platform's signed list of the merchant's payments paid or refunded on ``day``."""
    response = _call("reconciliation", "GET", f"v1/reconciliation/{day.isoformat()}")
    _check_body_signature(response.content, response.headers.get("X-Timestamp", ""),
                          response.headers.get("X-Signature", ""))
    reader = csv.DictReader(io.StringIO(response.content.decode("utf-8")))
    if tuple(reader.fieldnames or ()) != RECONCILIATION_COLUMNS:
        raise PlatformUnavailable("unreadable", "unexpected reconciliation columns")
    return [PlatformPayment.from_json(row) for row in reader]
