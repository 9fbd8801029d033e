"""Where a dossier goes: a province-level procedure to the province's department in charge,
or to its People's Committee when the committee handles it; against the real catalog."""

import pytest

from dichvucong.catalog.constants import PROVINCIAL_DEPARTMENTS
from dichvucong.catalog.models import Agency, Procedure
from dichvucong.dossiers.routing import (
    AGENCY_KEYWORDS,
    COMMITTEE,
    FIELD_DEPARTMENTS,
    MINISTRY_DEPARTMENTS,
    RouteSource,
    provincial_route,
)
from dichvucong.dossiers.selectors import receiving_agency, receiving_level

pytestmark = pytest.mark.django_db
HANOI, DA_NANG = "1", "48"


def agency_for(code: str, province: str = HANOI, commune: str = "") -> Agency | None:
    return receiving_agency(Procedure.objects.get(code=code), province=province, commune=commune)


@pytest.mark.parametrize(
    ("code", "department"),
    [
        # private enterprise registration (planning and investment merged into finance)
        ("2.001610", "Sở Tài chính"),
        ("1.002153", "Sở Tư pháp"),  # a lawyer's registration to practise on their own
        # construction permit re-issued: its one-stop desk, not the zone authority beside it
        ("1.013235", "Sở Xây dựng"),
        # road transport business licence (transport merged into construction)
        ("1.000703", "Sở Xây dựng"),
        ("1.001456", "Công an"),  # passport issued in the province
        # driving licence re-issued: the police since 2025, as the catalog says
        ("3.000348", "Công an"),
        # judicial record certificate: the police since 2025, not Sở Tư pháp
        ("3.000333", "Công an"),
        # land mortgage deregistration (land registration office)
        ("1.011443", "Sở Nông nghiệp và Môi trường"),
        ("1.008345", "Thuế tỉnh"),  # "Cục Thuế - Bộ tài chính" only: the tax field decides
        # auctioneer's certificate: no agency text, the ministry's counterpart
        ("1.003915", "Sở Tư pháp"),
    ],
)
def test_a_provincial_procedure_goes_to_the_department_in_charge(code, department):
    agency = agency_for(code)
    assert agency.name == f"{department} Hà Nội"
    assert (
        agency.level == "province" and agency.province_code == 1 and agency.parent.kind == COMMITTEE
    )


def test_the_department_is_that_of_the_chosen_province():
    agency = agency_for("2.001610", province=DA_NANG)
    assert agency.name == "Sở Tài chính Đà Nẵng" and agency.province_code == 48


@pytest.mark.parametrize(
    ("code", "source"),
    [
        # insolvency administrator's certificate: the chairman issues it
        ("2.001130", RouteSource.IMPLEMENTING_AGENCY),
        # provincial environmental permit: the committee
        ("1.010727", RouteSource.IMPLEMENTING_AGENCY),
        # notary appointment: only the competent agency is given
        ("1.013803", RouteSource.COMPETENT_AGENCY),
        # the industrial-zone authority has no agency of its own yet
        ("1.009748", RouteSource.OTHER_BODY),
    ],
)
def test_what_the_committee_handles_stays_with_the_committee(code, source):
    procedure = Procedure.objects.get(code=code)
    assert provincial_route(procedure).source == source
    agency = receiving_agency(procedure, province=HANOI)
    assert agency.kind == COMMITTEE and agency.name == "Ủy ban nhân dân Thành phố Hà Nội"


def test_a_province_without_that_department_falls_back_to_its_committee():
    Agency.objects.filter(level="province", province_code=1, kind="tu-phap").update(
        kind="tu-phap-cu"
    )
    assert agency_for("1.002153").name == "Ủy ban nhân dân Thành phố Hà Nội"
    assert agency_for("1.002153", province=DA_NANG).name == "Sở Tư pháp Đà Nẵng"


@pytest.mark.parametrize("province", ["99", "", "ha-noi"])
def test_an_unknown_or_missing_province_gives_no_agency(province):
    assert agency_for("2.001610", province=province) is None
    assert agency_for("2.001130", province=province) is None


def test_a_commune_level_procedure_still_goes_to_the_chosen_communes_committee():
    birth = Procedure.objects.get(code="1.001193")
    commune = Agency.objects.filter(level="commune", province_code=1).order_by("ward_code").first()
    assert receiving_level(birth) == "commune"
    agency = receiving_agency(birth, province=HANOI, commune=str(commune.ward_code))
    assert agency == commune
    assert receiving_agency(birth, province=HANOI) is None


def test_every_kind_in_the_mapping_is_a_standard_department():
    kinds = {kind for kind, _vi, _en, _keywords in PROVINCIAL_DEPARTMENTS}
    mapped = {kind for _keyword, kind in AGENCY_KEYWORDS}
    mapped |= {kind for kind in FIELD_DEPARTMENTS.values() if kind} | set(
        MINISTRY_DEPARTMENTS.values()
    )
    assert mapped <= kinds


def test_most_online_provincial_procedures_reach_a_department():
    """Coverage over the catalog (docs/dossiers.md gives the figures): a floor, so that a
    catalog update or a mapping change that sends many dossiers to the committee shows."""
    procedures = [
        procedure
        for procedure in Procedure.objects.filter(status="active").select_related(
            "current", "field__ministry", "owner"
        )
        if receiving_level(procedure) == "province"
        and procedure.current
        and any(channel.get("channel") == "online" for channel in procedure.current.channels)
    ]
    routes = {procedure.code: provincial_route(procedure) for procedure in procedures}
    to_department = [p for p in procedures if routes[p.code].kind != COMMITTEE]
    assert len(procedures) > 500
    assert len(to_department) / len(procedures) >= 0.75
    used = sum(p.popularity for p in procedures)
    assert sum(p.popularity for p in to_department) / used >= 0.99
    unexplained = [code for code, route in routes.items() if route.source == RouteSource.FALLBACK]
    assert len(unexplained) <= len(procedures) // 100, unexplained
