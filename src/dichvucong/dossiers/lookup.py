"""Public lookup of a dossier's status (F3): its code plus a second factor.

The second factor is either the lookup secret printed on the receipt (``Mã tra cứu``) or
the filer's phone number. The secret is not stored: it is an HMAC of the dossier code under
a key derived from ``SECRET_KEY``, so the receipt can always show it again and a copy of
the database alone gives none of them. Consequence: rotating ``SECRET_KEY`` changes every
secret (receipts already printed then need the phone instead); ``DOSSIER_LOOKUP_KEY``, when
set, keeps them apart from that rotation.

Every failure (unknown code, draft, wrong secret, wrong phone) looks the same, and the same
work is done whatever the cause, so that codes cannot be enumerated.
"""

from __future__ import annotations

import hmac
import re
from dataclasses import dataclass
from datetime import date, datetime

from django.conf import settings
from django.utils.crypto import salted_hmac

from dichvucong.accounts.identifiers import normalise_phone
from dichvucong.dossiers.constants import ActivityKind, DossierStatus
from dichvucong.dossiers.models import Dossier

# No 0/O, 1/I/L: a secret read off paper and typed on a phone is typed right.
LOOKUP_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
SECRET_LENGTH = 8
_SALT = "dichvucong.dossiers.lookup_secret"
_NOT_SECRET_CHARACTERS = re.compile(r"[\s\-.]")
# Tries per client address, and failed tries per dossier code ("count/seconds").
LOOKUP_TRIES_PER_ADDRESS = "10/600"
LOOKUP_FAILURES_PER_CODE = "5/3600"
_UNKNOWN_CODE = "\x00no-such-dossier"  # HMAC'd in place of a code that does not exist


def lookup_secret(code: str) -> str:
    """The receipt's lookup secret of dossier ``code``, e.g. ``K7QM-3XTP``: stable, and
    different for every code."""
    key = getattr(settings, "DOSSIER_LOOKUP_KEY", "") or settings.SECRET_KEY
    number = int.from_bytes(salted_hmac(_SALT, code, secret=key, algorithm="sha256").digest(), "big")
    characters = []
    for _ in range(SECRET_LENGTH):
        number, index = divmod(number, len(LOOKUP_ALPHABET))
        characters.append(LOOKUP_ALPHABET[index])
    half = SECRET_LENGTH // 2
    return "".join(characters[:half]) + "-" + "".join(characters[half:])


def _compact_secret(value: str) -> str:
    return _NOT_SECRET_CHARACTERS.sub("", value or "").upper()


def normalise_code(value: str) -> str:
    """One spelling per code, for counting failed tries on it (``LOOKUP_FAILURES_PER_CODE``)."""
    return (value or "").strip().upper()[:48]


def _code_spellings(value: str) -> set[str]:
    """The code as typed (without surrounding spaces) and in capitals, as codes are printed."""
    typed = (value or "").strip()[:48]
    return {typed, typed.upper()} - {""}


def find_for_lookup(*, code: str, factor: str) -> Dossier | None:
    """The dossier whose code is ``code`` when ``factor`` is its receipt's lookup secret or
    its filer's phone number (any usual Vietnamese spelling); None otherwise, whatever the
    reason. Drafts and dossiers awaiting payment have no code and are never found."""
    spellings = _code_spellings(code)
    dossier = (
        Dossier.objects.select_related("applicant", "procedure", "procedure_version", "agency")
        .filter(code__in=spellings).exclude(status=DossierStatus.DRAFT).first()
        if spellings else None
    )
    # The same comparisons whether the dossier exists or not (constant time, no shortcut).
    expected_secret = _compact_secret(lookup_secret(dossier.code if dossier else _UNKNOWN_CODE))
    expected_phone = normalise_phone(dossier.applicant.phone) if dossier else ""
    given_phone = normalise_phone(factor)
    secret_matches = hmac.compare_digest(_compact_secret(factor).encode(), expected_secret.encode())
    phone_matches = hmac.compare_digest(given_phone.encode(), (expected_phone or "\x00").encode())
    if dossier is None or not (secret_matches or (given_phone and phone_matches)):
        return None
    return dossier


@dataclass(frozen=True)
class PublicStep:
    at: datetime
    status: str


@dataclass(frozen=True)
class PublicStatus:
    """What anyone holding the code and the second factor may see: nothing about the
    person, no reasons (which may name them), no documents."""

    code: str
    procedure: str
    agency: str
    status: str
    submitted_at: datetime | None
    received_on: date | None
    due_at: datetime | None
    history: list[PublicStep]


def public_status(dossier: Dossier) -> PublicStatus:
    steps = dossier.events.filter(kind=ActivityKind.STATUS).exclude(to_status=DossierStatus.DRAFT).only("at", "to_status")
    return PublicStatus(
        code=dossier.code or "",
        procedure=dossier.procedure_version.display_name or dossier.procedure.display_name,
        agency=dossier.agency.display_name,
        status=dossier.get_status_display(),
        submitted_at=dossier.submitted_at,
        received_on=dossier.received_on,
        due_at=dossier.due_at,
        history=[PublicStep(at=step.at, status=step.get_to_status_display()) for step in steps],
    )
