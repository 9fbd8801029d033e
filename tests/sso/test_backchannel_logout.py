"""Single logout: a sign-out at the portal reaches every relying party of the session (B5).

The demo ministry portal (src/simulators/ministry) runs on a real HTTP server on
loopback and validates the logout token as OpenID Connect Back-Channel Logout 1.0 says.
"""

import secrets

import httpx
import pytest

from dichvucong.accounts.models import AuditEvent
from simulators.ministry import sessions as ministry_sessions
from tests.accounts.factories import verified_citizen
from tests.sso.conftest import Browser, wsgi_transport
from tests.sso.test_oidc_provider import decode_id_token

pytestmark = pytest.mark.django_db


@pytest.fixture
def provider_on_loopback(settings, sim_server, rp_client):
    """The provider's issuer and the client's back-channel URI on the loopback server."""
    settings.OAUTH2_PROVIDER = {**settings.OAUTH2_PROVIDER, "OIDC_ISS_ENDPOINT": f"{sim_server}/oidc"}
    settings.MINISTRY_SIM_ISSUER = f"{sim_server}/oidc"
    settings.MINISTRY_SIM_CLIENT_ID = rp_client.client_id
    rp_client.backchannel_logout_uri = f"{sim_server}/sim/ministry/backchannel-logout/"
    rp_client.save()
    with httpx.Client(transport=wsgi_transport()) as http:
        return http.get(f"{sim_server}/oidc/.well-known/openid-configuration").json()


@pytest.fixture
def browser(sim_server):
    """The person's browser on the loopback server's host, where the issuer now is (cookies
    follow the host name)."""
    with httpx.Client(transport=wsgi_transport(), base_url=sim_server) as http:
        yield Browser(http)


def signed_in_everywhere(oauth, browser, discovery, user):
    browser.sign_in(user.pin)
    verifier, nonce = secrets.token_urlsafe(48), secrets.token_urlsafe(16)
    url, _ = oauth.create_authorization_url(discovery["authorization_endpoint"], code_verifier=verifier, nonce=nonce)
    location = browser.authorize(url).headers["location"]
    token = oauth.fetch_token(discovery["token_endpoint"], authorization_response=location, code_verifier=verifier)
    claims = decode_id_token(token["id_token"], discovery, nonce)
    # The ministry portal keeps its own session for this person, keyed by the provider's sid.
    rp_session = ministry_sessions.start_signed_in_session(None, {"sid": claims["sid"], "sub": claims["sub"]})
    return claims, rp_session


def test_signing_out_at_the_portal_ends_the_ministry_portals_session(
    provider_on_loopback, oauth, browser, django_capture_on_commit_callbacks
):
    user = verified_citizen()
    claims, rp_session = signed_in_everywhere(oauth, browser, provider_on_loopback, user)
    assert ministry_sessions.load(rp_session) is not None
    token = browser.csrf("/tai-khoan/ho-so/")
    with django_capture_on_commit_callbacks(execute=True):
        browser.http.post("/tai-khoan/dang-xuat/", data={"csrfmiddlewaretoken": token})
    assert ministry_sessions.load(rp_session) is None
    event = AuditEvent.objects.get(action="backchannel_logout")
    assert event.outcome == "success" and event.details["status"] == 200


def test_sign_out_everywhere_reaches_the_relying_parties_too(
    provider_on_loopback, oauth, browser, django_capture_on_commit_callbacks
):
    user = verified_citizen()
    _, rp_session = signed_in_everywhere(oauth, browser, provider_on_loopback, user)
    token = browser.csrf("/tai-khoan/bao-mat/")
    with django_capture_on_commit_callbacks(execute=True):
        browser.http.post("/tai-khoan/bao-mat/dang-xuat-tat-ca/", data={"csrfmiddlewaretoken": token})
    assert ministry_sessions.load(rp_session) is None


def test_an_unreachable_relying_party_never_blocks_the_sign_out(
    provider_on_loopback, oauth, browser, rp_client, django_capture_on_commit_callbacks
):
    user = verified_citizen()
    signed_in_everywhere(oauth, browser, provider_on_loopback, user)
    rp_client.backchannel_logout_uri = "http://127.0.0.1:9/backchannel"  # discard port: refused
    rp_client.save()
    token = browser.csrf("/tai-khoan/ho-so/")
    with django_capture_on_commit_callbacks(execute=True):
        response = browser.http.post("/tai-khoan/dang-xuat/", data={"csrfmiddlewaretoken": token})
    assert response.status_code == 302
    assert browser.http.get("/tai-khoan/ho-so/").status_code == 302
    assert AuditEvent.objects.get(action="backchannel_logout").outcome == "failure"
