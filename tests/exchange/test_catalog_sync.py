"""A member's catalog joins the national catalog, and dossiers of its procedures go to it
(A3, H1)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from dichvucong.catalog.models import Agency, Procedure
from dichvucong.dossiers.processing import system_key_for
from dichvucong.exchange.constants import MessageType
from dichvucong.exchange.models import InboxMessage, Member, MemberProcedure, MemberSystem
from dichvucong.exchange.remote import member_for
from tests.accounts.factories import verified_citizen
from tests.exchange.test_messages import Province, admin, post  # noqa: F401 - fixtures

pytestmark = pytest.mark.django_db
DAK_LAK_JUSTICE = "000.02.00.H66"


@pytest.fixture
def dak_lak(admin, settings, tmp_path):  # noqa: F811
    settings.EXCHANGE_KEY_FILE = tmp_path / "portal.jwk"
    province = Province(admin, code="H66")
    Member.objects.filter(pk=province.member.pk).update(agency=Agency.objects.get(code="000.00.00.H66"))
    province.member.refresh_from_db()
    return province


def _applied(province, entries: list[dict], django_capture_on_commit_callbacks, *, at=None) -> str:  # noqa: ANN001
    """The province publishes ``entries``; what the portal made of it (from the trace)."""
    token = province.message(MessageType.CATALOG_SYNC, {"procedures": entries}, now=at)
    with django_capture_on_commit_callbacks(execute=True):
        assert post(Client(), token).status_code == 202
    from dichvucong.exchange.models import TraceEntry

    return TraceEntry.objects.filter(event="applied", message_type="catalog_sync").last().detail


LEGAL_ADVISER = {"code": "1.000426", "name": "Cấp thẻ tư vấn viên pháp luật", "agency_code": DAK_LAK_JUSTICE,
                 "online": True}
LOCAL = {"code": "H66.TP.001", "name": "Xác nhận thông tin hộ tịch phục vụ hỗ trợ người có công (thí điểm)",
         "agency_code": DAK_LAK_JUSTICE, "online": True, "url": "https://dichvucong.daklak.gov.vn/thu-tuc/H66.TP.001"}
HANOI = {"code": "1.002153", "name": "Đăng ký hành nghề luật sư", "agency_code": "000.02.00.H01", "online": True}


def test_a_members_catalog_joins_the_national_catalog(client, dak_lak, django_capture_on_commit_callbacks):
    national_name = Procedure.objects.get(code="1.000426").name
    outcome = _applied(dak_lak, [LEGAL_ADVISER, LOCAL, HANOI], django_capture_on_commit_callbacks)
    assert outcome == "applied: 2 listed, 1 new in the catalog, 0 withdrawn, 1 refused"  # Hà Nội is not Đắk Lắk's
    listed = MemberProcedure.objects.filter(member=dak_lak.member)
    assert set(listed.values_list("procedure__code", flat=True)) == {"1.000426", "H66.TP.001"}
    assert Procedure.objects.get(code="1.000426").name == national_name  # the national text stays
    local = Procedure.objects.get(code="H66.TP.001")
    assert (local.owner.code, local.is_complete, local.current.number) == ("000.00.00.H66", False, 1)
    page = client.get("/thu-tuc/H66.TP.001/")
    assert page.status_code == 200 and "hộ tịch phục vụ hỗ trợ người có công" in page.content.decode()


def test_a_later_catalog_withdraws_what_it_no_longer_lists_and_an_older_one_changes_nothing(
        dak_lak, django_capture_on_commit_callbacks):
    _applied(dak_lak, [LEGAL_ADVISER, LOCAL], django_capture_on_commit_callbacks)
    assert _applied(dak_lak, [LEGAL_ADVISER], django_capture_on_commit_callbacks).endswith("1 withdrawn, 0 refused")
    late = _applied(dak_lak, [LEGAL_ADVISER, LOCAL], django_capture_on_commit_callbacks,
                    at=timezone.now() - timedelta(minutes=2))
    assert late == "late"
    assert list(MemberProcedure.objects.values_list("procedure__code", flat=True)) == ["1.000426"]
    assert InboxMessage.objects.filter(message_type="catalog_sync").count() == 3


def test_dossiers_of_a_published_procedure_at_the_members_agencies_go_to_the_member(
        dak_lak, django_capture_on_commit_callbacks):
    from dichvucong.dossiers import services as dossier_services

    citizen = verified_citizen()
    procedure = Procedure.objects.get(code="1.000426")
    at_dak_lak = dossier_services.create_draft(applicant=citizen, procedure=procedure,
                                               agency=Agency.objects.get(code=DAK_LAK_JUSTICE))
    at_hanoi = dossier_services.create_draft(applicant=citizen, procedure=procedure,
                                             agency=Agency.objects.get(code="000.02.00.H01"))
    assert member_for(at_dak_lak) is None  # not published yet
    _applied(dak_lak, [LEGAL_ADVISER], django_capture_on_commit_callbacks)
    assert member_for(at_dak_lak) == dak_lak.member and member_for(at_hanoi) is None
    assert (system_key_for(at_dak_lak), system_key_for(at_hanoi)) == ("exchange", "one-stop")
    MemberProcedure.objects.all().delete()
    assert member_for(at_dak_lak) is None


def test_an_older_catalog_arriving_after_an_empty_one_changes_nothing_and_a_withdrawn_own_procedure_leaves(
        client, dak_lak, django_capture_on_commit_callbacks):
    _applied(dak_lak, [LEGAL_ADVISER, LOCAL], django_capture_on_commit_callbacks,
             at=timezone.now() - timedelta(minutes=3))
    assert _applied(dak_lak, [], django_capture_on_commit_callbacks).endswith("2 withdrawn, 0 refused")
    # The province's own procedure is gone from the catalog; the national one stays.
    assert Procedure.objects.get(code="H66.TP.001").status == "abolished"
    assert Procedure.objects.get(code="1.000426").status == "active"
    late = _applied(dak_lak, [LEGAL_ADVISER, LOCAL], django_capture_on_commit_callbacks,
                    at=timezone.now() - timedelta(minutes=1))
    assert late == "late" and not MemberProcedure.objects.exists()
    # Published again: back in the catalog, listed as the member's own.
    assert _applied(dak_lak, [LOCAL], django_capture_on_commit_callbacks).startswith("applied: 1 listed, 1 new")
    assert Procedure.objects.get(code="H66.TP.001").status == "active"
    assert MemberProcedure.objects.get().added_to_catalog


def test_the_member_of_the_very_agency_comes_before_the_province(admin, dak_lak, django_capture_on_commit_callbacks):  # noqa: F811
    from dichvucong.dossiers import services as dossier_services

    justice = Province(admin, code="A00")  # sorts before H66
    Member.objects.filter(pk=justice.member.pk).update(agency=Agency.objects.get(code=DAK_LAK_JUSTICE),
                                                       kind="provider")
    _applied(dak_lak, [LEGAL_ADVISER], django_capture_on_commit_callbacks)
    _applied(justice, [LEGAL_ADVISER], django_capture_on_commit_callbacks)
    draft = dossier_services.create_draft(applicant=verified_citizen(), procedure=Procedure.objects.get(code="1.000426"),
                                          agency=Agency.objects.get(code=DAK_LAK_JUSTICE))
    assert member_for(draft).code == "A00"
    MemberSystem.objects.filter(member__code="A00").update(may_receive=[])  # it takes no dossiers
    assert member_for(draft).code == "H66"
