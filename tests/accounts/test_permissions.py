import pytest
from django.test import Client

from dichvucong.accounts.constants import AccountType, OfficialRole
from dichvucong.accounts.models import OfficialPosition, OrganisationalUnit
from dichvucong.accounts.permissions import administers, agencies_where, has_role
from dichvucong.catalog.models import Agency
from tests.accounts.factories import UserFactory
from tests.conftest import sign_in_at_level

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_agencies():
    first, second = Agency.objects.filter(level="province").order_by("code")[:2]
    return first, second


def official(**kwargs):
    return UserFactory(account_type=AccountType.OFFICIAL, pin=None, username=f"cb{UserFactory._meta.model.objects.count()}",
                       **kwargs)


def test_a_role_counts_only_in_its_own_agency(two_agencies):
    first, second = two_agencies
    user = official()
    OfficialPosition.objects.create(user=user, agency=first, role=OfficialRole.PROCESSOR)
    assert has_role(user, OfficialRole.PROCESSOR, agency_id=first.pk)
    assert not has_role(user, OfficialRole.PROCESSOR, agency_id=second.pk)
    assert not has_role(user, OfficialRole.APPROVER, agency_id=first.pk)
    assert list(agencies_where(user, OfficialRole.PROCESSOR)) == [first.pk]
    assert not administers(user, first.pk)


def test_unit_positions_and_agency_wide_positions(two_agencies):
    first, _ = two_agencies
    unit_a = OrganisationalUnit.objects.create(agency=first, name="Bộ phận một cửa")
    unit_b = OrganisationalUnit.objects.create(agency=first, name="Phòng Tư pháp")
    clerk, head = official(), official()
    OfficialPosition.objects.create(user=clerk, agency=first, unit=unit_a, role=OfficialRole.RECEIVER)
    OfficialPosition.objects.create(user=head, agency=first, role=OfficialRole.RECEIVER)
    assert has_role(clerk, OfficialRole.RECEIVER, agency_id=first.pk, unit_id=unit_a.pk)
    assert not has_role(clerk, OfficialRole.RECEIVER, agency_id=first.pk, unit_id=unit_b.pk)
    assert has_role(head, OfficialRole.RECEIVER, agency_id=first.pk, unit_id=unit_b.pk)


def test_inactive_positions_deactivated_officials_and_citizens_hold_nothing(two_agencies):
    first, _ = two_agencies
    retired, gone = official(), official(is_active=False)
    OfficialPosition.objects.create(user=retired, agency=first, role=OfficialRole.APPROVER, active=False)
    OfficialPosition.objects.create(user=gone, agency=first, role=OfficialRole.APPROVER)
    citizen = UserFactory()
    OfficialPosition.objects.create(user=citizen, agency=first, role=OfficialRole.APPROVER)
    for user in (retired, gone, citizen):
        assert not has_role(user, OfficialRole.APPROVER, agency_id=first.pk)


def test_sso_clients_accounts_and_the_auth_status_page_are_for_system_administrators_only(admin_user):
    staff = UserFactory(is_staff=True)
    client = Client()
    sign_in_at_level(client, staff, 2)
    for url in ("/quan-tri/sso/client/", "/quan-tri/accounts/user/", "/quan-tri/accounts/auditevent/"):
        assert client.get(url).status_code == 403, url
    assert client.get("/quan-tri/trang-thai-xac-thuc/").status_code == 403
    sign_in_at_level(client, admin_user, 2)
    assert client.get("/quan-tri/sso/client/").status_code == 200
    assert client.get("/quan-tri/accounts/auditevent/").status_code == 200


def test_the_auth_status_page_shows_sign_ins_lockouts_and_registry_health(admin_user, settings, sim_server):
    from tests.accounts.helpers import csrf_client, sign_in

    settings.REGISTRIES_BASE_URL = sim_server + "/sim/registries/"
    user = UserFactory()
    sign_in(csrf_client(), user.pin)
    sign_in(csrf_client(), user.pin, "Sai-mat-khau-2026!")
    client = Client()
    sign_in_at_level(client, admin_user, 2)
    page = client.get("/quan-tri/trang-thai-xac-thuc/")
    assert page.status_code == 200
    summary = page.context["summary"]
    assert summary["failures"] == 1 and dict(summary["by_method"])["password"]["success"] == 1
    assert all(registry.ok for registry in page.context["registries"])
    assert len(page.context["registries"]) == 4


def test_the_admin_site_asks_administrators_to_step_up(admin_user, settings):
    settings.ADMIN_MIN_LEVEL = 2
    client = Client()
    sign_in_at_level(client, admin_user, 1)
    response = client.get("/quan-tri/sso/client/")
    assert response.status_code == 302 and response["Location"].startswith("/tai-khoan/nang-cap/?level=2")
