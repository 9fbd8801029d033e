"""The platform's signed callbacks to the merchant's ``notify_url``, with their faults.

With ``SIM_PAYMENTS_DELIVER_CALLBACKS`` (the default) a callback is posted from a daemon
thread ``SIM_PAYMENTS_CALLBACK_DELAY`` seconds after the browser's redirect, or at once and
before it under the ``callback_early`` fault; anything but a 200 (or no answer in 10 s) is
retried up to 3 times. Without it (the tests' setting) callbacks wait in the outbox, read
and emptied by ``GET outbox``, so that a test delivers them itself, in the order it wants.
"""

from __future__ import annotations

import json
import logging
import secrets
import threading
import time
from typing import Any

import httpx
from django.conf import settings

from . import ledger
from .signing import body_message, sign

logger = logging.getLogger(__name__)

ANSWER_TIMEOUT_SECONDS = 10.0
# Pauses before each retry; module-level so that a test can shorten them.
RETRY_PAUSES: tuple[float, ...] = (1.0, 2.0, 4.0)
# What the bad_signature fault signs with instead of the shared secret.
WRONG_KEY = "not-the-shared-key"  # noqa: S105 - deliberately wrong, not a secret


def platform_secret() -> str:
    return getattr(settings, "SIM_PAYMENTS_SECRET", "sim-payments-secret")


def payload(record: dict[str, Any]) -> dict[str, Any]:
    return {
        "event_id": "EVT" + secrets.token_hex(8).upper(),
        "payment_id": record["payment_id"],
        "order_ref": record["order_ref"],
        "status": record["status"],
        "amount": ledger.reported_amount(record),
        "currency": record["currency"],
        "method": record["method"],
        "transaction_no": record["transaction_no"],
        "paid_at": record["paid_at"],
    }


def prepare(record: dict[str, Any], *, fault: str) -> list[dict[str, Any]]:
    """The callbacks to send for a payment that just ended: none, one, or one twice."""
    if fault == "callback_lost":
        return []
    body = json.dumps(payload(record), ensure_ascii=False, separators=(",", ":"))
    timestamp = str(int(time.time()))
    key = WRONG_KEY if fault == "bad_signature" else platform_secret()
    entry = {
        "url": record["notify_url"],
        "headers": {
            "Content-Type": "application/json",
            "X-Timestamp": timestamp,
            "X-Signature": sign(key, body_message(timestamp, body.encode())),
        },
        "body": body,
    }
    # The same event twice, byte for byte: the merchant must notice it is a duplicate.
    return [entry, dict(entry)] if fault == "callback_duplicated" else [entry]


def dispatch(entries: list[dict[str, Any]], *, early: bool) -> None:
    """Sends (or queues) the callbacks; ``early`` sends the first attempt before returning."""
    if not entries:
        return
    if not getattr(settings, "SIM_PAYMENTS_DELIVER_CALLBACKS", True):
        ledger.push_outbox(entries)
        return
    if early:
        failed = [entry for entry in entries if not _attempt(entry)]
        if failed:
            _in_background(failed, RETRY_PAUSES)
        return
    delay = float(getattr(settings, "SIM_PAYMENTS_CALLBACK_DELAY", 1.0))
    _in_background(entries, (delay, *RETRY_PAUSES))


def _in_background(entries: list[dict[str, Any]], pauses: tuple[float, ...]) -> None:
    thread = threading.Thread(
        target=_deliver, args=(entries, pauses), name="sim-payments-callback", daemon=True
    )
    thread.start()


def _deliver(entries: list[dict[str, Any]], pauses: tuple[float, ...]) -> None:
    """Each entry in turn: wait, try, and wait again before each retry until one is taken."""
    for entry in entries:
        for pause in pauses:
            time.sleep(pause)
            if _attempt(entry):
                break
        else:
            logger.warning("sim-payments: callback to %s was never accepted", entry["url"])


def _attempt(entry: dict[str, Any]) -> bool:
    try:
        response = httpx.post(
            entry["url"],
            content=entry["body"].encode(),
            headers=entry["headers"],
            timeout=ANSWER_TIMEOUT_SECONDS,
        )
    except httpx.HTTPError as exc:
        logger.info("sim-payments: callback to %s failed: %s", entry["url"], exc)
        return False
    if response.status_code != 200:
        logger.info("sim-payments: callback to %s answered %s", entry["url"], response.status_code)
    return response.status_code == 200
