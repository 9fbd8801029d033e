"""Signing in with the national eID (federation through OpenID Connect), from the portal's pages."""

from urllib.parse import urlsplit

import pytest
from django.core.cache import cache

from dichvucong.accounts.constants import AttributeName, AttributeSource, IdentityProofing
from dichvucong.accounts.models import User
from dichvucong.accounts.sessions import SESSION_AUTH_KEY
from simulators.registries.population_data import demo_people
from tests.accounts.factories import UserFactory
from tests.accounts.helpers import csrf_client, sign_in
from tests.federation.conftest import EidSimulator

pytestmark = pytest.mark.django_db
CALLBACK = "http://testserver/tai-khoan/dang-nhap/vneid/callback/"


@pytest.fixture
def eid(settings, sim_server) -> EidSimulator:
    settings.EID_ISSUER = sim_server + "/sim/eid"
    settings.EID_SIM_REDIRECT_URIS = [CALLBACK]
    return EidSimulator(base_url=sim_server, issuer=settings.EID_ISSUER, redirect_uri=CALLBACK)


def person_at(level: int):
    return next(p for p in demo_people(40) if (int(p.pin[-1]) % 2 == 1) == (level == 1))


def eid_round_trip(client, eid: EidSimulator, person, next_url: str = ""):
    start = client.get("/tai-khoan/dang-nhap/vneid/" + (f"?next={next_url}" if next_url else ""))
    assert start.status_code == 302
    answer = eid.browser_sign_in(start["Location"], pin=person.pin)
    assert answer.params, answer.response.text[:300]
    callback = urlsplit(answer.response.headers["location"])
    return client.get(callback.path + "?" + callback.query)


def test_first_eid_sign_in_creates_a_verified_account_at_level_three(eid):
    person = person_at(2)
    client = csrf_client()
    response = eid_round_trip(client, eid, person)
    assert response.status_code == 302
    user = User.objects.get(pin=person.pin)
    assert user.identity_proofing == IdentityProofing.EID_LEVEL_2 and not user.has_usable_password()
    pin = user.attributes.get(name=AttributeName.PIN)
    assert pin.is_verified and pin.source == AttributeSource.EID
    assert client.session[SESSION_AUTH_KEY]["level"] == 3
    assert client.session[SESSION_AUTH_KEY]["methods"] == ["eid2"]


def test_an_eid_at_level_one_gives_level_two(eid):
    person = person_at(1)
    client = csrf_client()
    eid_round_trip(client, eid, person)
    assert client.session[SESSION_AUTH_KEY]["level"] == 2


def test_an_existing_account_is_linked_by_pin_and_steps_up(eid):
    person = person_at(2)
    user = UserFactory(pin=person.pin, username=person.pin)
    client = csrf_client()
    sign_in(client, user.pin)
    sid = client.session[SESSION_AUTH_KEY]["sid"]
    response = eid_round_trip(client, eid, person, next_url="/tai-khoan/bao-mat/")
    assert response["Location"] == "/tai-khoan/bao-mat/"
    assert client.session[SESSION_AUTH_KEY]["level"] == 3 and client.session[SESSION_AUTH_KEY]["sid"] == sid
    assert User.objects.filter(pin=person.pin).count() == 1


def test_someone_elses_eid_cannot_step_up_a_session(eid):
    user = UserFactory()
    client = csrf_client()
    sign_in(client, user.pin)
    eid_round_trip(client, eid, person_at(2))
    assert client.session[SESSION_AUTH_KEY]["level"] == 1
    user.refresh_from_db()
    assert user.identity_proofing == IdentityProofing.SELF_ASSERTED


def test_a_provider_fault_signs_nobody_in(eid):
    eid.set_fault("bad_signature")
    client = csrf_client()
    response = eid_round_trip(client, eid, person_at(2))
    assert response["Location"] == "/tai-khoan/dang-nhap/"
    assert SESSION_AUTH_KEY not in client.session
    cache.clear()  # the provider's discovery document is cached for a few minutes (faults too)
    eid.set_fault("down")
    assert client.get("/tai-khoan/dang-nhap/vneid/")["Location"] == "/tai-khoan/dang-nhap/"


def test_a_forged_callback_without_a_started_login_is_ignored(eid):
    client = csrf_client()
    response = client.get("/tai-khoan/dang-nhap/vneid/callback/?code=x&state=y")
    assert response["Location"] == "/tai-khoan/dang-nhap/"
    assert SESSION_AUTH_KEY not in client.session


def test_an_unverified_account_squatting_a_number_loses_its_ways_in_to_the_eid(eid, django_capture_on_commit_callbacks):
    """Someone registered the person's number with their own password: the eID proves who
    the person is, so the squatter's password and sessions go."""
    person = person_at(2)
    squatter = UserFactory(pin=person.pin, username=person.pin)
    squatter_browser = csrf_client()
    sign_in(squatter_browser, person.pin)
    with django_capture_on_commit_callbacks(execute=True):
        eid_round_trip(csrf_client(), eid, person)
    squatter.refresh_from_db()
    assert not squatter.has_usable_password()
    assert squatter_browser.get("/tai-khoan/ho-so/").status_code == 302
    assert sign_in(csrf_client(), person.pin).status_code == 200  # the old password no longer works


def test_a_foreigners_account_is_never_given_a_citizens_eid(eid):
    foreigner = UserFactory(pin=None, username="a@example.jp", account_type="foreigner")
    client = csrf_client()
    sign_in(client, "a@example.jp")
    eid_round_trip(client, eid, person_at(2))
    foreigner.refresh_from_db()
    assert foreigner.pin is None and client.session[SESSION_AUTH_KEY]["level"] == 1
