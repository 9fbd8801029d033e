"""The social-insurance registry (Cơ sở dữ liệu quốc gia về bảo hiểm): a person's social
insurance code (mã số bảo hiểm xã hội), disclosed only to someone who knows the holder's
PIN, full name and date of birth."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

from .base import (
    Registry,
    RegistryUnavailable,
    ask_about_person,
    field,
    now,
    person_result,
    validate_pin,
)


class InsuredLookupResult(StrEnum):
    FOUND = "found"
    MISMATCH = "mismatch"
    NOT_FOUND = "not_found"  # unknown PIN, or a person never insured


@dataclass(frozen=True)
class SocialInsuranceLookup:
    """The registry's answer; the code is present only when the result is FOUND."""

    result: InsuredLookupResult
    social_insurance_code: str | None
    mismatched: tuple[str, ...]
    checked_at: datetime
    reference: str
    source: str = Registry.SOCIAL_INSURANCE.value

    @property
    def found(self) -> bool:
        return self.result is InsuredLookupResult.FOUND


def lookup_social_insurance(
    *, pin: str, full_name: str, date_of_birth: date
) -> SocialInsuranceLookup:
    """The social insurance code of the person with this PIN, name and date of birth.

    Raises ``ValueError`` for malformed input (before any call), ``RegistryUnavailable``
    when the registry cannot answer, ``RegistryRejected`` when it refuses our request.
    """
    registry = Registry.SOCIAL_INSURANCE
    body = ask_about_person(registry, "social-insurance/v1/insured/lookup", pin=pin, full_name=full_name,
                            date_of_birth=date_of_birth)
    pin = validate_pin(pin)
    result, mismatched = person_result(registry, body, InsuredLookupResult, InsuredLookupResult.MISMATCH)
    code = None
    if result is InsuredLookupResult.FOUND:
        insured = field(registry, body, "insured", dict)
        code = field(registry, insured, "social_insurance_code")
        if field(registry, insured, "pin") != pin or mismatched:
            raise RegistryUnavailable(registry, "answer does not concern the requested person")
        if not (len(code) == 10 and code.isascii() and code.isdigit()):
            raise RegistryUnavailable(registry, "social insurance code is not 10 digits")
    return SocialInsuranceLookup(
        result=result,
        social_insurance_code=code,
        mismatched=mismatched,
        checked_at=now(),
        reference=str(field(registry, body, "transaction_id")),
    )
