"""Receiving messages from members (H1, H2): verified before anything else, kept once,
refusals logged with their code. Members are registered, suspended and given keys here,
every change audited."""

from __future__ import annotations

import logging
import re
from datetime import datetime

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from jwcrypto import jwk
from jwcrypto.common import JWException

from dichvucong.accounts import audit
from dichvucong.exchange import auth, trace
from dichvucong.exchange.constants import MAX_MESSAGE_BYTES, KeyStatus, MemberStatus, Refusal
from dichvucong.exchange.envelope import MessageRefused, open_message, token_digest
from dichvucong.exchange.keys import portal_key
from dichvucong.exchange.models import InboxMessage, Member, MemberKey, MemberSystem, RefusedMessage
from dichvucong.exchange.selectors import TraceVerification, trace_verification

logger = logging.getLogger(__name__)
MEMBER_CODE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,31}")


def receive(token: str, *, authorization: str | None) -> tuple[InboxMessage, bool]:
    """A member's message, verified and kept: (the inbox row, whether it is new). The very
    same message again is acknowledged as a duplicate (``False``), never applied twice.
    :class:`MessageRefused` otherwise, after the refusal is logged.

    The call is authenticated first (``authorization``, the bearer token); the message must
    then be signed by the same member and be of a type the token allows."""
    try:
        caller = auth.authenticate(authorization)
        if len(token) > MAX_MESSAGE_BYTES:
            raise MessageRefused(Refusal.MALFORMED, "too large")
        opened = open_message(token.strip(), receiver=settings.EXCHANGE_PORTAL_CODE, decryption_key=portal_key())
        seen = {"kid": opened.key.kid, "sender": opened.sender, "message_id": str(opened.message_id),
                "type": opened.message_type}
        if opened.key.system.member_id != caller.member.pk:
            raise MessageRefused(Refusal.SENDER_MISMATCH, "the caller is another member", **seen)
        if opened.message_type not in caller.scope:
            raise MessageRefused(Refusal.NOT_ALLOWED, "not in the token's scope", **seen)
    except MessageRefused as refused:
        RefusedMessage.objects.create(
            code=refused.code, kid=refused.seen.get("kid", "")[:100], claimed_sender=refused.seen.get("sender", ""),
            message_id=refused.seen.get("message_id", ""), message_type=refused.seen.get("type", ""),
            token_sha256=token_digest(token),
        )
        logger.warning("exchange message refused: %s", refused.code, extra={"kid": refused.seen.get("kid", "")[:100]})
        trace.append("refused", message_id=refused.seen.get("message_id", ""), party=refused.seen.get("sender", ""),
                     message_type=refused.seen.get("type", ""), detail=refused.code,
                     token_sha256=token_digest(token))
        raise
    seen = {"message_id": str(opened.message_id), "correlation_id": opened.correlation_id, "party": opened.sender,
            "message_type": opened.message_type, "token_sha256": opened.token_sha256}
    existing = InboxMessage.objects.filter(message_id=opened.message_id).first()
    if existing is not None:
        trace.append("duplicate", **seen)
        return existing, False
    try:
        with transaction.atomic():
            message = InboxMessage.objects.create(
                message_id=opened.message_id, sender=opened.key.system.member, system=opened.key.system,
                message_type=opened.message_type, correlation_id=opened.correlation_id[:100], sent_at=opened.sent_at,
                token_sha256=opened.token_sha256, token=token.strip(), payload=opened.payload,
            )
            trace.append("verified", **seen)
            Member.objects.filter(pk=opened.key.system.member_id).update(last_contact_at=timezone.now())
            transaction.on_commit(lambda: _queue_apply(str(opened.message_id)), robust=True)
    except IntegrityError:  # the same message, received concurrently: the other request kept it
        return InboxMessage.objects.get(message_id=opened.message_id), False
    return message, True


def _queue_apply(message_id: str) -> None:
    from dichvucong.exchange.tasks import apply

    apply.delay(message_id)


