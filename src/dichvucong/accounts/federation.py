"""Accounts reached through outside identity sources: the national eID and certificates (B3).

Identities are linked by the personal identification number, and only to an account
whose number is itself confirmed (by the population registry or by the eID), so that
nobody can claim somebody else's account by declaring their number.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from dichvucong.accounts import audit
from dichvucong.accounts.constants import (
    AccountType,
    AttributeName,
    AttributeSource,
    IdentityProofing,
)
from dichvucong.accounts.models import User
from dichvucong.accounts.services import set_attribute


@transaction.atomic
def link_eid_identity(identity, *, current: User | None = None) -> User | None:  # noqa: ANN001 - EidIdentity
    """The account of the person the eID vouches for, created at first visit; None on a conflict."""
    if current is not None and current.pin != identity.pin:
        # A signed-in account is only ever linked to the eID of its own (declared) number;
        # an account without one (a foreigner's) is never given a citizen's identity.
        audit.record("eid_link", user=current, outcome="failure", reason="pin_conflict")
        return None
    user = current or User.objects.select_for_update().filter(pin=identity.pin).first()
    if user is not None and not user.is_active:
        audit.record("eid_link", user=user, outcome="failure", reason="inactive")
        return None
    if current is None and user is not None and user.identity_proofing < IdentityProofing.REGISTRY_VERIFIED:
        # Someone declared this number but nobody proved it: whoever did may not be this
        # person. The eID is the proof, so the ways in that the declarer set up are removed.
        _reclaim(user)
    created = user is None
    if created:
        user = User.objects.create(
            username=identity.pin, pin=identity.pin, full_name=identity.full_name,
            account_type=AccountType.CITIZEN,
        )
        user.set_unusable_password()
    proofing = IdentityProofing.EID_LEVEL_2 if identity.eid_level >= 2 else IdentityProofing.REGISTRY_VERIFIED
    user.pin = identity.pin
    user.full_name = identity.full_name
    user.identity_proofing = max(user.identity_proofing, proofing)
    user.save()
    now = timezone.now()
    for name, value in (
        (AttributeName.PIN, identity.pin),
        (AttributeName.FULL_NAME, identity.full_name),
        (AttributeName.DATE_OF_BIRTH, identity.date_of_birth.isoformat() if identity.date_of_birth else ""),
        (AttributeName.SEX, identity.sex or ""),
        (AttributeName.PERMANENT_ADDRESS, identity.address or ""),
    ):
        if value:
            set_attribute(user, name, value, source=AttributeSource.EID, verified_at=now)
    audit.record("eid_link", user=user, created=created, eid_level=identity.eid_level)
    return user


def _reclaim(user: User) -> None:
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from dichvucong.accounts.sessions import end_all_sessions

    user.set_unusable_password()
    if not user.email_confirmed_at:
        user.email = ""
    if not user.phone_confirmed_at:
        user.phone = ""
    user.save(update_fields=["password", "email", "phone"])
    TOTPDevice.objects.filter(user=user).delete()
    user.passkeys.all().delete()
    end_all_sessions(user, reason="reclaimed_by_eid")
    audit.record("account_reclaimed", user=user, method="eid")


def account_for_certificate(identity, *, current: User | None = None) -> User | None:  # noqa: ANN001
    """The verified account whose number the certificate carries (CCCD in its subject UID)."""
    if identity.identifier_type != "CCCD":
        return None
    query = User.objects.filter(
        pin=identity.identifier, is_active=True, identity_proofing__gte=IdentityProofing.REGISTRY_VERIFIED
    )
    user = query.first()
    if user is None or (current is not None and current.pk != user.pk):
        return None
    return user
