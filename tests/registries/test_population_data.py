"""The synthetic population: deterministic, large enough, and internally consistent."""

from __future__ import annotations

import unicodedata
from collections import defaultdict

from simulators.registries import population_data
from simulators.registries.population_data import (
    BIRTH_PROVINCE_CODES,
    demo_people,
    enterprises,
    find_enterprise,
    find_person,
    people,
)


def test_same_data_on_every_run():
    fresh = population_data._Generator().build()  # a second, independent generation

    assert fresh.people == people()
    assert fresh.enterprises == enterprises()


def test_at_least_5000_people_with_unique_valid_pins():
    everyone = people()
    pins = [p.pin for p in everyone]

    assert len(everyone) >= 5_000
    assert len(set(pins)) == len(pins)
    for person in everyone:
        assert len(person.pin) == 12 and person.pin.isdigit()
        assert person.pin[:3] in BIRTH_PROVINCE_CODES
        century = 0 if person.date_of_birth.year < 2000 else 2
        assert int(person.pin[3]) == century + (person.sex == "female")
        assert person.pin[4:6] == f"{person.date_of_birth.year % 100:02d}"
        assert unicodedata.is_normalized("NFC", person.full_name)
        assert len(person.full_name.split()) >= 3


def test_households_share_an_address_and_have_plausible_sizes():
    households = defaultdict(list)
    for person in people():
        households[person.household_id].append(person)

    assert len(households) >= 1_500
    for members in households.values():
        assert 1 <= len(members) <= 6
        assert len({m.permanent_address for m in members}) == 1
        # Someone in every household is an adult.
        assert max(m.age for m in members) >= 18


def test_identifiers_have_their_formats():
    everyone = people()
    phones = [p.phone for p in everyone if p.phone]
    insurance = [p.social_insurance_code for p in everyone if p.social_insurance_code]

    assert len(set(phones)) == len(phones)
    assert all(len(p) == 10 and p[0] == "0" and p[1] in "35789" for p in phones)
    assert len(set(insurance)) == len(insurance)
    assert all(len(code) == 10 and code.isdigit() for code in insurance)
    assert all(p.social_insurance_code is None for p in everyone if p.age < 18)
    assert all(len(p.personal_tax_code) in (10, 12) for p in everyone)
    assert sum(p.personal_tax_code == p.pin for p in everyone) > 0.8 * len(everyone)
    assert all(
        p.email.endswith(("example.com", "example.org", "example.net")) for p in everyone if p.email
    )
    assert 0 < sum(p.deceased for p in everyone) < 0.02 * len(everyone)


def test_enterprises_are_represented_by_living_adults():
    all_enterprises = enterprises()

    assert len(all_enterprises) >= 600
    assert len({e.enterprise_code for e in all_enterprises}) == len(all_enterprises)
    assert {e.status for e in all_enterprises} == {"active", "suspended", "dissolved"}
    for enterprise in all_enterprises:
        assert len(enterprise.enterprise_code) == 10 and enterprise.enterprise_code.isdigit()
        representative = find_person(enterprise.legal_representative_pin)
        assert representative is not None and representative.age >= 18
        assert representative.full_name == enterprise.legal_representative_name
        assert find_enterprise(enterprise.enterprise_code) == enterprise


def test_demo_people_are_stable_adults_known_to_every_registry():
    demo = demo_people(10)

    assert demo == demo_people(10)
    assert len(demo) == 10
    for person in demo:
        assert person.age >= 18 and not person.deceased
        assert person.social_insurance_code and person.phone
