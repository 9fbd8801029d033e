"""The national population database (Cơ sở dữ liệu quốc gia về dân cư): is this person who
they claim to be?"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

from .base import (
    Registry,
    RegistryUnavailable,
    ask_about_person,
    choice_field,
    date_field,
    field,
    now,
    person_result,
    validate_pin,
)


class VerificationResult(StrEnum):
    MATCH = "match"
    MISMATCH = "mismatch"
    NOT_FOUND = "not_found"


class Sex(StrEnum):
    MALE = "male"
    FEMALE = "female"


@dataclass(frozen=True)
class CitizenRecord:
    """What the population registry holds about a citizen, as returned on a match."""

    pin: str
    full_name: str
    date_of_birth: date
    sex: Sex
    permanent_address: str
    deceased: bool


@dataclass(frozen=True)
class CitizenVerification:
    """The registry's verdict on a claimed identity, with where and when it was given.

    ``mismatched`` names the claimed fields that differ (never the registry's values), so
    the citizen can be told which one to correct without the registry leaking data.
    """

    result: VerificationResult
    mismatched: tuple[str, ...]
    citizen: CitizenRecord | None
    checked_at: datetime
    reference: str  # the registry's transaction id, kept for the audit trail
    source: str = Registry.POPULATION.value

    @property
    def is_match(self) -> bool:
        return self.result is VerificationResult.MATCH


def verify_citizen(*, pin: str, full_name: str, date_of_birth: date) -> CitizenVerification:
    """Ask the population registry whether PIN, full name and date of birth belong together.

    Raises ``ValueError`` for malformed input (before any call), ``RegistryUnavailable``
    when the registry cannot answer and ``RegistryRejected`` when it refuses our request.
    A match is returned only when the registry says so and returns the same PIN.
    """
    registry = Registry.POPULATION
    body = ask_about_person(registry, "population/v1/citizens/verify", pin=pin, full_name=full_name,
                            date_of_birth=date_of_birth)
    pin = validate_pin(pin)
    result, mismatched = person_result(registry, body, VerificationResult, VerificationResult.MISMATCH)
    citizen = None
    if result is VerificationResult.MATCH:
        data = field(registry, body, "citizen", dict)
        citizen = CitizenRecord(
            pin=field(registry, data, "pin"),
            full_name=field(registry, data, "full_name"),
            date_of_birth=date_field(registry, data, "date_of_birth"),
            sex=choice_field(registry, data, "sex", Sex),
            permanent_address=field(registry, data, "permanent_address"),
            deceased=field(registry, data, "deceased", bool),
        )
        # A match for someone else (a registry or proxy bug) must never pass as ours.
        if citizen.pin != pin or citizen.date_of_birth != date_of_birth or mismatched:
            raise RegistryUnavailable(registry, "match does not concern the requested citizen")
    return CitizenVerification(
        result=result,
        mismatched=mismatched,
        citizen=citizen,
        checked_at=now(),
        reference=str(field(registry, body, "transaction_id")),
    )
