"""Text messages (SMS) through the brand-name SMS gateway (F1, B3 one-time codes).

One function, ``send_sms``, is the whole contract the rest of the portal sees. The gateway
speaks JSON over HTTPS with a bearer token (contract in docs/federation-and-sms.md); the
simulator at /sim/sms/ speaks the same, so a deployment switches to the operator's gateway
with ``SMS_GATEWAY_BASE_URL`` and ``SMS_API_TOKEN`` alone.

Failures are split by what the caller should do next:

* ``SmsUnavailable``: timeout, connection failure, 5xx, 429 or an unreadable answer. The
  message may be retried later (the Celery task does, with back-off).
* ``SmsRejected``: the gateway refused this request (4xx): wrong token, unknown sender
  name, a number it will not serve. Retrying will not help; operators must look.
* ``InvalidPhoneNumber``: the number is not a Vietnamese mobile number; nothing was sent.

Messages carry one-time codes and the numbers are personal data, so neither the number nor
the text is ever logged; logs and the ``dvc_sms_sent_total`` counter carry outcomes only.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass

import httpx
from django.conf import settings
from prometheus_client import Counter

logger = logging.getLogger(__name__)

DEFAULT_BASE_URL = "http://127.0.0.1:8000/sim/sms/"
DEFAULT_API_TOKEN = "sim-sms-token"  # noqa: S105 - the simulator's token, refused in production by settings
DEFAULT_SENDER_ID = "DICHVUCONG"
DEFAULT_TIMEOUT_SECONDS = 5.0

SMS_SENT = Counter(
    "dvc_sms_sent_total",
    "Text messages handed to the SMS gateway, by outcome (accepted, rejected, unavailable).",
    ["outcome"],
)


class SmsError(Exception):
    """The message was not accepted by the gateway. Subclasses say whether to retry."""


class SmsUnavailable(SmsError):
    """The gateway did not answer usefully (timeout, connection, 5xx, 429): try again later."""


class SmsRejected(SmsError):
    """The gateway refused the request (4xx); retrying the same request will not help."""

    def __init__(self, message: str, *, status_code: int, error_code: str) -> None:
        super().__init__(message)
        self.status_code = status_code
        self.error_code = error_code


class InvalidPhoneNumber(SmsError, ValueError):
    """Not a Vietnamese mobile number. A ``ValueError`` (bad input) and an ``SmsError``
    (nothing was sent), so views that catch either show the person a sensible message."""


@dataclass(frozen=True, slots=True)
class SmsReceipt:
    """The gateway's acknowledgement: its id for the message and the status it reported."""

    message_id: str
    status: str


# Mobile numbers since the 2018 renumbering: 0 + a network code starting with 3, 5, 7, 8 or 9,
# then 8 digits (10 digits in all). Fixed lines start 02x and cannot receive text messages.
_NATIONAL_MOBILE = re.compile(r"0([35789][0-9]{8})")
_SEPARATORS = re.compile(r"[\s.\-()]")


def normalise_phone_number(number: str) -> str:
    """The number in international form, ``+84`` and 9 digits; ``InvalidPhoneNumber`` otherwise.

    Accepts what people type: ``0912 345 678``, ``0912.345.678``, ``+84 912 345 678``,
    ``84912345678``. The message of the error never repeats the number (it is personal data).
    """
    if not isinstance(number, str):
        raise InvalidPhoneNumber("phone number must be a string")
    compact = _SEPARATORS.sub("", number)
    if compact.startswith("+84"):
        compact = "0" + compact[3:]
    elif compact.startswith("84") and len(compact) == 11:
        compact = "0" + compact[2:]
    match = _NATIONAL_MOBILE.fullmatch(compact)
    if match is None:
        raise InvalidPhoneNumber("not a Vietnamese mobile number")
    return "+84" + match.group(1)


def send_sms(*, to: str, text: str, idempotency_key: str | None = None) -> SmsReceipt:
    """Hand one text message to the gateway and return its receipt.

    ``to`` is normalised first (``InvalidPhoneNumber`` before any call). The sender is the
    brand name ``SMS_SENDER_ID``. Give ``idempotency_key`` when the same message may be sent
    again after an ambiguous failure (a timeout after the gateway took it): the gateway then
    delivers it once. Raises ``SmsUnavailable`` or ``SmsRejected``.
    """
    recipient = normalise_phone_number(to)
    if not isinstance(text, str) or not text.strip():
        raise ValueError("text must not be empty")

    base_url = str(getattr(settings, "SMS_GATEWAY_BASE_URL", DEFAULT_BASE_URL))
    url = base_url.rstrip("/") + "/v1/messages"
    token = str(getattr(settings, "SMS_API_TOKEN", DEFAULT_API_TOKEN))
    timeout = float(getattr(settings, "SMS_TIMEOUT_SECONDS", DEFAULT_TIMEOUT_SECONDS))
    headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
    if idempotency_key:
        headers["Idempotency-Key"] = idempotency_key
    payload = {
        "to": recipient,
        "text": text,
        "sender_id": str(getattr(settings, "SMS_SENDER_ID", DEFAULT_SENDER_ID)),
    }

    try:
        try:
            response = httpx.post(
                url, json=payload, headers=headers, timeout=timeout, follow_redirects=False
            )
        except httpx.TimeoutException as exc:
            raise SmsUnavailable(f"no answer within {timeout:g} s") from exc
        except httpx.HTTPError as exc:
            raise SmsUnavailable(f"connection failed ({type(exc).__name__})") from exc
        receipt = _read_answer(response)
    except SmsRejected as exc:
        SMS_SENT.labels(outcome="rejected").inc()
        logger.error(
            "SMS rejected by the gateway",
            extra={"status": exc.status_code, "error_code": exc.error_code},
        )
        raise
    except SmsUnavailable as exc:
        SMS_SENT.labels(outcome="unavailable").inc()
        logger.warning("SMS gateway unavailable", extra={"reason": str(exc)})
        raise
    SMS_SENT.labels(outcome="accepted").inc()
    logger.info("SMS accepted by the gateway", extra={"message_id": receipt.message_id})
    return receipt


def _read_answer(response: httpx.Response) -> SmsReceipt:
    status = response.status_code
    # 429 is the gateway asking us to slow down: worth retrying later, unlike other 4xx.
    if status >= 500 or status == 429:
        raise SmsUnavailable(f"gateway answered {status}")
    if 400 <= status < 500:
        error_code = _error_code(response)
        raise SmsRejected(
            f"gateway refused the message with {status} ({error_code})",
            status_code=status,
            error_code=error_code,
        )
    if status not in (200, 201, 202):
        raise SmsUnavailable(f"unexpected status {status}")
    try:
        body = response.json()
    except ValueError as exc:
        raise SmsUnavailable("answer is not JSON") from exc
    message_id = body.get("message_id") if isinstance(body, dict) else None
    state = body.get("status") if isinstance(body, dict) else None
    if not isinstance(message_id, str) or not message_id or not isinstance(state, str):
        raise SmsUnavailable("answer lacks message_id or status")
    return SmsReceipt(message_id=message_id, status=state)


def _error_code(response: httpx.Response) -> str:
    try:
        error = response.json().get("error", {})
        return str(error.get("code", "unknown")) if isinstance(error, dict) else str(error)
    except (ValueError, AttributeError):
        return "unknown"
