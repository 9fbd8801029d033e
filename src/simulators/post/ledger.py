"""The simulated carrier's books: shipments, the outbox, the fault mode, and its signatures.

State lives in the Django cache, never the database, like the other simulators: it also runs
in the threads of the tests' server, outside their transaction. Read-modify-write happens
under one module lock (enough for the threads of one process).
"""

from __future__ import annotations

import secrets
import threading
import time
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.cache import cache

PREFIX = "sim-post"
STATE_SECONDS = 30 * 24 * 3600
RECENT_SIZE = 100
VIETNAM = ZoneInfo("Asia/Ho_Chi_Minh")
FAULT_MODES = ("none", "timeout", "server_error", "callback_duplicated", "callback_out_of_order", "bad_signature")
DIRECTIONS = ("pickup", "delivery")
WEIGHT_CLASSES = {"document": 22_000, "parcel_small": 30_000, "parcel": 45_000}
OTHER_PROVINCE_SURCHARGE = 8_000
# The usual road of a shipment; ``advance`` without a status takes the next one.
PATH = ("booked", "accepted", "picked_up", "in_transit", "out_for_delivery", "delivered")
CALLBACK_STATUSES = ("accepted", "picked_up", "in_transit", "out_for_delivery", "delivered", "failed_attempt",
                     "returned")
FINAL = ("delivered", "returned", "cancelled")
CANCELLABLE = ("booked", "accepted")
LOCATIONS = {
    "accepted": "Trung tâm khai thác", "picked_up": "Bưu cục gốc", "in_transit": "Trung tâm chia chọn",
    "out_for_delivery": "Bưu cục phát", "delivered": "Địa chỉ người nhận", "failed_attempt": "Địa chỉ người nhận",
    "returned": "Bưu cục gốc",
}
WRONG_KEY = "not-the-shared-key"  # noqa: S105 - what the bad_signature fault signs with

_lock = threading.Lock()


class Refusal(Exception):
    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


def now() -> str:
    return datetime.fromtimestamp(int(time.time()), VIETNAM).isoformat()


def secret() -> str:
    return getattr(settings, "SIM_POST_SECRET", "sim-post-secret")


# --- fault and outbox ---------------------------------------------------------------------
def fault_mode() -> str:
    return cache.get(f"{PREFIX}:fault") or "none"


def set_fault_mode(mode: str) -> None:
    cache.set(f"{PREFIX}:fault", mode, STATE_SECONDS)


def push_outbox(entries: list[dict[str, Any]]) -> None:
    with _lock:
        cache.set(f"{PREFIX}:outbox", [*(cache.get(f"{PREFIX}:outbox") or []), *entries], STATE_SECONDS)


def take_outbox() -> list[dict[str, Any]]:
    with _lock:
        entries = cache.get(f"{PREFIX}:outbox") or []
        cache.delete(f"{PREFIX}:outbox")
    return entries


# --- shipments ----------------------------------------------------------------------------
def _key(account: str, reference: str) -> str:
    return f"{PREFIX}:shipment:{account}:{reference}"


def fee(origin_province: str, destination_province: str, weight_class: str) -> int:
    surcharge = OTHER_PROVINCE_SURCHARGE if origin_province != destination_province else 0
    return WEIGHT_CLASSES[weight_class] + surcharge


def find(account: str, reference: str) -> dict[str, Any] | None:
    return cache.get(_key(account, reference))


def book(account: str, request: dict[str, Any]) -> tuple[dict[str, Any], bool]:
    """The shipment for ``request["reference"]``: the one booked before (``False``), or a new one."""
    with _lock:
        existing = cache.get(_key(account, request["reference"]))
        if existing is not None:
            same = all(existing[field] == request[field] for field in ("direction", "sender", "recipient",
                                                                       "weight_class"))
            if not same:
                raise Refusal(409, "reference_conflict", "This reference was booked with other details.")
            return existing, False
        record = {
            **request, "account": account, "tracking_number": "EV" + secrets.token_hex(5).upper() + "VN",
            "status": "booked", "sequence": 0, "events": [], "booked_at": now(),
            "fee": fee(request["sender"]["province"], request["recipient"]["province"], request["weight_class"]),
        }
        cache.set(_key(account, record["reference"]), record, STATE_SECONDS)
        cache.set(f"{PREFIX}:recent", [(account, record["reference"]),
                                       *(cache.get(f"{PREFIX}:recent") or [])][:RECENT_SIZE], STATE_SECONDS)
        return record, True


def recent() -> list[dict[str, Any]]:
    return [record for account, reference in cache.get(f"{PREFIX}:recent") or []
            if (record := find(account, reference)) is not None]


def public(record: dict[str, Any]) -> dict[str, Any]:
    return {key: record[key] for key in ("reference", "tracking_number", "direction", "status", "sequence", "fee",
                                         "weight_class", "booked_at", "events")} | {"currency": "VND"}


def cancel(account: str, reference: str) -> dict[str, Any]:
    with _lock:
        record = cache.get(_key(account, reference))
        if record is None:
            raise Refusal(404, "not_found", f"No shipment with reference {reference}.")
        if record["status"] != "cancelled":
            if record["status"] not in CANCELLABLE:
                raise Refusal(409, "not_cancellable", "The postman has the shipment already.")
            record["status"], record["sequence"] = "cancelled", record["sequence"] + 1
            cache.set(_key(account, reference), record, STATE_SECONDS)
        return record


def next_status(status: str) -> str | None:
    if status in FINAL:
        return None
    if status == "failed_attempt":
        return "out_for_delivery"  # the next round
    return PATH[PATH.index(status) + 1]


def advance(account: str, reference: str, target: str | None) -> tuple[dict[str, Any], dict[str, Any]]:
    """One step of a shipment (to ``target``, or the next on its road); the record and the event."""
    with _lock:
        record = cache.get(_key(account, reference))
        if record is None:
            raise Refusal(404, "not_found", f"No shipment with reference {reference}.")
        status = target or next_status(record["status"])
        if record["status"] in FINAL or status is None:
            raise Refusal(409, "final_status", "The shipment's journey is over.")
        if status not in CALLBACK_STATUSES:
            raise Refusal(422, "bad_status", f"status must be one of {', '.join(CALLBACK_STATUSES)}.")
        record["status"], record["sequence"] = status, record["sequence"] + 1
        event = {"event_id": "EV" + secrets.token_hex(8).upper(), "status": status, "sequence": record["sequence"],
                 "occurred_at": now(), "location": LOCATIONS[status]}
        record["events"] = [*record["events"], event]
        cache.set(_key(account, reference), record, STATE_SECONDS)
        return record, event
