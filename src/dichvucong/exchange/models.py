"""Members of the exchange, their systems and keys; messages received and refused (H1, H2)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from dichvucong.exchange.constants import KeyStatus, MemberKind, MemberStatus, MessageType, Refusal


class Member(models.Model):
    """A ministry, province or public-service provider connected to the portal, known by its
    official agency code."""

    code = models.CharField(_("mã định danh"), max_length=32, unique=True)
    name = models.CharField(max_length=300)
    kind = models.CharField(max_length=16, choices=MemberKind.choices)
    agency = models.ForeignKey("catalog.Agency", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    status = models.CharField(max_length=16, choices=MemberStatus.choices, default=MemberStatus.ACTIVE)
    last_contact_at = models.DateTimeField(null=True, blank=True)  # its last verified message (H3)
    # When the catalog last applied was published: an older one arriving later changes nothing,
    # even when the newer one listed nothing.
    catalog_published_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("thành viên kết nối")
        verbose_name_plural = _("thành viên kết nối")

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class MemberSystem(models.Model):
    """One system of a member (its one-stop system, its catalog service…): where messages for
    it go, and which message types it may send and receive."""

    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="systems")
    name = models.CharField(max_length=200)
    endpoint = models.URLField(blank=True)
    # Where the portal gets a bearer token for calling ``endpoint`` (OAuth 2.0 client
    # credentials, private_key_jwt signed by the portal's key).
    token_endpoint = models.URLField(blank=True)
    may_send = models.JSONField(default=list, blank=True)
    may_receive = models.JSONField(default=list, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["member", "name"], name="system_name_per_member")]

    def __str__(self) -> str:
        return f"{self.member.code}/{self.name}"

    def may(self, direction: str, message_type: str) -> bool:
        allowed = self.may_send if direction == "send" else self.may_receive
        return message_type in MessageType.values and message_type in (allowed or [])


class MemberKey(models.Model):
    """A public key a system signs with (and receives encrypted payloads for), as a JWK."""

    system = models.ForeignKey(MemberSystem, on_delete=models.CASCADE, related_name="keys")
    kid = models.CharField(max_length=100, unique=True)
    public_jwk = models.JSONField()
    status = models.CharField(max_length=16, choices=KeyStatus.choices, default=KeyStatus.ACTIVE)
    created_at = models.DateTimeField(auto_now_add=True)
    # When the key must be replaced by (its certificate's notAfter, or the agreed rotation
    # date); the monitor warns ahead of it (H3).
    expires_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return self.kid


class InboxMessage(models.Model):
    """A verified message, kept once per message id (duplicates are acknowledged, not applied)."""

    message_id = models.UUIDField(unique=True)
    sender = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="+")
    system = models.ForeignKey(MemberSystem, on_delete=models.PROTECT, related_name="+")
    message_type = models.CharField(max_length=32, choices=MessageType.choices)
    correlation_id = models.CharField(max_length=100, blank=True)
    sent_at = models.DateTimeField()
    received_at = models.DateTimeField(auto_now_add=True)
    token_sha256 = models.CharField(max_length=64)  # the exact signed token, for non-repudiation and duplicates
    token = models.TextField()
    payload = models.JSONField()
    applied_at = models.DateTimeField(null=True, blank=True)
    # What applying it did (also in the trace). A message accepted at the door whose effect
    # the portal then refused (``applied_ok`` false) is shown to administrators and alerted
    # on (H3): the member believes it delivered.
    outcome = models.CharField(max_length=200, blank=True)
    applied_ok = models.BooleanField(null=True)

    class Meta:
        indexes = [models.Index(fields=["correlation_id", "sent_at"]),
                   models.Index(fields=["sender", "applied_ok", "received_at"])]

    def __str__(self) -> str:
        return f"{self.message_type} {self.message_id}"


class RefusedMessage(models.Model):
    """A message refused at the door, with its code: what the claimed sender sent is logged,
    never its payload (which may hold personal data)."""

    at = models.DateTimeField(auto_now_add=True)
    code = models.CharField(max_length=24, choices=Refusal.choices)
    kid = models.CharField(max_length=100, blank=True)
    claimed_sender = models.CharField(max_length=32, blank=True)
    message_id = models.CharField(max_length=64, blank=True)
    message_type = models.CharField(max_length=32, blank=True)
    token_sha256 = models.CharField(max_length=64)

    class Meta:
        ordering = ["-at"]
        indexes = [models.Index(fields=["code", "-at"])]

    def __str__(self) -> str:
        return f"{self.code} {self.at:%Y-%m-%d %H:%M}"


class OutboxStatus(models.TextChoices):
    PENDING = "pending", _("Chờ gửi")
    DELIVERED = "delivered", _("Đã gửi đến")
    DEAD = "dead", _("Không gửi được (chờ xử lý)")


class OutboxMessage(models.Model):
    """A message to a member, sealed and written in the sender's transaction: it leaves only
    once that commits, and is tried again until delivered (or set aside as dead)."""

    message_id = models.UUIDField(unique=True)
    system = models.ForeignKey(MemberSystem, on_delete=models.PROTECT, related_name="+")
    message_type = models.CharField(max_length=32, choices=MessageType.choices)
    correlation_id = models.CharField(max_length=100, blank=True)
    token = models.TextField()
    status = models.CharField(max_length=16, choices=OutboxStatus.choices, default=OutboxStatus.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField()
    last_error = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["status", "next_attempt_at"]), models.Index(fields=["correlation_id"])]

    def __str__(self) -> str:
        return f"{self.message_type} {self.message_id} ({self.status})"


class TraceHead(models.Model):
    """The one row that serialises appends to the trace (locked while one is written)."""

    last_hash = models.CharField(max_length=64, default="0" * 64)
    last_seq = models.PositiveBigIntegerField(default=0)

    def __str__(self) -> str:
        return f"#{self.last_seq}"


class TraceEntry(models.Model):
    """One step of one message's journey, chained to the previous entry by its hash: any
    change to a past entry breaks every hash after it (``trace.verify``)."""

    seq = models.PositiveBigIntegerField(unique=True)
    at = models.DateTimeField()
    message_id = models.CharField(max_length=64)
    correlation_id = models.CharField(max_length=100, blank=True)
    event = models.CharField(max_length=16)
    party = models.CharField(max_length=32, blank=True)  # the other member
    message_type = models.CharField(max_length=32, blank=True)
    detail = models.CharField(max_length=200, blank=True)
    token_sha256 = models.CharField(max_length=64, blank=True)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64)

    class Meta:
        ordering = ["seq"]
        indexes = [models.Index(fields=["correlation_id", "seq"]), models.Index(fields=["message_id"])]

    def __str__(self) -> str:
        return f"#{self.seq} {self.event} {self.message_id}"


class RemoteState(models.Model):
    """A dossier a member's system handles: which member, and the last status update applied
    (the member's sequence keeps its updates in order)."""

    dossier = models.OneToOneField("dossiers.Dossier", on_delete=models.CASCADE, related_name="+")
    member = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="+")
    last_sequence = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.dossier_id}: {self.last_sequence}"


