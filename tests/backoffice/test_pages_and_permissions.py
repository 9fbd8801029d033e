"""Officials' pages: each endpoint refuses whoever is out of reach (G3)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from dichvucong.accounts.constants import OfficialRole
from dichvucong.accounts.models import OrganisationalUnit
from dichvucong.backoffice import services
from dichvucong.backoffice.models import Case
from dichvucong.dossiers.constants import DossierStatus
from tests.backoffice.conftest import make_official
from tests.conftest import sign_in_at_level

pytestmark = pytest.mark.django_db

ACTIONS = ["tiep-nhan", "tu-choi", "yeu-cau-bo-sung", "nhan-xu-ly", "phan-cong", "chuyen-tiep", "tra-lai",
           "chuyen-xu-ly", "ky-so", "da-tra"]


def _as(client, user):  # noqa: ANN001, ANN202
    return sign_in_at_level(client, user, 1)


def test_an_official_receives_a_dossier_through_the_pages(client, office, submit):
    dossier = submit()
    _as(client, office.receiver)
    page = client.get(reverse("backoffice:worklist"))
    assert page.status_code == 200 and dossier.code in page.content.decode()
    case_page = client.get(reverse("backoffice:case", args=[dossier.pk]))
    assert case_page.status_code == 200 and 'data-action="accept"' in case_page.content.decode()
    response = client.post(reverse("backoffice:act", args=[dossier.pk, "tiep-nhan"]), {"step_index": 0})
    assert response.status_code == 302
    dossier.refresh_from_db()
    assert dossier.status == DossierStatus.RECEIVED
    # The same form posted again (a second tab): refused, nothing changes.
    again = client.post(reverse("backoffice:act", args=[dossier.pk, "tiep-nhan"]), {"step_index": 0}, follow=True)
    assert "đã được xử lý tiếp" in again.content.decode()


def test_search_finds_by_code_pin_and_name_within_reach_only(client, office, submit):
    dossier = submit()
    _as(client, office.receiver)
    link = f'href="{reverse("backoffice:case", args=[dossier.pk])}"'
    for query in (dossier.code, office.citizen.pin, office.citizen.full_name.split()[-1]):
        body = client.get(reverse("backoffice:worklist"), {"q": query}).content.decode()
        assert link in body, query
    client.logout()
    _as(client, office.outsider_receiver)
    for query in (dossier.code, office.citizen.pin):
        assert link not in client.get(reverse("backoffice:worklist"), {"q": query}).content.decode()


@pytest.mark.parametrize("who", ["outsider", "outsider_receiver", "outsider_leader", "citizen"])
def test_every_endpoint_refuses_officials_of_other_agencies_and_citizens(client, office, submit, who):
    dossier = submit()
    attachment_url = reverse("backoffice:download", args=[dossier.pk, 1])
    _as(client, getattr(office, who))
    assert client.get(reverse("backoffice:case", args=[dossier.pk])).status_code == 404
    assert client.get(attachment_url).status_code == 404
    for action in ACTIONS:
        response = client.post(reverse("backoffice:act", args=[dossier.pk, action]),
                               {"step_index": 0, "note": "x", "reason_code": "duplicate", "text": "x"})
        assert response.status_code == 404, action
    assert Case.objects.get(dossier=dossier).step_index == 0
    dossier.refresh_from_db()
    assert dossier.status == DossierStatus.SUBMITTED
    if who == "citizen":
        assert client.get(reverse("backoffice:worklist")).status_code == 404


def test_a_unit_position_reaches_only_that_units_dossiers(client, office, submit):
    justice = OrganisationalUnit.objects.create(agency=office.agency, name="Tư pháp - Hộ tịch")
    land = OrganisationalUnit.objects.create(agency=office.agency, name="Địa chính")
    dossier = submit()
    case = Case.objects.get(dossier=dossier)
    Case.objects.filter(pk=case.pk).update(unit=justice, acting_unit=justice)
    land_clerk = make_official("diachinh", OfficialRole.RECEIVER, office.agency, unit=land)
    justice_clerk = make_official("tuphap", OfficialRole.RECEIVER, office.agency, unit=justice)
    _as(client, land_clerk)
    assert client.get(reverse("backoffice:case", args=[dossier.pk])).status_code == 404
    assert client.post(reverse("backoffice:act", args=[dossier.pk, "tiep-nhan"]), {"step_index": 0}).status_code == 404
    client.logout()
    _as(client, justice_clerk)
    assert client.get(reverse("backoffice:case", args=[dossier.pk])).status_code == 200
    client.post(reverse("backoffice:act", args=[dossier.pk, "tiep-nhan"]), {"step_index": 0})
    dossier.refresh_from_db()
    assert dossier.status == DossierStatus.RECEIVED


def test_performance_and_workflows_are_for_leaders_and_administrators(client, office, submit):
    submit()
    _as(client, office.processor)
    assert client.get(reverse("backoffice:performance")).status_code == 404
    assert client.get(reverse("backoffice:workflows")).status_code == 404
    assert client.get(reverse("backoffice:workflow-edit", args=[office.agency.pk])).status_code == 404
    client.logout()
    _as(client, office.approver)
    assert client.get(reverse("backoffice:performance")).status_code == 200
    client.logout()
    _as(client, office.admin)
    assert client.get(reverse("backoffice:workflows")).status_code == 200
    assert client.get(reverse("backoffice:workflow-edit", args=[office.other.pk])).status_code == 404


def test_the_applicant_follows_the_dossier_live(client, office, submit):
    dossier = submit()
    case = Case.objects.get(dossier=dossier)
    services.accept(case, office.receiver, step_index=0)
    services.take(case, office.processor, step_index=1)
    _as(client, office.citizen)
    fragment = client.get(reverse("dossiers:tracking", args=[dossier.pk]))
    body = fragment.content.decode()
    assert fragment.status_code == 200 and 'hx-trigger="every 20s"' in body
    assert "xuly" in body and "data-left" in body and "data-taken" in body
    # Internal steps are not shown to the applicant.
    assert 'data-kind="step"' not in body
    client.logout()
    _as(client, office.outsider)
    assert client.get(reverse("dossiers:tracking", args=[dossier.pk])).status_code == 404


def test_the_worklist_filters_by_procedure_and_status(client, office, submit):
    dossier = submit()
    _as(client, office.receiver)
    link = f'href="{reverse("backoffice:case", args=[dossier.pk])}"'
    assert link in client.get(reverse("backoffice:worklist"), {"thu-tuc": "1.001193"}).content.decode()
    assert link not in client.get(reverse("backoffice:worklist"), {"thu-tuc": "1.004194"}).content.decode()
    assert link in client.get(reverse("backoffice:worklist"), {"status": "submitted"}).content.decode()
    assert link not in client.get(reverse("backoffice:worklist"), {"status": "refused"}).content.decode()
