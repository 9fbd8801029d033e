"""Sending members messages reliably (H2): outbox, delivery, retries, dead letters.

``send`` seals the message and writes it into the outbox in the caller's transaction; it is
posted after that commits (and by the beat job ``exchange.deliver_pending`` if the process
died first): a message is never lost, nor sent for work that rolled back. The receiver
acknowledges with 202; a retried message is acknowledged as a duplicate and applied once.
A refusal the sender cannot cure by waiting (4xx other than 408, 409, 425, 429) sets the
message aside as dead; anything else is tried again with exponential backoff until
``MAX_ATTEMPTS``. An administrator replays dead letters (``replay``).
"""

from __future__ import annotations

import logging
import uuid
from datetime import timedelta

import httpx
from django.conf import settings
from django.db import transaction
from django.utils import timezone
from jwcrypto import jwk

from dichvucong.exchange import auth, trace
from dichvucong.exchange.constants import PERSONAL_DATA_TYPES, KeyStatus
from dichvucong.exchange.envelope import seal, token_digest
from dichvucong.exchange.keys import portal_key
from dichvucong.exchange.models import MemberSystem, OutboxMessage, OutboxStatus
from dichvucong.exchange.protocol import ProtocolError, resealed

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 12
RETRYABLE_CLIENT_ERRORS = frozenset({408, 409, 425, 429})


class CannotSend(Exception):
    """The member may not receive this, or has no key to encrypt for."""


def backoff(attempts: int) -> timedelta:
    return timedelta(seconds=min(30 * 2 ** max(attempts - 1, 0), 3600))


def send(system: MemberSystem, message_type: str, payload: dict, *, correlation_id: str = "") -> OutboxMessage:
    if not system.may("receive", message_type):
        raise CannotSend(f"{system} does not receive {message_type}")
    encrypt_for = None
    if message_type in PERSONAL_DATA_TYPES:
        key = system.keys.filter(status=KeyStatus.ACTIVE).order_by("-created_at").first()
        if key is None:
            raise CannotSend(f"{system} has no key to encrypt for")
        encrypt_for = jwk.JWK(**key.public_jwk)
    message_id = uuid.uuid4()
    token = seal(sender=settings.EXCHANGE_PORTAL_CODE, receiver=system.member.code, message_type=message_type,
                 payload=payload, signing_key=portal_key(), encrypt_for=encrypt_for, correlation_id=correlation_id,
                 message_id=message_id)
    message = OutboxMessage.objects.create(
        message_id=message_id, system=system, message_type=message_type, correlation_id=correlation_id[:100],
        token=token, next_attempt_at=timezone.now(),
    )
    trace.append("created", message_id=str(message_id), correlation_id=correlation_id, party=system.member.code,
                 message_type=message_type, token_sha256=token_digest(token))
    transaction.on_commit(lambda: _queue(message.pk), robust=True)
    return message


def _queue(outbox_id: int) -> None:
    from dichvucong.exchange.tasks import deliver

    deliver.delay(outbox_id)


def deliver(outbox_id: int) -> str:
    """Post one message if it is due; its new status.

    The message is claimed first (its next attempt moved past the call's timeout, in a short
    transaction), then posted with no lock held, then the outcome is written: two workers
    never post it at once, and a worker that dies mid-call leaves it to be tried again.
    """
    lease = timedelta(seconds=float(getattr(settings, "EXCHANGE_TIMEOUT_SECONDS", 10)) + 30)
    with transaction.atomic():
        message = (OutboxMessage.objects.select_for_update(skip_locked=True, of=("self",)).select_related("system__member")
                   .filter(pk=outbox_id, status=OutboxStatus.PENDING, next_attempt_at__lte=timezone.now()).first())
        if message is None:
            return "not_due"
        message.attempts += 1
        message.next_attempt_at = timezone.now() + lease
        message.save(update_fields=["attempts", "next_attempt_at"])
    party = message.system.member.code
    try:
        fresh = resealed(message.token, signing_key=portal_key())
    except ProtocolError:  # signed by an earlier portal key: the member checks it against the key it holds
        fresh = message.token
    detail = f"attempt {message.attempts}"
    if fresh != message.token:  # a retry after a long outage: signed again, or the member would find it stale
        OutboxMessage.objects.filter(pk=message.pk).update(token=fresh)
        message.token, detail = fresh, f"{detail}, signed again"
    trace.append("sent", message_id=str(message.message_id), correlation_id=message.correlation_id, party=party,
                 message_type=message.message_type, detail=detail, token_sha256=token_digest(message.token))
    outcome, detail = _post(message)
    now = timezone.now()
    if outcome == "delivered":
        changes = {"status": OutboxStatus.DELIVERED, "delivered_at": now, "last_error": ""}
    elif outcome == "dead" or message.attempts >= MAX_ATTEMPTS:
        changes = {"status": OutboxStatus.DEAD, "last_error": detail}
    else:
        changes = {"next_attempt_at": now + backoff(message.attempts), "last_error": detail}
    with transaction.atomic():
        OutboxMessage.objects.filter(pk=message.pk).update(**changes)
        status = changes.get("status", OutboxStatus.PENDING)
        event = {OutboxStatus.DELIVERED: "delivered", OutboxStatus.DEAD: "dead"}.get(status, "failed")
        trace.append(event, message_id=str(message.message_id), correlation_id=message.correlation_id, party=party,
                     message_type=message.message_type, detail=detail)
    return status


