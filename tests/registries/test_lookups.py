"""Tax, social-insurance and enterprise lookups against the simulators over real HTTP."""

from __future__ import annotations

from datetime import timedelta

import pytest

from dichvucong.registries import (
    EnterpriseStatus,
    InsuredLookupResult,
    TaxpayerKind,
    TaxpayerStatus,
    get_enterprise,
    lookup_enterprise_tax,
    lookup_personal_tax_code,
    lookup_social_insurance,
    lookup_taxpayer,
    verify_citizen,
)
from simulators.registries.population_data import enterprises, people


def test_personal_tax_code_is_the_pin(registries, citizen):
    record = lookup_personal_tax_code(citizen.pin)

    assert record.tax_code == citizen.pin
    assert record.kind is TaxpayerKind.INDIVIDUAL
    assert record.status is TaxpayerStatus.ACTIVE
    assert record.source == "tax"
    assert record.checked_at.tzinfo is not None


def test_legacy_personal_tax_code_is_returned_and_found_both_ways(registries):
    legacy = next(p for p in people() if p.personal_tax_code != p.pin and not p.deceased)

    by_pin = lookup_personal_tax_code(legacy.pin)
    by_code = lookup_taxpayer(legacy.personal_tax_code)

    assert by_pin.tax_code == legacy.personal_tax_code
    assert by_code.pin == legacy.pin


def test_deceased_persons_tax_code_is_closed(registries):
    deceased = next(p for p in people() if p.deceased)

    assert lookup_personal_tax_code(deceased.pin).status is TaxpayerStatus.CLOSED


def test_unknown_pin_has_no_tax_code(registries):
    assert lookup_personal_tax_code("001099000000") is None


def test_enterprise_tax_status(registries):
    dissolved = next(e for e in enterprises() if e.status == "dissolved")

    record = lookup_enterprise_tax(dissolved.enterprise_code)

    assert record.kind is TaxpayerKind.ENTERPRISE
    assert record.name == dissolved.name
    assert record.status is TaxpayerStatus.CLOSED


def test_enterprise_tax_lookup_ignores_individuals_and_unknown_branches(registries, citizen):
    code = enterprises()[0].enterprise_code

    assert lookup_enterprise_tax(f"{code}-001") is None
    assert lookup_taxpayer(citizen.pin).kind is TaxpayerKind.INDIVIDUAL


@pytest.mark.parametrize("code", ["123", "01234567890", "0123456789-01", "０１２３４５６７８９"])
def test_malformed_tax_codes_are_refused_before_any_call(settings, code):
    settings.REGISTRIES_BASE_URL = "http://127.0.0.1:9/sim/registries/"

    with pytest.raises(ValueError, match="Tax code must be"):
        lookup_taxpayer(code)


def test_social_insurance_code_found(registries, citizen):
    lookup = lookup_social_insurance(
        pin=citizen.pin, full_name=citizen.full_name, date_of_birth=citizen.date_of_birth
    )

    assert lookup.found
    assert lookup.social_insurance_code == citizen.social_insurance_code
    assert lookup.source == "social-insurance"


def test_social_insurance_code_withheld_on_mismatch(registries, citizen):
    lookup = lookup_social_insurance(
        pin=citizen.pin,
        full_name=citizen.full_name,
        date_of_birth=citizen.date_of_birth + timedelta(days=3),
    )

    assert lookup.result is InsuredLookupResult.MISMATCH
    assert lookup.mismatched == ("date_of_birth",)
    assert lookup.social_insurance_code is None


def test_child_has_no_social_insurance_code(registries):
    child = next(p for p in people() if p.age < 10)

    lookup = lookup_social_insurance(
        pin=child.pin, full_name=child.full_name, date_of_birth=child.date_of_birth
    )

    assert lookup.result is InsuredLookupResult.NOT_FOUND


def test_enterprise_with_a_real_legal_representative(registries):
    known = enterprises()[0]

    record = get_enterprise(known.enterprise_code)

    assert record.name == known.name
    assert record.status is EnterpriseStatus(known.status)
    assert record.source == "enterprise"
    assert record.is_represented_by(known.legal_representative_pin)
    # The representative is a citizen the population registry vouches for.
    representative = next(p for p in people() if p.pin == record.legal_representative_pin)
    verification = verify_citizen(
        pin=representative.pin,
        full_name=record.legal_representative_name,
        date_of_birth=representative.date_of_birth,
    )
    assert verification.is_match
    assert representative.age >= 18


def test_unknown_enterprise_is_none(registries):
    known = {e.enterprise_code for e in enterprises()}
    code = next(f"99{n:08d}" for n in range(10**8) if f"99{n:08d}" not in known)

    assert get_enterprise(code) is None


def test_malformed_enterprise_code_is_refused_before_any_call(settings):
    settings.REGISTRIES_BASE_URL = "http://127.0.0.1:9/sim/registries/"

    with pytest.raises(ValueError, match="Enterprise code must be 10 digits"):
        get_enterprise("01234/../x")
