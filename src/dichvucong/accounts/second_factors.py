"""TOTP (django-otp) and passkeys (WebAuthn) as the user's second factors (B3)."""

from __future__ import annotations

import base64
import json
from io import BytesIO

import qrcode
import qrcode.image.svg
from django.conf import settings
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice
from webauthn import (
    generate_authentication_options,
    generate_registration_options,
    options_to_json,
    verify_authentication_response,
    verify_registration_response,
)
from webauthn.helpers import bytes_to_base64url
from webauthn.helpers.exceptions import InvalidAuthenticationResponse, InvalidRegistrationResponse
from webauthn.helpers.structs import (
    AuthenticatorSelectionCriteria,
    PublicKeyCredentialDescriptor,
    ResidentKeyRequirement,
    UserVerificationRequirement,
)

from dichvucong.accounts.codes import check_code
from dichvucong.accounts.constants import AuthMethod, CodePurpose
from dichvucong.accounts.models import Passkey, User

# --- TOTP -------------------------------------------------------------------------


def start_totp_enrolment(user: User) -> TOTPDevice:
    """An unconfirmed device; it counts only after the person types a code it produced."""
    TOTPDevice.objects.filter(user=user, confirmed=False).delete()
    return TOTPDevice.objects.create(user=user, name="Ứng dụng xác thực", confirmed=False)


def totp_qr_svg(device: TOTPDevice, user: User) -> str:
    image = qrcode.make(device.config_url, image_factory=qrcode.image.svg.SvgPathImage, box_size=8)
    buffer = BytesIO()
    image.save(buffer)
    return buffer.getvalue().decode()


def confirm_totp(device: TOTPDevice, token: str) -> bool:
    if device.verify_token((token or "").strip()):
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        TOTPDevice.objects.filter(user=device.user, confirmed=True).exclude(pk=device.pk).delete()
        return True
    return False


def verify_totp(user: User, token: str) -> bool:
    """django-otp refuses a code already used (its ``last_t``), so a seen code cannot be replayed."""
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    return bool(device and device.verify_is_allowed()[0] and device.verify_token((token or "").strip()))


def verify_second_factor(user: User, code: str) -> str | None:
    """The method a 6-digit code proves: the authenticator app's, or a code we sent (SMS or
    e-mail, by where it went); None when it proves nothing."""
    if verify_totp(user, code):
        return AuthMethod.TOTP
    sent = check_code(user, purpose=CodePurpose.SIGN_IN, code=code)
    if sent is None:
        return None
    return AuthMethod.EMAIL_OTP if sent.destination == user.email else AuthMethod.SMS_OTP


def has_totp(user: User) -> bool:
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


# --- Passkeys (WebAuthn) ----------------------------------------------------------


def relying_party(request) -> tuple[str, str]:  # noqa: ANN001
    """(RP id, expected origin) from settings or the request's own host."""
    host = request.get_host().split(":")[0]
    rp_id = settings.WEBAUTHN_RP_ID or host
    return rp_id, f"{request.scheme}://{request.get_host()}"


def registration_options(request, user: User) -> tuple[str, bytes]:  # noqa: ANN001
    rp_id, _ = relying_party(request)
    options = generate_registration_options(
        rp_id=rp_id,
        rp_name=settings.WEBAUTHN_RP_NAME,
        user_id=str(user.pk).encode(),
        user_name=user.username,
        user_display_name=user.display_name,
        exclude_credentials=[PublicKeyCredentialDescriptor(id=bytes(p.credential_id)) for p in user.passkeys.all()],
        authenticator_selection=AuthenticatorSelectionCriteria(
            resident_key=ResidentKeyRequirement.REQUIRED,
            user_verification=UserVerificationRequirement.REQUIRED,
        ),
    )
    return options_to_json(options), options.challenge


def register_passkey(request, user: User, credential: dict, challenge: bytes, name: str) -> Passkey | None:  # noqa: ANN001
    rp_id, origin = relying_party(request)
    try:
        verified = verify_registration_response(
            credential=credential, expected_challenge=challenge, expected_rp_id=rp_id,
            expected_origin=origin, require_user_verification=True,
        )
    except (InvalidRegistrationResponse, ValueError, KeyError, TypeError):
        return None
    return Passkey.objects.create(
        user=user,
        credential_id=verified.credential_id,
        credential_id_b64=bytes_to_base64url(verified.credential_id),
        public_key=verified.credential_public_key,
        sign_count=verified.sign_count,
        name=(name or "Passkey")[:100],
        transports=credential.get("response", {}).get("transports", []) if isinstance(credential, dict) else [],
    )


def authentication_options(request, user: User | None = None) -> tuple[str, bytes]:  # noqa: ANN001
    rp_id, _ = relying_party(request)
    allow = [PublicKeyCredentialDescriptor(id=bytes(p.credential_id)) for p in user.passkeys.all()] if user else []
    options = generate_authentication_options(
        rp_id=rp_id, allow_credentials=allow, user_verification=UserVerificationRequirement.REQUIRED
    )
    return options_to_json(options), options.challenge


def authenticate_passkey(request, credential: dict, challenge: bytes) -> User | None:  # noqa: ANN001
    """The account whose passkey signed this challenge, with user verification; None otherwise."""
    rp_id, origin = relying_party(request)
    try:
        passkey = Passkey.objects.select_related("user").get(credential_id_b64=credential["id"])
        verified = verify_authentication_response(
            credential=credential, expected_challenge=challenge, expected_rp_id=rp_id, expected_origin=origin,
            credential_public_key=bytes(passkey.public_key), credential_current_sign_count=passkey.sign_count,
            require_user_verification=True,
        )
    except (Passkey.DoesNotExist, InvalidAuthenticationResponse, ValueError, KeyError, TypeError):
        return None
    passkey.sign_count = verified.new_sign_count
    passkey.last_used_at = timezone.now()
    passkey.save(update_fields=["sign_count", "last_used_at"])
    return passkey.user if passkey.user.is_active else None


def encode_challenge(challenge: bytes) -> str:
    return base64.urlsafe_b64encode(challenge).decode()


def decode_challenge(value: str) -> bytes:
    return base64.urlsafe_b64decode(value.encode())


def parse_credential(body: bytes) -> dict | None:
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        return None
    return data if isinstance(data, dict) else None