class MemberStatistics(models.Model):
    """What a member reported for a period (``statistics_report``); a later report for the
    same period replaces the earlier one."""

    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="statistics")
    period_from = models.DateField()
    period_to = models.DateField()
    received = models.PositiveIntegerField()
    resolved = models.PositiveIntegerField()
    on_time = models.PositiveIntegerField(null=True, blank=True)
    late = models.PositiveIntegerField(null=True, blank=True)
    online = models.PositiveIntegerField(null=True, blank=True)
    message_id = models.UUIDField()  # the report it came from (the trace has its journey)
    reported_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["member", "period_from", "period_to"],
                                               name="one_report_per_member_period")]

    def __str__(self) -> str:
        return f"{self.member_id} {self.period_from}–{self.period_to}"


class MemberProcedure(models.Model):
    """A procedure a member published (``catalog_sync``): it is in the national catalog, and
    dossiers of it at the member's agencies go to the member's one-stop system (A3, H1)."""

    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="procedures")
    procedure = models.ForeignKey("catalog.Procedure", on_delete=models.CASCADE, related_name="+")
    agency = models.ForeignKey("catalog.Agency", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    online = models.BooleanField(default=True)
    url = models.URLField(max_length=500, blank=True)
    published_at = models.DateTimeField()  # the catalog message's timestamp
    message_id = models.UUIDField()
    # The member brought the procedure into the national catalog (a province's own): withdrawn
    # from its catalog, it is abolished there too, so nobody files for it any more.
    added_to_catalog = models.BooleanField(default=False)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["member", "procedure"], name="one_listing_per_member_procedure")]

    def __str__(self) -> str:
        return f"{self.member_id} {self.procedure_id}"