# --- the registry of members (administrators) ----------------------------------------------
@transaction.atomic
def register_member(*, code: str, name: str, kind: str, admin, agency=None) -> Member:  # noqa: ANN001
    """A new member; its code goes into addresses and the trace, so it is a plain identifier."""
    if not MEMBER_CODE.fullmatch(code.strip()):
        raise ValueError("a member code is letters, digits, '.', '-' or '_' (at most 32)")
    member = Member.objects.create(code=code.strip(), name=name.strip(), kind=kind, agency=agency)
    audit.record("exchange.member_registered", user=admin, member=member.code)
    return member


@transaction.atomic
def set_member_status(member: Member, status: str, *, admin, reason: str) -> Member:  # noqa: ANN001
    """Suspend (or reinstate) a member: its messages are refused at once."""
    if status not in MemberStatus.values:
        raise ValueError("status")
    Member.objects.filter(pk=member.pk).update(status=status, updated_at=timezone.now())
    member.status = status
    audit.record("exchange.member_status", user=admin, member=member.code, status=status, reason=reason[:200])
    return member


class KeyRefused(ValueError):
    """Why a key is not registered, as a code the administrators' page explains."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


@transaction.atomic
def add_key(system: MemberSystem, public_jwk: dict, *, admin, expires_at: datetime | None = None) -> MemberKey:  # noqa: ANN001
    """Register a system's public key (EC P-256) and when it must be replaced by.

    :class:`KeyRefused` (a ``ValueError``): ``not_a_jwk``, ``private_key`` (a private key
    pasted by mistake is never kept), ``not_p256``, ``bad_kid``, ``duplicate_kid`` (a kid
    names one key: messages find their key by it), ``expired``."""
    if not isinstance(public_jwk, dict):
        raise KeyRefused("not_a_jwk")
    try:
        key = jwk.JWK(**public_jwk)
    except (JWException, ValueError, TypeError) as error:
        raise KeyRefused("not_a_jwk") from error
    if key.has_private:
        raise KeyRefused("private_key")
    if key.get("kty") != "EC" or key.get("crv") != "P-256":
        raise KeyRefused("not_p256")
    try:  # jwcrypto accepts any coordinates until the key is used: a point off the curve is junk
        key.get_op_key("verify")
    except (JWException, ValueError, TypeError) as error:
        raise KeyRefused("not_a_jwk") from error
    kid = public_jwk.get("kid") or key.thumbprint()
    if not isinstance(kid, str) or not kid.strip() or len(kid) > 100:
        raise KeyRefused("bad_kid")
    if expires_at is not None and expires_at <= timezone.now():
        raise KeyRefused("expired")
    if MemberKey.objects.filter(kid=kid).exists():
        raise KeyRefused("duplicate_kid")
    public = {**key.export_public(as_dict=True), "kid": kid}
    try:
        with transaction.atomic():  # a savepoint: the same kid registered concurrently
            created = MemberKey.objects.create(system=system, kid=kid, public_jwk=public, expires_at=expires_at)
    except IntegrityError as error:
        raise KeyRefused("duplicate_kid") from error
    audit.record("exchange.key_added", user=admin, member=system.member.code, kid=created.kid,
                 expires_at=expires_at.isoformat() if expires_at else "")
    return created


@transaction.atomic
def revoke_key(key: MemberKey, *, admin, reason: str) -> MemberKey:  # noqa: ANN001
    # Only an active key: revoking again must not move the date its messages stopped being believed.
    MemberKey.objects.filter(pk=key.pk, status=KeyStatus.ACTIVE).update(status=KeyStatus.REVOKED,
                                                                          revoked_at=timezone.now())
    key.refresh_from_db()
    audit.record("exchange.key_revoked", user=admin, kid=key.kid, reason=reason[:200])
    return key


def verify_trace(*, admin) -> TraceVerification:  # noqa: ANN001
    """The whole trace recomputed on an administrator's request; who asked, and what it
    found, is audited (the check itself is evidence)."""
    result = trace_verification()
    audit.record("exchange.trace_verified", user=admin, outcome="success" if result.ok else "failure",
                 ok=result.ok, entries=result.entries, first_bad_seq=result.first_bad_seq)
    return result
