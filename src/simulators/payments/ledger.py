"""The simulated platform's books: payments, refunds, the day index, the outbox, the fault.

Everything lives in the Django cache, never the database: the simulator also runs in the
threads of a test server, outside the test's transaction, and in production-like set-ups the
cache (Redis) is shared by all workers. Read-modify-write happens under one module lock,
which serialises the threads of one process; two processes may race, which a simulator can
bear.
"""

from __future__ import annotations

import math
import secrets
import threading
import time
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from django.core.cache import cache

PREFIX = "sim-payments"
# Long enough for the next day's reconciliation file to find yesterday's payments.
STATE_SECONDS = 7 * 24 * 3600
RECENT_SIZE = 100
VIETNAM = ZoneInfo("Asia/Ho_Chi_Minh")
FAULT_MODES = (
    "none",
    "callback_lost",
    "callback_duplicated",
    "callback_early",
    "bad_signature",
    "amount_mismatch",
    "timeout",
)
METHODS = ("card", "bank_qr", "ewallet")
OUTCOMES = ("paid", "cancelled", "failed")
MISMATCH_SHORTFALL = 1000  # what the amount_mismatch fault charges less than asked
RECONCILIATION_FIELDS = (
    "order_ref",
    "payment_id",
    "transaction_no",
    "amount",
    "currency",
    "status",
    "method",
    "paid_at",
    "refunded_amount",
)

_lock = threading.Lock()


