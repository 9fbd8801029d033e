import pytest

from dichvucong.accounts.sessions import SESSION_AUTH_KEY
from dichvucong.catalog.models import Procedure
from tests.accounts.factories import verified_citizen
from tests.accounts.helpers import add_passkey, csrf_client, passkey_sign_in, sign_in
from tests.accounts.soft_authenticator import SoftAuthenticator

pytestmark = pytest.mark.django_db


def level_three_procedure() -> Procedure:
    return Procedure.objects.filter(assurance_level=3, status="active").exclude(service_level="offline").first()


def test_anonymous_visitors_are_sent_to_sign_in_and_back():
    procedure = level_three_procedure()
    url = f"/thu-tuc/{procedure.code}/nop-truc-tuyen/"
    response = csrf_client().get(url)
    assert response.status_code == 302
    assert response["Location"].startswith("/tai-khoan/dang-nhap/?next=")


def test_a_level_one_session_is_asked_to_step_up_and_comes_back_where_it_was():
    user = verified_citizen()
    client = csrf_client()
    sign_in(client, user.pin)
    authenticator = SoftAuthenticator()
    add_passkey(client, authenticator)
    procedure = level_three_procedure()
    url = f"/thu-tuc/{procedure.code}/nop-truc-tuyen/"

    response = client.get(url)
    assert response.status_code == 302 and response["Location"].startswith("/tai-khoan/nang-cap/?level=3")
    step_up_page = client.get(response["Location"])
    assert 'data-passkey="authenticate"' in step_up_page.content.decode()
    sid_before = client.session[SESSION_AUTH_KEY]["sid"]
    key_before = client.session.session_key

    result = passkey_sign_in(client, authenticator, next_url=url)
    assert result.json()["redirect"] == url
    assert client.session[SESSION_AUTH_KEY]["level"] == 3
    assert client.session.session_key != key_before  # a new session key on every level change
    assert client.session[SESSION_AUTH_KEY]["sid"] == sid_before  # relying parties keep their session
    assert client.get(url).status_code == 200


def test_a_step_up_with_someone_elses_passkey_is_refused():
    owner, intruder = verified_citizen(), verified_citizen()
    owner_client = csrf_client()
    sign_in(owner_client, owner.pin)
    authenticator = SoftAuthenticator()
    add_passkey(owner_client, authenticator)
    client = csrf_client()
    sign_in(client, intruder.pin)
    assert passkey_sign_in(client, authenticator).status_code == 400
    assert client.session[SESSION_AUTH_KEY]["level"] == 1
