"""One-time codes sent by e-mail or SMS: confirmation, recovery and the SMS second factor.

Six digits, ten minutes, five attempts, single use; only a keyed hash is stored so a
database dump gives no usable code. A new code for the same purpose voids the old ones.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from dichvucong.accounts.constants import CodePurpose
from dichvucong.accounts.models import OneTimeCode, User


def _hash(code: str) -> str:
    return hmac.new(settings.SECRET_KEY.encode(), code.encode(), hashlib.sha256).hexdigest()


def issue_code(user: User, *, purpose: CodePurpose, destination: str) -> str:
    code = f"{secrets.randbelow(1_000_000):06d}"
    now = timezone.now()
    with transaction.atomic():
        OneTimeCode.objects.filter(user=user, purpose=purpose, used_at__isnull=True).update(used_at=now)
        OneTimeCode.objects.create(
            user=user,
            purpose=purpose,
            destination=destination,
            code_hash=_hash(code),
            expires_at=now + timedelta(seconds=settings.ONE_TIME_CODE_TTL_SECONDS),
        )
    return code


def check_code(user: User, *, purpose: CodePurpose, code: str) -> OneTimeCode | None:
    """The matching live code, consumed; None when wrong, expired, used or out of attempts."""
    code = (code or "").strip()
    with transaction.atomic():
        candidate = (
            OneTimeCode.objects.select_for_update()
            .filter(user=user, purpose=purpose, used_at__isnull=True, expires_at__gt=timezone.now())
            .order_by("-created_at")
            .first()
        )
        if candidate is None or candidate.attempts >= settings.ONE_TIME_CODE_MAX_ATTEMPTS:
            return None
        if not hmac.compare_digest(candidate.code_hash, _hash(code)):
            candidate.attempts += 1
            candidate.save(update_fields=["attempts"])
            return None
        candidate.used_at = timezone.now()
        candidate.save(update_fields=["used_at"])
        return candidate
