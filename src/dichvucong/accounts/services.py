"""Account commands (B1, B2, B6): one function per thing a person or an administrator does."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time

from django.contrib.auth.password_validation import validate_password
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from dichvucong.accounts import audit
from dichvucong.accounts.codes import check_code, issue_code
from dichvucong.accounts.constants import (
    AccountType,
    AttributeName,
    AttributeSource,
    CodePurpose,
    DelegatedPermission,
    IdentityProofing,
)
from dichvucong.accounts.models import Business, Delegation, IdentityAttribute, User
from dichvucong.accounts.sessions import end_all_sessions
from dichvucong.accounts.tasks import send_code_by_email, send_code_by_sms, send_security_notice


class AccountError(Exception):
    """A request the rules refuse; ``code`` is stable, the message is for the person."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


def set_attribute(
    user: User, name: str, value: str, *, source: str, verified_at: datetime | None = None
) -> IdentityAttribute:
    attribute, _ = IdentityAttribute.objects.update_or_create(
        user=user, name=name, defaults={"value": value, "source": source, "verified_at": verified_at}
    )
    return attribute


def _create_account(user: User, password: str) -> User:
    """Save a new account; a taken identifier is an ``AccountError`` that says nothing more.

    An e-mail address already confirmed by another account is taken too: it is a sign-in
    identifier, and two accounts answering to it would lock its owner out.
    """
    if user.email and User.objects.filter(email__iexact=user.email, email_confirmed_at__isnull=False).exists():
        raise AccountError("exists", "account exists")
    validate_password(password, user)
    user.set_password(password)
    try:
        with transaction.atomic():
            user.save()
    except IntegrityError as exc:
        raise AccountError("exists", "account exists") from exc
    return user


@transaction.atomic
def register_citizen(
    *, pin: str, full_name: str, date_of_birth: date, email: str, phone: str, password: str, language: str = "vi"
) -> User:
    """A citizen's account at level 1: everything self-declared until a registry confirms it."""
    user = _create_account(
        User(username=pin, pin=pin, full_name=full_name, email=email, phone=phone,
             account_type=AccountType.CITIZEN, preferred_language=language),
        password,
    )
    for name, value in (
        (AttributeName.PIN, pin),
        (AttributeName.FULL_NAME, full_name),
        (AttributeName.DATE_OF_BIRTH, date_of_birth.isoformat()),
    ):
        set_attribute(user, name, value, source=AttributeSource.SELF)
    audit.record("register", user=user, account_type=user.account_type)
    send_email_confirmation(user)
    return user


@transaction.atomic
def register_foreigner(
    *, passport_number: str, nationality: str, full_name: str, date_of_birth: date, email: str, password: str,
    language: str = "en",
) -> User:
    user = _create_account(
        User(username=email.lower(), email=email.lower(), full_name=full_name,
             passport_number=passport_number.upper(), nationality=nationality.upper(),
             account_type=AccountType.FOREIGNER, preferred_language=language),
        password,
    )
    set_attribute(user, AttributeName.PASSPORT_NUMBER, user.passport_number, source=AttributeSource.SELF)
    set_attribute(user, AttributeName.FULL_NAME, full_name, source=AttributeSource.SELF)
    set_attribute(user, AttributeName.DATE_OF_BIRTH, date_of_birth.isoformat(), source=AttributeSource.SELF)
    audit.record("register", user=user, account_type=user.account_type)
    send_email_confirmation(user)
    return user


def send_email_confirmation(user: User) -> None:
    if not user.email:
        return
    code = issue_code(user, purpose=CodePurpose.CONFIRM_EMAIL, destination=user.email)
    transaction.on_commit(
        lambda: send_code_by_email.delay(user.email, code, CodePurpose.CONFIRM_EMAIL, user.preferred_language)
    )


def _confirm_contact(user: User, code: str, *, contact: str) -> bool:
    """``contact`` is "email" or "phone": the code sent there proves the person holds it."""
    purpose = CodePurpose.CONFIRM_EMAIL if contact == "email" else CodePurpose.CONFIRM_PHONE
    if check_code(user, purpose=purpose, code=code) is None:
        audit.record(f"confirm_{contact}", user=user, outcome="failure")
        return False
    confirmed_at = timezone.now()
    setattr(user, f"{contact}_confirmed_at", confirmed_at)
    user.save(update_fields=[f"{contact}_confirmed_at"])
    set_attribute(user, AttributeName(contact), getattr(user, contact), source=AttributeSource.CONFIRMATION,
                  verified_at=confirmed_at)
    audit.record(f"confirm_{contact}", user=user)
    return True


def confirm_email(user: User, code: str) -> bool:
    return _confirm_contact(user, code, contact="email")


