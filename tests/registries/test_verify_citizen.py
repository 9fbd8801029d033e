"""Population registry: verify_citizen against the simulator over real HTTP."""

from __future__ import annotations

import unicodedata
from datetime import timedelta

import pytest

from dichvucong.registries import CitizenVerification, VerificationResult, verify_citizen


def test_match_returns_the_registry_record(registries, citizen):
    verification = verify_citizen(
        pin=citizen.pin, full_name=citizen.full_name, date_of_birth=citizen.date_of_birth
    )

    assert isinstance(verification, CitizenVerification)
    assert verification.result is VerificationResult.MATCH
    assert verification.is_match
    assert verification.mismatched == ()
    assert verification.citizen.pin == citizen.pin
    assert verification.citizen.full_name == citizen.full_name
    assert verification.citizen.permanent_address == citizen.permanent_address
    assert verification.citizen.deceased is False
    assert verification.source == "population"
    assert verification.checked_at.tzinfo is not None
    assert verification.reference


def test_wrong_date_of_birth_is_a_mismatch_naming_the_field(registries, citizen):
    verification = verify_citizen(
        pin=citizen.pin,
        full_name=citizen.full_name,
        date_of_birth=citizen.date_of_birth - timedelta(days=1),
    )

    assert verification.result is VerificationResult.MISMATCH
    assert verification.mismatched == ("date_of_birth",)
    assert verification.citizen is None


def test_unknown_pin_is_not_found(registries, citizen):
    unknown = "001099000000"
    verification = verify_citizen(
        pin=unknown, full_name=citizen.full_name, date_of_birth=citizen.date_of_birth
    )

    assert verification.result is VerificationResult.NOT_FOUND
    assert verification.citizen is None


def test_case_and_unicode_form_do_not_matter(registries, citizen):
    claimed = unicodedata.normalize("NFD", citizen.full_name.upper())
    assert claimed != citizen.full_name

    verification = verify_citizen(
        pin=citizen.pin, full_name=f"  {claimed} ", date_of_birth=citizen.date_of_birth
    )

    assert verification.result is VerificationResult.MATCH


def test_name_without_diacritics_is_not_a_match(registries, citizen):
    from simulators.registries.population_data import ascii_fold

    stripped = ascii_fold(citizen.full_name)
    assert stripped != citizen.full_name

    verification = verify_citizen(
        pin=citizen.pin, full_name=stripped, date_of_birth=citizen.date_of_birth
    )

    assert verification.result is VerificationResult.MISMATCH
    assert verification.mismatched == ("full_name",)


def test_mismatch_fault_turns_a_correct_record_into_a_mismatch(registries, citizen):
    registries("population", "mismatch")

    verification = verify_citizen(
        pin=citizen.pin, full_name=citizen.full_name, date_of_birth=citizen.date_of_birth
    )

    assert verification.result is VerificationResult.MISMATCH
    assert not verification.is_match


@pytest.mark.parametrize(
    ("pin", "full_name", "date_of_birth", "message"),
    [
        ("12345678901", "Nguyễn Văn An", "date", "PIN must be 12 digits"),
        ("12345678901a", "Nguyễn Văn An", "date", "PIN must be 12 digits"),
        (123456789012, "Nguyễn Văn An", "date", "PIN must be a string"),
        ("001090000001", "   ", "date", "Full name"),
        ("001090000001", "Nguyễn Văn An", "1990-01-01", "Date of birth must be a date"),
        ("001090000001", "Nguyễn Văn An", "datetime", "Date of birth must be a date"),
        ("001090000001", "Nguyễn Văn An", "future", "must not be in the future"),
    ],
)
def test_bad_input_is_refused_before_any_call(settings, pin, full_name, date_of_birth, message):
    from datetime import date, datetime

    # Nothing listens on the discard port: a call would raise RegistryUnavailable instead.
    settings.REGISTRIES_BASE_URL = "http://127.0.0.1:9/sim/registries/"
    value = {
        "date": date(1990, 1, 1),
        "datetime": datetime(1990, 1, 1, 12, 0),
        "future": date.today() + timedelta(days=1),
    }.get(date_of_birth, date_of_birth)

    with pytest.raises(ValueError, match=message):
        verify_citizen(pin=pin, full_name=full_name, date_of_birth=value)
