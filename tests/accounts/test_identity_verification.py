"""Identity attributes become verified only when a registry confirms them (B2)."""

import httpx
import pytest
from django.utils import timezone

from dichvucong.accounts.constants import AttributeName, AttributeSource, IdentityProofing
from dichvucong.accounts.models import Business, Delegation, IdentityAttribute
from dichvucong.accounts.services import (
    AccountError,
    can_act_for,
    grant_delegation,
    revoke_delegation,
)
from simulators.registries.population_data import demo_people, enterprises, find_person
from tests.accounts.factories import UserFactory
from tests.accounts.helpers import csrf_client, post_form, sign_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def registries(settings, sim_server):
    settings.REGISTRIES_BASE_URL = sim_server + "/sim/registries/"
    settings.REGISTRY_TIMEOUT_SECONDS = 0.5
    settings.REGISTRY_SIM_TIMEOUT_SLEEP = 1.5

    def fault(registry: str, mode: str) -> None:
        httpx.post(sim_server + "/sim/registries/faults", json={"registry": registry, "mode": mode}, timeout=5)

    return fault


def account_of(person, **overrides):
    """An account whose declared attributes are the person's (or overridden ones)."""
    user = UserFactory(pin=person.pin, username=person.pin, full_name=overrides.get("full_name", person.full_name))
    declared = {AttributeName.PIN: person.pin, AttributeName.FULL_NAME: user.full_name,
                AttributeName.DATE_OF_BIRTH: overrides.get("date_of_birth", person.date_of_birth.isoformat())}
    for name, value in declared.items():
        IdentityAttribute.objects.create(user=user, name=name, value=value, source=AttributeSource.SELF)
    return user


def verify(user):
    client = csrf_client()
    sign_in(client, user.pin)
    response = post_form(client, "/tai-khoan/ho-so/xac-thuc-danh-tinh/", {}, token_from="/tai-khoan/ho-so/")
    return client, response


def test_a_match_marks_the_attributes_verified_with_source_and_time(registries):
    person = demo_people(3)[2]
    user = account_of(person)
    client, _ = verify(user)
    user.refresh_from_db()
    assert user.identity_proofing == IdentityProofing.REGISTRY_VERIFIED
    attributes = {a.name: a for a in user.attributes.all()}
    for name in (AttributeName.PIN, AttributeName.FULL_NAME, AttributeName.DATE_OF_BIRTH, AttributeName.SEX,
                 AttributeName.PERMANENT_ADDRESS):
        assert attributes[name].is_verified and attributes[name].source == AttributeSource.POPULATION
        assert (timezone.now() - attributes[name].verified_at).total_seconds() < 60
    assert attributes[AttributeName.PERMANENT_ADDRESS].value == person.permanent_address
    assert "CSDL quốc gia về dân cư" in client.get("/tai-khoan/ho-so/").content.decode()


def test_a_mismatch_names_the_field_and_verifies_nothing(registries):
    person = demo_people(3)[1]
    user = account_of(person, date_of_birth="1901-01-01")
    client, response = verify(user)
    page = client.get(response["Location"]).content.decode()
    assert "ngày sinh" in page
    user.refresh_from_db()
    assert user.identity_proofing == IdentityProofing.SELF_ASSERTED
    assert not any(a.is_verified for a in user.attributes.all())


@pytest.mark.parametrize("mode", ["timeout", "error", "mismatch"])
def test_registry_faults_give_a_message_and_a_retry_never_a_verified_flag(registries, mode):
    person = demo_people(3)[0]
    user = account_of(person)
    registries("population", mode)
    client, response = verify(user)
    page = client.get(response["Location"]).content.decode()
    assert ("thử lại" in page) if mode != "mismatch" else ("chưa khớp" in page)
    user.refresh_from_db()
    assert user.identity_proofing == IdentityProofing.SELF_ASSERTED
    assert 'action="/tai-khoan/ho-so/xac-thuc-danh-tinh/"' in page  # the retry button is still there
    registries("population", "none")
    verify(user)
    user.refresh_from_db()
    assert user.identity_proofing == IdentityProofing.REGISTRY_VERIFIED


def _enterprise_and_representative():
    record = next(e for e in enterprises() if e.status == "active")
    return record, find_person(record.legal_representative_pin)


def test_only_the_legal_representative_links_a_business(registries):
    record, representative = _enterprise_and_representative()
    owner = account_of(representative)
    verify(owner)
    stranger = account_of(demo_people(5)[4])
    verify(stranger)
    client = csrf_client()
    sign_in(client, stranger.pin)
    refused = post_form(client, "/tai-khoan/doanh-nghiep/", {"enterprise_code": record.enterprise_code})
    assert "không phải người đại diện" in refused.content.decode()
    client = csrf_client()
    sign_in(client, owner.pin)
    post_form(client, "/tai-khoan/doanh-nghiep/", {"enterprise_code": record.enterprise_code})
    business = Business.objects.get(enterprise_code=record.enterprise_code)
    assert business.representative == owner and business.verified_at


def test_delegations_are_explicit_time_limited_and_revocable(registries):
    record, representative = _enterprise_and_representative()
    owner = account_of(representative)
    verify(owner)
    client = csrf_client()
    sign_in(client, owner.pin)
    post_form(client, "/tai-khoan/doanh-nghiep/", {"enterprise_code": record.enterprise_code})
    business = Business.objects.get(enterprise_code=record.enterprise_code)
    accountant = UserFactory()
    assert not can_act_for(accountant, business, "submit_dossiers")
    tomorrow = timezone.localdate() + timezone.timedelta(days=30)
    post_form(client, "/tai-khoan/doanh-nghiep/", {
        "business": business.pk, "delegate_pin": accountant.pin, "permissions": ["submit_dossiers"],
        "valid_until": tomorrow.isoformat()})
    assert can_act_for(accountant, business, "submit_dossiers")
    assert not can_act_for(accountant, business, "pay_fees")
    with pytest.raises(AccountError):
        grant_delegation(business=business, granted_by=accountant, delegate=accountant,
                         permissions=["pay_fees"], valid_until=timezone.now() + timezone.timedelta(days=1))
    delegation = Delegation.objects.get(delegate=accountant)
    revoke_delegation(delegation, by=owner)
    assert not can_act_for(accountant, business, "submit_dossiers")
    expired = Delegation.objects.create(business=business, delegate=accountant, permissions=["pay_fees"],
                                        valid_from=timezone.now() - timezone.timedelta(days=10),
                                        valid_until=timezone.now() - timezone.timedelta(days=1), granted_by=owner)
    assert expired.pk and not can_act_for(accountant, business, "pay_fees")


def test_linking_a_business_needs_a_verified_identity(registries):
    record, representative = _enterprise_and_representative()
    owner = account_of(representative)
    client = csrf_client()
    sign_in(client, owner.pin)
    response = post_form(client, "/tai-khoan/doanh-nghiep/", {"enterprise_code": record.enterprise_code})
    assert "xác thực danh tính" in response.content.decode()
    assert not Business.objects.exists()
