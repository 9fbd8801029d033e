"""Accounts, verified identity attributes, officials' positions, delegations, second factors.

The account's login identifier (``username``) is the personal identification number for
citizens, the e-mail address for foreigners and a chosen name for officials; see
docs/accounts.md. A business is not an account of its own: it is held by its legal
representative and others act for it through revocable, time-limited delegations (B1).
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from dichvucong.accounts.constants import (
    AccountType,
    AttributeName,
    AttributeSource,
    CodePurpose,
    DelegatedPermission,
    IdentityProofing,
    OfficialRole,
)


class User(AbstractUser):
    # The identifier other portals see (OpenID ``sub``): opaque and stable, unlike the
    # primary key, which would tell how many accounts exist and in which order.
    subject = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    account_type = models.CharField(max_length=16, choices=AccountType.choices, default=AccountType.CITIZEN)
    full_name = models.CharField(_("họ và tên"), max_length=200, blank=True)
    phone = models.CharField(_("số điện thoại"), max_length=16, blank=True)
    email_confirmed_at = models.DateTimeField(null=True, blank=True)
    phone_confirmed_at = models.DateTimeField(null=True, blank=True)
    identity_proofing = models.PositiveSmallIntegerField(
        choices=IdentityProofing.choices, default=IdentityProofing.SELF_ASSERTED
    )
    pin = models.CharField(_("số định danh cá nhân"), max_length=12, null=True, blank=True, unique=True)
    passport_number = models.CharField(_("số hộ chiếu"), max_length=20, blank=True)
    nationality = models.CharField(_("quốc tịch"), max_length=2, blank=True)
    preferred_language = models.CharField(max_length=5, default="vi")
    deactivated_at = models.DateTimeField(null=True, blank=True)
    deletion_requested_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("tài khoản")
        verbose_name_plural = _("tài khoản")

    def __str__(self) -> str:
        return self.full_name or self.username

    @property
    def display_name(self) -> str:
        return self.full_name or self.username

    @property
    def is_official(self) -> bool:
        return self.account_type == AccountType.OFFICIAL


class IdentityAttribute(models.Model):
    """One attribute of a person and who vouches for it.

    ``verified_at`` is set only when an authoritative source (a registry, the eID
    provider, a certificate, a confirmation code) confirmed the value; self-declared
    values keep it empty and are never shown as verified (B2).
    """

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="attributes")
    name = models.CharField(max_length=32, choices=AttributeName.choices)
    value = models.CharField(max_length=300)
    source = models.CharField(max_length=24, choices=AttributeSource.choices, default=AttributeSource.SELF)
    verified_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "name"], name="one_attribute_per_name")]

    def __str__(self) -> str:
        return f"{self.name} ({self.source})"

    @property
    def is_verified(self) -> bool:
        return self.verified_at is not None and self.source != AttributeSource.SELF

    @property
    def display_value(self) -> str:
        if self.name == AttributeName.SEX:
            return str({"male": _("Nam"), "female": _("Nữ")}.get(self.value, self.value))
        if self.name == AttributeName.DATE_OF_BIRTH and len(self.value) == 10:
            year, month, day = self.value.split("-")
            return f"{day}/{month}/{year}"
        return self.value


class OrganisationalUnit(models.Model):
    """A unit (phòng, bộ phận một cửa…) inside an agency of the catalog."""

    agency = models.ForeignKey("catalog.Agency", on_delete=models.CASCADE, related_name="units")
    name = models.CharField(max_length=200)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["agency", "name"], name="unit_name_per_agency")]

    def __str__(self) -> str:
        return f"{self.name} — {self.agency.name}"


class OfficialPosition(models.Model):
    """An official's role in an agency (and unit); every permission check is scoped by it."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="positions")
    agency = models.ForeignKey("catalog.Agency", on_delete=models.PROTECT, related_name="officials")
    unit = models.ForeignKey(OrganisationalUnit, on_delete=models.PROTECT, null=True, blank=True)
    role = models.CharField(max_length=16, choices=OfficialRole.choices)
    active = models.BooleanField(default=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "agency", "unit", "role"], name="one_position_per_role")
        ]

    def __str__(self) -> str:
        return f"{self.user} — {self.get_role_display()} @ {self.agency.code}"