def _post(message: OutboxMessage) -> tuple[str, str]:
    endpoint = message.system.endpoint
    if not endpoint:
        return "retry", "no endpoint registered"
    timeout = float(getattr(settings, "EXCHANGE_TIMEOUT_SECONDS", 10))
    try:
        bearer = auth.bearer_for(message.system, timeout=timeout)
        answer = httpx.post(endpoint, content=message.token, timeout=timeout, headers={
            "Content-Type": "application/jose", "Authorization": f"Bearer {bearer}"})
    except auth.TokenRefused as refused:  # the member's side to mend, or ours to register: try again later
        return "retry", f"token {refused.status} {refused.error}"
    except (httpx.HTTPError, httpx.InvalidURL) as error:
        return "retry", type(error).__name__
    if answer.status_code in (200, 201, 202):
        return "delivered", ""
    code = _error_code(answer)
    if answer.status_code == 409 and code == "replayed":  # it holds this message id from us: an earlier signing
        return "delivered", "409 replayed"
    if answer.status_code == 401:  # whatever the member says, the token we hold is not good there now
        auth.forget_bearer(message.system)
        if code in ("invalid_token", ""):
            return "retry", f"{answer.status_code} {code or 'unauthorised'}"
    if 400 <= answer.status_code < 500 and answer.status_code not in RETRYABLE_CLIENT_ERRORS:
        return "dead", f"{answer.status_code} {code}"
    return "retry", f"{answer.status_code} {code}"


def _error_code(answer: httpx.Response) -> str:
    """The member's error code: ``{"error": {"code": …}}`` as this API answers, or an OAuth
    style ``{"error": "…"}`` / ``WWW-Authenticate: Bearer error="…"``."""
    try:
        error = answer.json().get("error")
    except (ValueError, AttributeError):
        error = None
    if isinstance(error, dict):
        error = error.get("code")
    if isinstance(error, str):
        return error[:60]
    challenge = answer.headers.get("WWW-Authenticate", "")
    if 'error="' in challenge:
        return challenge.split('error="', 1)[1].split('"', 1)[0][:60]
    return ""


def deliver_pending(limit: int = 200) -> int:
    """Beat job: every message due (never queued, or waiting for its next attempt)."""
    due = (OutboxMessage.objects.filter(status=OutboxStatus.PENDING, next_attempt_at__lte=timezone.now())
           .order_by("next_attempt_at").values_list("pk", flat=True)[:limit])
    return sum(deliver(pk) == OutboxStatus.DELIVERED for pk in list(due))


@transaction.atomic
def replay(message: OutboxMessage, *, admin) -> OutboxMessage:  # noqa: ANN001 - accounts.User
    """A dead letter sent again, as it was (same id and signature: the receiver applies it once)."""
    from dichvucong.accounts import audit

    locked = OutboxMessage.objects.select_for_update().get(pk=message.pk)
    if locked.status != OutboxStatus.DEAD:
        return locked
    locked.status, locked.attempts, locked.next_attempt_at = OutboxStatus.PENDING, 0, timezone.now()
    locked.save(update_fields=["status", "attempts", "next_attempt_at"])
    trace.append("replayed", message_id=str(locked.message_id), correlation_id=locked.correlation_id,
                 party=locked.system.member.code, message_type=locked.message_type, detail=f"by {admin.pk}")
    audit.record("exchange.replayed", user=admin, message=str(locked.message_id))
    transaction.on_commit(lambda: _queue(locked.pk), robust=True)
    return locked


