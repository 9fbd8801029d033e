"""Formats of Vietnamese identifiers, checked at the edge before anything else sees them."""

from __future__ import annotations

import re
from datetime import date

_PIN = re.compile(r"^\d{12}$")
_MOBILE = re.compile(r"^(?:\+?84|0)([35789]\d{8})$")


def is_valid_pin(value: str, *, date_of_birth: date | None = None, sex: str | None = None) -> bool:
    """12 digits; when birth date and sex are known, the century/sex digit and year must agree.

    Digits 4-6 of the personal identification number: one digit for century and sex
    (0/1 = male/female born in the 1900s, 2/3 in the 2000s…) and the last two digits
    of the year of birth (Circular 59/2021/TT-BCA).
    """
    if not _PIN.match(value or ""):
        return False
    if date_of_birth is not None:
        century = (date_of_birth.year // 100) - 19
        if not 0 <= century <= 4 or value[4:6] != f"{date_of_birth.year % 100:02d}":
            return False
        digit = int(value[3])
        if digit // 2 != century:
            return False
        if sex in ("male", "female") and digit % 2 != (0 if sex == "male" else 1):
            return False
    return True


def normalise_phone(value: str) -> str:
    """+84xxxxxxxxx for a Vietnamese mobile number, '' for anything else."""
    match = _MOBILE.match(re.sub(r"[\s.-]", "", value or ""))
    return f"+84{match.group(1)}" if match else ""


def mask_phone(phone: str) -> str:
    return f"{phone[:3]}*****{phone[-3:]}" if len(phone) > 6 else "***"


def mask_email(email: str) -> str:
    local, _, domain = email.partition("@")
    return f"{local[:1]}***@{domain}" if domain else "***"


def lockout_key(request, credentials: dict | None = None) -> str:  # noqa: ANN001 - django-axes' signature
    """The identifier as the sign-in backend understands it: case, spaces and the phone's
    formats (0912…, +84912…, 091 2…) do not make separate lockout counters."""
    raw = ((credentials or {}).get("identifier") or request.POST.get("identifier", "") or "").strip()
    return normalise_phone(raw) or raw.lower()