class Refusal(Exception):
    """A request the platform turns down; the view answers it as a contract error."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message


# --- clock and keys ---------------------------------------------------------------------
def now() -> datetime:
    return datetime.fromtimestamp(int(time.time()), VIETNAM)


def _payment_key(payment_id: str) -> str:
    return f"{PREFIX}:payment:{payment_id}"


def _order_key(merchant_id: str, order_ref: str) -> str:
    return f"{PREFIX}:order:{merchant_id}:{order_ref}"


def _day_key(merchant_id: str, day: date) -> str:
    return f"{PREFIX}:day:{merchant_id}:{day.isoformat()}"


def _save(record: dict[str, Any]) -> None:
    cache.set(_payment_key(record["payment_id"]), record, STATE_SECONDS)


def _index_day(record: dict[str, Any], when: datetime) -> None:
    key = _day_key(record["merchant_id"], when.astimezone(VIETNAM).date())
    ids = cache.get(key, [])
    if record["payment_id"] not in ids:
        cache.set(key, [*ids, record["payment_id"]], STATE_SECONDS)


# --- faults -----------------------------------------------------------------------------
def fault_mode() -> str:
    return cache.get(f"{PREFIX}:fault", "none")


def set_fault_mode(mode: str) -> None:
    cache.set(f"{PREFIX}:fault", mode, STATE_SECONDS)


# --- reading ----------------------------------------------------------------------------
def get_payment(payment_id: str) -> dict[str, Any] | None:
    return cache.get(_payment_key(payment_id))


def find_payment(merchant_id: str, order_ref: str) -> dict[str, Any] | None:
    payment_id = cache.get(_order_key(merchant_id, order_ref))
    return get_payment(payment_id) if payment_id else None


def recent_payments() -> list[dict[str, Any]]:
    records = (get_payment(pid) for pid in cache.get(f"{PREFIX}:recent", []))
    return [record for record in records if record is not None]


def is_expired(record: dict[str, Any]) -> bool:
    return record["status"] == "pending" and time.time() > record["expires_ts"]


def public_status(record: dict[str, Any]) -> str:
    """The status the contract reports: expiry and refunds are read off the record."""
    if is_expired(record):
        return "expired"
    if record["status"] == "paid" and record["refunded_amount"]:
        if record["refunded_amount"] >= record["paid_amount"]:
            return "refunded"
        return "partially_refunded"
    return record["status"]


def reported_amount(record: dict[str, Any]) -> int:
    """What was charged once paid (less than asked under amount_mismatch), else what was asked."""
    return record["paid_amount"] if record["paid_amount"] is not None else record["amount"]


def status_report(record: dict[str, Any]) -> dict[str, Any]:
    return {
        "payment_id": record["payment_id"],
        "order_ref": record["order_ref"],
        "status": public_status(record),
        "amount": reported_amount(record),
        "currency": record["currency"],
        "method": record["method"],
        "transaction_no": record["transaction_no"],
        "paid_at": record["paid_at"],
        "refunded_amount": record["refunded_amount"],
    }


def reconciliation_rows(merchant_id: str, day: date) -> list[dict[str, Any]]:
    """The merchant's payments paid or refunded on ``day`` (Vietnam's time), oldest first."""
    records = [get_payment(pid) for pid in cache.get(_day_key(merchant_id, day), [])]
    rows = [
        {field: status_report(record)[field] for field in RECONCILIATION_FIELDS}
        for record in records
        if record is not None
    ]
    return sorted(rows, key=lambda row: row["paid_at"] or "")


# --- writing ----------------------------------------------------------------------------
def create_payment(
    *,
    merchant_id: str,
    order_ref: str,
    amount: int,
    description: str,
    return_url: str,
    notify_url: str,
    expires_in: int,
) -> tuple[dict[str, Any], bool]:
    """The payment for ``order_ref``, and whether it is new.

    ``order_ref`` is the merchant's idempotency key: asked again with the same amount it
    returns the first payment, with another amount it is refused.
    """
    with _lock:
        earlier = find_payment(merchant_id, order_ref)
        if earlier is not None:
            if earlier["amount"] != amount:
                raise Refusal(
                    409,
                    "order_ref_conflict",
                    f"order_ref {order_ref} was created with another amount.",
                )
            return earlier, False
        created = now()
        expires_ts = math.ceil(time.time()) + expires_in
        record: dict[str, Any] = {
            "payment_id": "PGV" + secrets.token_hex(8).upper(),
            "merchant_id": merchant_id,
            "order_ref": order_ref,
            "amount": amount,
            "currency": "VND",
            "description": description,
            "return_url": return_url,
            "notify_url": notify_url,
            "status": "pending",
            "created_at": created.isoformat(),
            # Whole seconds, rounded up: the payer never gets less time than asked.
            "expires_ts": expires_ts,
            "expires_at": datetime.fromtimestamp(expires_ts, VIETNAM).isoformat(),
            "method": None,
            "transaction_no": None,
            "paid_at": None,
            "paid_amount": None,
            "refunded_amount": 0,
            "refunds": {},
            # Proves that a pay form was served by this platform (see views.pay).
            "form_token": secrets.token_urlsafe(24),
        }
        _save(record)
        cache.set(_order_key(merchant_id, order_ref), record["payment_id"], STATE_SECONDS)
        recent_key = f"{PREFIX}:recent"
        cache.set(
            recent_key,
            [record["payment_id"], *cache.get(recent_key, [])][:RECENT_SIZE],
            STATE_SECONDS,
        )
    return record, True


def complete_payment(
    payment_id: str, *, outcome: str, method: str | None, fault: str
) -> dict[str, Any]:
    """Ends a pending payment as paid, cancelled or failed; the updated record.

    Only one caller can end a payment: any later one (a re-posted pay form, a second
    settle) is refused with ``409 not_payable``, so nobody pays twice.
    """
    with _lock:
        record = get_payment(payment_id)
        if record is None:
            raise Refusal(404, "not_found", "No such payment.")
        if record["status"] != "pending" or is_expired(record):
            raise Refusal(
                409, "not_payable", f"The payment is {public_status(record)}, not pending."
            )
        record["status"] = outcome
        record["method"] = method
        if outcome == "paid":
            paid_at = now()
            shortfall = MISMATCH_SHORTFALL if fault == "amount_mismatch" else 0
            record["paid_amount"] = max(record["amount"] - shortfall, 0)
            record["paid_at"] = paid_at.isoformat()
            record["transaction_no"] = f"TXN{secrets.randbelow(10**12):012d}"
            _index_day(record, paid_at)
        _save(record)
    return record


def refund_payment(
    *, merchant_id: str, order_ref: str, refund_ref: str, amount: int, reason: str
) -> tuple[dict[str, Any], bool]:
    """The refund answer for ``refund_ref``, and whether it is new (idempotent by ref)."""
    with _lock:
        record = find_payment(merchant_id, order_ref)
        if record is None:
            raise Refusal(404, "not_found", f"No payment for order_ref {order_ref}.")
        earlier = record["refunds"].get(refund_ref)
        if earlier is not None:
            return earlier["answer"], False
        if public_status(record) not in ("paid", "partially_refunded"):
            raise Refusal(
                422, "not_refundable", f"The payment is {public_status(record)}, not paid."
            )
        left = record["paid_amount"] - record["refunded_amount"]
        if amount > left:
            raise Refusal(
                422, "not_refundable", f"At most {left} VND is left to refund on this payment."
            )
        refunded_at = now()
        answer = {
            "refund_id": "RFD" + secrets.token_hex(8).upper(),
            "refund_ref": refund_ref,
            "status": "succeeded",
            "amount": amount,
        }
        record["refunds"][refund_ref] = {
            "answer": answer,
            "reason": reason,
            "refunded_at": refunded_at.isoformat(),
        }
        record["refunded_amount"] += amount
        _index_day(record, refunded_at)
        _save(record)
    return answer, True


# --- outbox -----------------------------------------------------------------------------
def push_outbox(entries: list[dict[str, Any]]) -> None:
    with _lock:
        key = f"{PREFIX}:outbox"
        cache.set(key, [*cache.get(key, []), *entries], STATE_SECONDS)


def take_outbox() -> list[dict[str, Any]]:
    with _lock:
        key = f"{PREFIX}:outbox"
        entries = cache.get(key, [])
        cache.delete(key)
    return entries
