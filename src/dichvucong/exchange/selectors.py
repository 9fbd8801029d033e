"""The state of every connected system (H3, L1): last contact, backlog, failures, delivery
time, key expiry, alerts. Read by the administrators' pages, the public page and the metrics.
Also what the administrators' pages show of one dossier's journey (its trace and each
message's signature checked again now) and of one member (H2)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Avg, Count, DurationField, ExpressionWrapper, F, Max, Min, Q
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from jwcrypto import jwk

from dichvucong.exchange import trace
from dichvucong.exchange.constants import KeyStatus, MemberStatus, MessageType, Refusal
from dichvucong.exchange.models import (
    InboxMessage,
    Member,
    MemberKey,
    MemberProcedure,
    MemberSystem,
    OutboxMessage,
    OutboxStatus,
    RefusedMessage,
    TraceEntry,
)
from dichvucong.exchange.protocol import ProtocolError, header, token_digest, verified_envelope


@dataclass(frozen=True)
class Connection:
    member: Member
    last_contact_at: datetime | None
    pending: int
    dead: int
    refused_24h: int
    delivered_24h: int
    average_delivery_seconds: float | None
    silent: bool
    backlog_alert: bool
    # The earliest expiry of the member's active keys: messages signed after it are the
    # member's problem, but the portal warns ahead so the rotation is planned (H3).
    key_expires_at: datetime | None = None
    key_expiring: bool = False
    last_heartbeat_at: datetime | None = None  # its systems say they are up, even when idle
    heartbeats_24h: int = 0
    not_applied_24h: int = 0  # accepted, then refused when applied (e.g. a result's reference conflict)
    unreachable_systems: int = 0  # receive messages but lack an endpoint or a token endpoint to call

    @property
    def available(self) -> bool:
        return self.member.status == MemberStatus.ACTIVE and not self.silent

    @property
    def alerts(self) -> list[str]:
        return [name for name, raised in (("silent", self.silent), ("backlog", self.backlog_alert),
                                          ("dead_letters", self.dead > 0),
                                          ("key_expiring", self.key_expiring),
                                          ("not_applied", self.not_applied_24h > 0),
                                          ("no_endpoint", self.unreachable_systems > 0)) if raised]


def connections(now: datetime | None = None) -> list[Connection]:
    now = now or timezone.now()
    day = now - timedelta(hours=24)
    silent_after = timedelta(minutes=settings.EXCHANGE_SILENT_MINUTES)
    took = ExpressionWrapper(F("delivered_at") - F("created_at"), output_field=DurationField())
    outbox = {
        row["system__member"]: row for row in OutboxMessage.objects.values("system__member").annotate(
            pending=Count("pk", filter=Q(status=OutboxStatus.PENDING)),
            dead=Count("pk", filter=Q(status=OutboxStatus.DEAD)),
            delivered=Count("pk", filter=Q(status=OutboxStatus.DELIVERED, delivered_at__gte=day)),
            average=Avg(took, filter=Q(status=OutboxStatus.DELIVERED, delivered_at__gte=day)),
        )
    }
    refused = dict(RefusedMessage.objects.filter(at__gte=day).values_list("claimed_sender").annotate(n=Count("pk")))
    expiries = dict(MemberKey.objects.filter(status=KeyStatus.ACTIVE, expires_at__isnull=False)
                    .values_list("system__member").annotate(first=Min("expires_at")))
    warn = timedelta(days=settings.EXCHANGE_KEY_EXPIRY_WARN_DAYS)
    heartbeats = {row["sender"]: row for row in InboxMessage.objects.filter(message_type=MessageType.HEARTBEAT)
                  .values("sender").annotate(last=Max("sent_at"), day=Count("pk", filter=Q(received_at__gte=day)))}
    not_applied = dict(InboxMessage.objects.filter(applied_ok=False, received_at__gte=day).values_list("sender")
                       .annotate(n=Count("pk")))
    unreachable = dict(MemberSystem.objects.exclude(may_receive=[]).filter(Q(endpoint="") | Q(token_endpoint=""))
                       .values_list("member").annotate(n=Count("pk")))
    result = []
    for member in Member.objects.exclude(kind="portal").order_by("kind", "code"):
        row = outbox.get(member.pk, {})
        average = row.get("average")
        expires = expiries.get(member.pk)
        result.append(Connection(
            member=member, last_contact_at=member.last_contact_at, pending=row.get("pending", 0),
            dead=row.get("dead", 0), refused_24h=refused.get(member.code, 0), delivered_24h=row.get("delivered", 0),
            average_delivery_seconds=average.total_seconds() if average is not None else None,
            silent=member.status == MemberStatus.ACTIVE and (
                member.last_contact_at is None or now - member.last_contact_at > silent_after),
            backlog_alert=row.get("pending", 0) > settings.EXCHANGE_BACKLOG_ALERT,
            key_expires_at=expires, key_expiring=expires is not None and expires - now <= warn,
            last_heartbeat_at=heartbeats.get(member.pk, {}).get("last"),
            heartbeats_24h=heartbeats.get(member.pk, {}).get("day", 0),
            not_applied_24h=not_applied.get(member.pk, 0), unreachable_systems=unreachable.get(member.pk, 0),
        ))
    return result


# --- one dossier's journey (administrators) --------------------------------------------------
EVENT_LABELS: dict[str, Promise] = {
    "created": _("Tạo thông điệp"),
    "sent": _("Gửi đi"),
    "delivered": _("Bên nhận đã nhận"),
    "failed": _("Gửi không thành công, sẽ thử lại"),
    "dead": _("Không gửi được (chờ xử lý)"),
    "replayed": _("Quản trị viên gửi lại"),
    "verified": _("Đã kiểm tra chữ ký, tiếp nhận"),
    "duplicate": _("Thông điệp trùng, đã nhận trước đó"),
    "refused": _("Từ chối"),
    "applied": _("Đã áp dụng vào hồ sơ"),
}

# Why a stored token no longer checks out: the door's refusal codes, and two of this check.
CHECK_FAILURES: dict[str, Promise] = {
    **{code: label for code, label in Refusal.choices},
    "other_message": _("Chữ ký hợp lệ nhưng của một thông điệp khác"),
    "portal_key_changed": _("Ký bằng một khóa cũ của Cổng, không còn để kiểm tra"),
}


def _label(choices: type, value: str) -> str:
    return str(choices(value).label) if value in choices.values else value


@dataclass(frozen=True)
class JourneyStep:
    entry: TraceEntry
    event_label: str
    message_type_label: str
    detail_label: str


@dataclass(frozen=True)
class SignatureCheck:
    """A message of the dossier, its stored token verified again now, as when it crossed."""

    direction: str  # "in" (a member sent it) or "out" (the portal sent it)
    message_id: str
    message_type: str
    message_type_label: str
    party: str  # the member on the other side
    at: datetime
    kid: str
    signer: str  # whose registered key the kid names ("" when none does)
    key_status: str  # that key's status now (a key revoked since does not undo a past signature)
    failure: str  # "" when the signature holds
    token_sha256: str  # of the token as stored now
    traced_sha256: str  # as the trace recorded it when the message crossed

    @property
    def valid(self) -> bool:
        return not self.failure

    @property
    def failure_label(self) -> str:
        return str(CHECK_FAILURES.get(self.failure, self.failure))

    @property
    def digest_matches(self) -> bool:
        return bool(self.traced_sha256) and self.traced_sha256 == self.token_sha256


@dataclass(frozen=True)
class Journey:
    code: str
    steps: list[JourneyStep]
    checks: list[SignatureCheck]

    @property
    def empty(self) -> bool:
        return not self.steps and not self.checks


def _check(token: str, key: jwk.JWK | None, *, signer: str, message_id: str, missing: str = "unknown_key") -> str:
    """The failure code of one stored token against the key it should be signed by, or ""."""
    if key is None:
        return missing
    try:
        envelope = verified_envelope(token, key)
    except ProtocolError as error:
        return error.code
    if envelope.get("sender") != signer:
        return "sender_mismatch"
    if str(envelope.get("message_id")) != message_id:  # a valid token of another message, swapped in
        return "other_message"
    return ""


def _kid(token: str) -> str | None:
    try:
        return str(header(token)["kid"])
    except ProtocolError:
        return None


def _inbox_check(message: InboxMessage, traced: dict[str, str]) -> SignatureCheck:
    kid = _kid(message.token)
    registered = (MemberKey.objects.select_related("system__member").filter(kid=kid).first()
                  if kid is not None else None)
    message_id = str(message.message_id)
    if kid is None:
        failure = "malformed"
    else:
        failure = _check(message.token, jwk.JWK(**registered.public_jwk) if registered else None,
                         signer=registered.system.member.code if registered else "", message_id=message_id)
    return SignatureCheck(
        direction="in", message_id=message_id, message_type=message.message_type,
        message_type_label=_label(MessageType, message.message_type), party=message.sender.code,
        at=message.received_at, kid=kid or "", signer=registered.system.member.code if registered else "",
        key_status=registered.status if registered else "", failure=failure,
        token_sha256=token_digest(message.token), traced_sha256=traced.get(message_id, ""),
    )


def _outbox_check(message: OutboxMessage, traced: dict[str, str], portal: jwk.JWK) -> SignatureCheck:
    kid = _kid(message.token)
    message_id = str(message.message_id)
    portal_code = settings.EXCHANGE_PORTAL_CODE
    if kid is None:
        failure = "malformed"
    else:
        # Only the portal's current key is at hand: a token under an earlier one cannot be checked.
        failure = _check(message.token, portal if kid == portal.get("kid") else None, signer=portal_code,
                         message_id=message_id, missing="portal_key_changed")
    return SignatureCheck(
        direction="out", message_id=message_id, message_type=message.message_type,
        message_type_label=_label(MessageType, message.message_type), party=message.system.member.code,
        at=message.created_at, kid=kid or "", signer=portal_code if kid == portal.get("kid") else "",
        key_status=KeyStatus.ACTIVE if kid == portal.get("kid") else "", failure=failure,
        token_sha256=token_digest(message.token), traced_sha256=traced.get(message_id, ""),
    )


def dossier_journey(code: str) -> Journey:
    """Every trace entry of the dossier's messages (their correlation id), and each message's
    signature checked again now: what the portal kept is what was signed and traced."""
    from dichvucong.exchange.keys import portal_public_jwk

    entries = trace.journey(code)
    steps = [JourneyStep(entry=entry, event_label=str(EVENT_LABELS.get(entry.event, entry.event)),
                         message_type_label=_label(MessageType, entry.message_type),
                         detail_label=_label(Refusal, entry.detail) if entry.event == "refused" else entry.detail)
             for entry in entries]
    # The digest of the token as it last crossed: verified in; created out, or sent again
    # when a retry after a long outage had to be signed anew.
    traced: dict[str, str] = {}
    for entry in entries:
        if entry.token_sha256 and entry.event in ("verified", "created", "sent"):
            traced[entry.message_id] = entry.token_sha256
    inbox = list(InboxMessage.objects.filter(correlation_id=code).select_related("sender").order_by("received_at"))
    sent = list(OutboxMessage.objects.filter(correlation_id=code).select_related("system__member")
                .order_by("created_at"))
    checks = [_inbox_check(message, traced) for message in inbox]
    if sent:  # the portal's key is read (or made, outside production) only when there is something to check
        portal = jwk.JWK(**portal_public_jwk())
        checks += [_outbox_check(message, traced, portal) for message in sent]
    checks.sort(key=lambda check: check.at)
    return Journey(code=code, steps=steps, checks=checks)


@dataclass(frozen=True)
class TraceVerification:
    ok: bool
    entries: int
    first_bad_seq: int | None
    last_hash: str  # the chain's last hash when intact: what an auditor writes down


def trace_verification() -> TraceVerification:
    check = trace.verify()
    last_hash = ""
    if check.ok:
        last_hash = (TraceEntry.objects.filter(seq=check.entries).values_list("hash", flat=True).first()
                     or "0" * 64)
    return TraceVerification(ok=check.ok, entries=check.entries, first_bad_seq=check.first_bad_seq,
                             last_hash=last_hash)


# --- one member (administrators) -----------------------------------------------------------
@dataclass(frozen=True)
class KeyState:
    key: MemberKey
    days_left: int | None  # whole days to its expiry, negative once past; None without one
    expiring: bool


@dataclass(frozen=True)
class SystemState:
    system: MemberSystem
    sends: list[str]  # the labels of the types it may send
    receives: list[str]


@dataclass(frozen=True)
class MemberOverview:
    member: Member
    systems: list[SystemState]
    keys: list[KeyState]
    procedures: list[MemberProcedure]
    dead_letters: list[OutboxMessage]
    warn_days: int
    not_applied: list[InboxMessage] = ()  # accepted from the member, its effect refused

    @property
    def active_keys(self) -> list[KeyState]:
        return [state for state in self.keys if state.key.status == KeyStatus.ACTIVE]


def member_overview(code: str, now: datetime | None = None) -> MemberOverview | None:
    member = Member.objects.select_related("agency").filter(code=code).first()
    if member is None:
        return None
    now = now or timezone.now()
    warn_days = settings.EXCHANGE_KEY_EXPIRY_WARN_DAYS
    keys = []
    for key in MemberKey.objects.filter(system__member=member).select_related("system").order_by("-created_at"):
        days = None
        if key.expires_at is not None:
            days = math.floor((key.expires_at - now).total_seconds() / 86400)
        keys.append(KeyState(key=key, days_left=days, expiring=key.status == KeyStatus.ACTIVE and key.expires_at
                             is not None and key.expires_at - now <= timedelta(days=warn_days)))
    return MemberOverview(
        member=member,
        systems=[SystemState(system=system, sends=_labels(system.may_send), receives=_labels(system.may_receive))
                 for system in member.systems.order_by("name")],
        keys=keys,
        procedures=list(MemberProcedure.objects.filter(member=member).select_related("procedure", "agency")
                        .order_by("procedure__code")),
        dead_letters=list(OutboxMessage.objects.filter(system__member=member, status=OutboxStatus.DEAD)
                          .select_related("system").order_by("-created_at")[:200]),
        warn_days=warn_days,
        not_applied=list(InboxMessage.objects.filter(sender=member, applied_ok=False).defer("token", "payload")
                         .order_by("-received_at")[:200]),
    )


def _labels(values: list[str] | None) -> list[str]:
    return [_label(MessageType, value) for value in values or []]