@transaction.atomic
def change_contact(user: User, *, email: str, phone: str) -> list[str]:
    """New contact details start unconfirmed; the old confirmed address hears of the change."""
    changed = []
    if email.lower() != (user.email or "").lower():
        if User.objects.filter(email__iexact=email, email_confirmed_at__isnull=False).exclude(pk=user.pk).exists():
            raise AccountError("email_taken", "e-mail confirmed by another account")
        old = user.email if user.email_confirmed_at else ""
        user.email, user.email_confirmed_at = email, None
        IdentityAttribute.objects.filter(user=user, name=AttributeName.EMAIL).delete()
        changed.append("email")
        if old:
            transaction.on_commit(lambda: send_security_notice.delay(old, "email_changed", user.preferred_language))
    if phone != user.phone:
        user.phone, user.phone_confirmed_at = phone, None
        IdentityAttribute.objects.filter(user=user, name=AttributeName.PHONE).delete()
        changed.append("phone")
    if changed:
        user.save(update_fields=["email", "email_confirmed_at", "phone", "phone_confirmed_at"])
        audit.record("contact_changed", user=user, fields=changed)
        if "email" in changed:
            send_email_confirmation(user)
    return changed


def send_phone_confirmation(user: User) -> None:
    """Sends synchronously: the person is waiting for the code and must hear if the gateway fails."""
    code = issue_code(user, purpose=CodePurpose.CONFIRM_PHONE, destination=user.phone)
    send_code_by_sms.apply(args=(user.phone, code, CodePurpose.CONFIRM_PHONE), throw=True)


def confirm_phone(user: User, code: str) -> bool:
    return _confirm_contact(user, code, contact="phone")


@dataclass(frozen=True)
class VerificationOutcome:
    verified: bool
    mismatched: tuple[str, ...] = ()
    not_found: bool = False


def verify_with_population_registry(user: User, *, with_secondary_codes: bool = True) -> VerificationOutcome:
    """Ask the population database to confirm the declared PIN, name and birth date (B2).

    A match marks those attributes (and sex, permanent address) verified with source and
    time, and lifts the account's identity evidence to "registry verified". A fault of
    the registry raises ``RegistryUnavailable``: nothing is marked verified.
    """
    from dichvucong.registries import population
    from dichvucong.registries.population import VerificationResult

    declared = {a.name: a.value for a in user.attributes.all()}
    result = population.verify_citizen(
        pin=user.pin or "",
        full_name=declared.get(AttributeName.FULL_NAME, user.full_name),
        date_of_birth=date.fromisoformat(declared[AttributeName.DATE_OF_BIRTH]),
    )
    if result.result != VerificationResult.MATCH or result.citizen is None:
        audit.record("verify_identity", user=user, outcome="failure", registry="population",
                     result=str(result.result), mismatched=list(result.mismatched))
        return VerificationOutcome(
            verified=False, mismatched=tuple(result.mismatched),
            not_found=result.result == VerificationResult.NOT_FOUND,
        )
    citizen, at = result.citizen, result.checked_at
    with transaction.atomic():
        for name, value in (
            (AttributeName.PIN, citizen.pin),
            (AttributeName.FULL_NAME, citizen.full_name),
            (AttributeName.DATE_OF_BIRTH, citizen.date_of_birth.isoformat()),
            (AttributeName.SEX, citizen.sex),
            (AttributeName.PERMANENT_ADDRESS, citizen.permanent_address),
        ):
            set_attribute(user, name, value, source=AttributeSource.POPULATION, verified_at=at)
        user.full_name = citizen.full_name
        user.identity_proofing = max(user.identity_proofing, IdentityProofing.REGISTRY_VERIFIED)
        user.save(update_fields=["full_name", "identity_proofing"])
        audit.record("verify_identity", user=user, registry="population")
    if with_secondary_codes:
        _fetch_secondary_codes(user)
    return VerificationOutcome(verified=True)


def _fetch_secondary_codes(user: User) -> None:
    """Tax and social-insurance codes are a convenience: a fault there leaves them unverified."""
    from dichvucong.registries import social_insurance, tax
    from dichvucong.registries.base import RegistryError

    declared = {a.name: a.value for a in user.attributes.all()}
    try:
        taxpayer = tax.lookup_personal_tax_code(user.pin)
        if taxpayer is not None:
            set_attribute(user, AttributeName.PERSONAL_TAX_CODE, taxpayer.tax_code,
                          source=AttributeSource.TAX, verified_at=taxpayer.checked_at)
    except RegistryError:
        pass
    try:
        insured = social_insurance.lookup_social_insurance(
            pin=user.pin, full_name=user.full_name,
            date_of_birth=date.fromisoformat(declared[AttributeName.DATE_OF_BIRTH]),
        )
        if insured.result == social_insurance.InsuredLookupResult.FOUND and insured.social_insurance_code:
            set_attribute(user, AttributeName.SOCIAL_INSURANCE_CODE, insured.social_insurance_code,
                          source=AttributeSource.SOCIAL_INSURANCE, verified_at=insured.checked_at)
    except RegistryError:
        pass


def find_account_for_recovery(identifier: str) -> User | None:
    identifier = identifier.strip()
    if not identifier:
        return None
    return (
        User.objects.filter(username__iexact=identifier, is_active=True).first()
        or User.objects.filter(email__iexact=identifier, email_confirmed_at__isnull=False, is_active=True).first()
    )