class Business(models.Model):
    """An enterprise or household business, held by its legal representative's account."""

    enterprise_code = models.CharField(_("mã số doanh nghiệp"), max_length=14, unique=True)
    name = models.CharField(max_length=300)
    address = models.CharField(max_length=300, blank=True)
    representative = models.ForeignKey(User, on_delete=models.PROTECT, related_name="businesses")
    verified_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.name} ({self.enterprise_code})"


class DelegationQuerySet(models.QuerySet):
    def in_force(self, at=None):
        at = at or timezone.now()
        return self.filter(revoked_at__isnull=True, valid_from__lte=at).filter(
            Q(valid_until__isnull=True) | Q(valid_until__gt=at)
        )


class Delegation(models.Model):
    """Permission for a person to act for a business: explicit, time-limited, revocable."""

    business = models.ForeignKey(Business, on_delete=models.CASCADE, related_name="delegations")
    delegate = models.ForeignKey(User, on_delete=models.CASCADE, related_name="delegations")
    permissions = models.JSONField(default=list)
    valid_from = models.DateTimeField(default=timezone.now)
    valid_until = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)
    granted_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = DelegationQuerySet.as_manager()

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(valid_until__gt=models.F("valid_from")), name="delegation_ends_after_start")
        ]

    def __str__(self) -> str:
        return f"{self.delegate} → {self.business}"

    def permission_labels(self) -> list[str]:
        labels = dict(DelegatedPermission.choices)
        return [str(labels.get(p, p)) for p in self.permissions]


class OneTimeCode(models.Model):
    """A short code sent to an e-mail or phone; only its hash is kept, it is single-use and short-lived."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="one_time_codes")
    purpose = models.CharField(max_length=16, choices=CodePurpose.choices)
    destination = models.CharField(max_length=254)
    code_hash = models.CharField(max_length=128)
    expires_at = models.DateTimeField()
    attempts = models.PositiveSmallIntegerField(default=0)
    used_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["user", "purpose", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.purpose} #{self.pk}"


class Passkey(models.Model):
    """A WebAuthn credential (the biometric method, B3)."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="passkeys")
    credential_id = models.BinaryField(unique=True)
    credential_id_b64 = models.CharField(max_length=400, unique=True)
    public_key = models.BinaryField()
    sign_count = models.PositiveBigIntegerField(default=0)
    name = models.CharField(max_length=100, default="Passkey")
    transports = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return self.name


class UserSession(models.Model):
    """A signed-in browser session, listed to its owner ("sign out everywhere", M2).

    ``sid`` is the OpenID Connect session id given to relying parties, so that ending
    this session can be told to every portal that signed in through it (B5).
    """

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="sessions")
    session_key = models.CharField(max_length=64, unique=True)
    sid = models.CharField(max_length=64, unique=True)
    level = models.PositiveSmallIntegerField(default=1)
    methods = models.JSONField(default=list)
    user_agent = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_seen_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-last_seen_at"]

    def __str__(self) -> str:
        return f"{self.user} ({self.created_at:%Y-%m-%d %H:%M})"


class AuditEvent(models.Model):
    """Append-only record of a security-relevant event; never a secret or a full identifier."""

    at = models.DateTimeField(default=timezone.now, db_index=True)
    action = models.CharField(max_length=48, db_index=True)
    outcome = models.CharField(max_length=16, default="success")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    method = models.CharField(max_length=16, blank=True)
    ip_hash = models.CharField(max_length=16, blank=True)
    details = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-at"]
        indexes = [models.Index(fields=["action", "-at"])]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.action} {self.outcome}"