def start_recovery(identifier: str) -> None:
    """Sends a code to the confirmed e-mail (else phone); says nothing of whether the account exists."""
    user = find_account_for_recovery(identifier)
    if user is None:
        audit.record("recovery_requested", outcome="unknown")
        return
    if user.email_confirmed_at:
        code = issue_code(user, purpose=CodePurpose.RECOVERY, destination=user.email)
        send_code_by_email.delay(user.email, code, CodePurpose.RECOVERY, user.preferred_language)
    elif user.phone_confirmed_at:
        code = issue_code(user, purpose=CodePurpose.RECOVERY, destination=user.phone)
        send_code_by_sms.delay(user.phone, code, CodePurpose.RECOVERY)
    audit.record("recovery_requested", user=user)


def complete_recovery(identifier: str, code: str, new_password: str) -> bool:
    user = find_account_for_recovery(identifier)
    if user is None or check_code(user, purpose=CodePurpose.RECOVERY, code=code) is None:
        audit.record("recovery_completed", user=user, outcome="failure")
        return False
    validate_password(new_password, user)
    user.set_password(new_password)
    user.save(update_fields=["password"])
    end_all_sessions(user, reason="password_reset")
    audit.record("recovery_completed", user=user)
    if user.email_confirmed_at:
        send_security_notice.delay(user.email, "password_reset", user.preferred_language)
    return True


def deactivate_account(user: User) -> None:
    user.is_active = False
    user.deactivated_at = timezone.now()
    user.save(update_fields=["is_active", "deactivated_at"])
    end_all_sessions(user, reason="deactivated")
    audit.record("deactivate", user=user)


def request_deletion(user: User) -> None:
    """Recorded for an administrator: records the law requires to keep (dossiers) are kept."""
    user.deletion_requested_at = timezone.now()
    user.save(update_fields=["deletion_requested_at"])
    audit.record("deletion_requested", user=user)


# --- Businesses and delegations ------------------------------------------------------


def register_business(user: User, enterprise_code: str) -> Business:
    """Link an enterprise to its legal representative, as the enterprise registry states it."""
    from dichvucong.registries import enterprise

    if user.identity_proofing < IdentityProofing.REGISTRY_VERIFIED or not user.pin:
        raise AccountError("identity_unverified", "verify identity first")
    record = enterprise.get_enterprise(enterprise_code)
    if record is None:
        raise AccountError("not_found", "enterprise not found")
    if record.status != enterprise.EnterpriseStatus.ACTIVE:
        raise AccountError("not_active", "enterprise not active")
    if not record.is_represented_by(user.pin):
        audit.record("business_registered", user=user, outcome="failure", reason="not_representative")
        raise AccountError("not_representative", "not the legal representative")
    business, _ = Business.objects.update_or_create(
        enterprise_code=record.enterprise_code,
        defaults={"name": record.name, "address": record.address, "representative": user,
                  "verified_at": record.checked_at},
    )
    audit.record("business_registered", user=user, enterprise=record.enterprise_code)
    return business


def end_of_day(day: date) -> datetime:
    """A delegation "until 31/12" lasts to the end of that day, in Vietnam's time."""
    return timezone.make_aware(datetime.combine(day, time.max))


def grant_delegation(
    *, business: Business, granted_by: User, delegate: User, permissions: list[str], valid_until: datetime
) -> Delegation:
    if business.representative_id != granted_by.pk:
        raise AccountError("forbidden", "only the legal representative delegates")
    unknown = set(permissions) - set(DelegatedPermission.values)
    if unknown or not permissions:
        raise AccountError("bad_permissions", "unknown permissions")
    if valid_until <= timezone.now():
        raise AccountError("bad_period", "end must be in the future")
    delegation = Delegation.objects.create(
        business=business, delegate=delegate, permissions=sorted(set(permissions)),
        valid_until=valid_until, granted_by=granted_by,
    )
    audit.record("delegation_granted", user=granted_by, delegation=delegation.pk)
    return delegation


def revoke_delegation(delegation: Delegation, *, by: User) -> None:
    if delegation.business.representative_id != by.pk:
        raise AccountError("forbidden", "only the legal representative revokes")
    delegation.revoked_at = timezone.now()
    delegation.save(update_fields=["revoked_at"])
    audit.record("delegation_revoked", user=by, delegation=delegation.pk)


def can_act_for(user: User, business: Business, permission: str) -> bool:
    if business.representative_id == user.pk:
        return True
    return any(
        permission in d.permissions for d in Delegation.objects.in_force().filter(business=business, delegate=user)
    )


def businesses_acting_for(user: User, permission: str) -> list[Business]:
    """The businesses ``user`` may act for with ``permission`` now, by name: those they
    represent and those with a delegation in force. ``can_act_for`` decides each one, so
    there is still a single rule."""
    if not user.is_authenticated:
        return []
    in_force = Delegation.objects.in_force().filter(delegate=user)
    candidates = Business.objects.filter(
        Q(representative=user) | Q(delegations__in=in_force)
    ).distinct().order_by("name", "pk")
    return [business for business in candidates if can_act_for(user, business, permission)]
