"""The portal as an OpenID provider, driven end to end by Authlib's client (B5)."""

import secrets
import time
from urllib.parse import parse_qs, urlparse

import httpx
import pytest
from joserfc import jwt
from joserfc.errors import BadSignatureError
from joserfc.jwk import KeySet

from dichvucong.sso.models import Consent, SsoAuthorization
from tests.accounts.factories import verified_citizen
from tests.sso.conftest import REDIRECT_URI, new_verifier, wsgi_transport

pytestmark = pytest.mark.django_db


def query(location: str) -> dict:
    return {k: v[0] for k, v in parse_qs(urlparse(location).query).items()}


def authorize(oauth, browser, discovery, **params):
    verifier, nonce = new_verifier(), secrets.token_urlsafe(16)
    url, state = oauth.create_authorization_url(
        discovery["authorization_endpoint"], code_verifier=verifier, nonce=nonce, **params
    )
    response = browser.authorize(url)
    return response, verifier, nonce, state


def sign_in_and_get_tokens(oauth, browser, discovery, user, **params):
    browser.sign_in(user.pin)
    response, verifier, nonce, state = authorize(oauth, browser, discovery, **params)
    assert response.status_code == 302 and response.headers["location"].startswith(REDIRECT_URI), response.text[:500]
    token = oauth.fetch_token(discovery["token_endpoint"], authorization_response=response.headers["location"],
                              code_verifier=verifier)
    return token, nonce


def decode_id_token(token: str, discovery: dict, nonce: str) -> dict:
    """Validate as a relying party must: signature against the JWKS, iss, aud, exp, nonce."""
    with httpx.Client(transport=wsgi_transport()) as http:
        jwks = KeySet.import_key_set(http.get(discovery["jwks_uri"]).json())
    decoded = jwt.decode(token, jwks, algorithms=["RS256"])
    jwt.JWTClaimsRegistry(
        iss={"essential": True, "value": discovery["issuer"]},
        aud={"essential": True, "value": "bo-thu-nghiem"},
        nonce={"essential": True, "value": nonce},
        exp={"essential": True},
    ).validate(decoded.claims)
    return decoded.claims


def test_discovery_advertises_levels_claims_pkce_and_back_channel_logout(discovery):
    assert discovery["issuer"].endswith("/oidc")
    assert discovery["acr_values_supported"] == [f"urn:dichvucong:loa:{n}" for n in (1, 2, 3, 4)]
    assert discovery["backchannel_logout_supported"] is True
    assert discovery["code_challenge_methods_supported"] == ["S256"]
    assert "personal_identification_number" in discovery["claims_supported"]
    assert discovery["end_session_endpoint"].endswith("/oidc/logout/")


def test_code_flow_with_pkce_gives_a_signed_id_token_with_acr_sid_and_verified_claims(oauth, browser, discovery):
    user = verified_citizen()
    token, nonce = sign_in_and_get_tokens(oauth, browser, discovery, user)
    claims = decode_id_token(token["id_token"], discovery, nonce)
    assert claims["acr"] == "urn:dichvucong:loa:1"
    assert claims["sub"] == str(user.subject) != str(user.pk)  # opaque, not the row number
    assert claims["personal_identification_number"] == user.pin
    assert claims["sid"] and claims["auth_time"] <= time.time()
    authorization = SsoAuthorization.objects.get(client__client_id="bo-thu-nghiem")
    assert authorization.sid == claims["sid"] and authorization.level == 1
    assert Consent.objects.get(user=user).scopes == "openid profile identity"

    userinfo = oauth.get(discovery["userinfo_endpoint"]).json()
    assert userinfo["sub"] == claims["sub"] and userinfo["name"] == user.full_name
    assert "email" not in userinfo  # the email scope was not asked for


def test_consent_is_asked_once_per_client_and_scope_set(oauth, browser, discovery):
    user = verified_citizen()
    sign_in_and_get_tokens(oauth, browser, discovery, user)
    verifier = new_verifier()
    url, _ = oauth.create_authorization_url(discovery["authorization_endpoint"], code_verifier=verifier,
                                            nonce="n2")
    assert browser.http.get(url).status_code == 302  # no consent page the second time
    wider, _ = oauth.create_authorization_url(discovery["authorization_endpoint"], code_verifier=verifier,
                                              nonce="n3", scope="openid profile identity email")
    assert browser.http.get(wider).status_code == 200  # asks again for the new scope


def test_refresh_tokens_rotate_and_a_used_one_is_refused(oauth, browser, discovery):
    token, _ = sign_in_and_get_tokens(oauth, browser, discovery, verified_citizen())
    first_refresh = token["refresh_token"]
    renewed = oauth.refresh_token(discovery["token_endpoint"], refresh_token=first_refresh)
    assert renewed["refresh_token"] != first_refresh and renewed["access_token"] != token["access_token"]
    with pytest.raises(Exception, match="invalid_grant"):
        oauth.refresh_token(discovery["token_endpoint"], refresh_token=first_refresh)


def test_acr_values_above_the_session_level_send_the_person_to_step_up(oauth, browser, discovery):
    user = verified_citizen()
    browser.sign_in(user.pin)
    response, *_ = authorize(oauth, browser, discovery, acr_values="urn:dichvucong:loa:3")
    assert response.status_code == 302
    location = response.headers["location"]
    assert location.startswith("/tai-khoan/nang-cap/?level=3")
    assert "%2Foidc%2Fauthorize%2F" in location  # comes back to the authorization afterwards


def test_acr_values_are_capped_at_the_clients_maximum_level(oauth, browser, discovery, rp_client):
    rp_client.max_level = 1
    rp_client.save()
    user = verified_citizen()
    token, nonce = sign_in_and_get_tokens(oauth, browser, discovery, user, acr_values="urn:dichvucong:loa:4")
    assert decode_id_token(token["id_token"], discovery, nonce)["acr"] == "urn:dichvucong:loa:1"


def test_unknown_client_and_unregistered_redirect_uri_are_not_redirected_to(browser, discovery, oauth):
    browser.sign_in(verified_citizen().pin)
    unknown = browser.http.get(discovery["authorization_endpoint"], params={
        "client_id": "khong-ton-tai", "response_type": "code", "redirect_uri": REDIRECT_URI, "scope": "openid"})
    assert unknown.status_code == 400 and "location" not in unknown.headers
    assert "Invalid client_id" in unknown.text
    url, _ = oauth.create_authorization_url(discovery["authorization_endpoint"], code_verifier=new_verifier(),
                                            redirect_uri="https://attacker.example/cb")
    wrong = browser.http.get(url)
    assert wrong.status_code == 400 and "attacker.example" not in wrong.headers.get("location", "")


def test_missing_pkce_is_an_invalid_request(browser, discovery, oauth):
    browser.sign_in(verified_citizen().pin)
    response = browser.http.get(discovery["authorization_endpoint"], params={
        "client_id": "bo-thu-nghiem", "response_type": "code", "redirect_uri": REDIRECT_URI, "scope": "openid",
        "state": "s1"})
    assert response.status_code == 302
    assert query(response.headers["location"])["error"] == "invalid_request"


def test_a_code_is_single_use_and_needs_its_verifier(oauth, browser, discovery):
    browser.sign_in(verified_citizen().pin)
    response, verifier, _, _ = authorize(oauth, browser, discovery)
    location = response.headers["location"]
    with pytest.raises(Exception, match="invalid_grant"):
        oauth.fetch_token(discovery["token_endpoint"], authorization_response=location, code_verifier="x" * 50)
    response, verifier, _, _ = authorize(oauth, browser, discovery)
    location = response.headers["location"]
    oauth.fetch_token(discovery["token_endpoint"], authorization_response=location, code_verifier=verifier)
    with pytest.raises(Exception, match="invalid_grant"):
        oauth.fetch_token(discovery["token_endpoint"], authorization_response=location, code_verifier=verifier)


def test_expired_and_tampered_tokens_are_refused(oauth, browser, discovery):
    token, nonce = sign_in_and_get_tokens(oauth, browser, discovery, verified_citizen())
    tampered = token["access_token"][:-2] + ("AA" if not token["access_token"].endswith("AA") else "BB")
    with httpx.Client(transport=wsgi_transport()) as plain:
        response = plain.get(discovery["userinfo_endpoint"], headers={"Authorization": f"Bearer {tampered}"})
    assert response.status_code == 401 and "invalid_token" in response.headers["www-authenticate"]
    from oauth2_provider.models import get_access_token_model

    get_access_token_model().objects.update(expires="2000-01-01T00:00:00Z")
    expired = oauth.get(discovery["userinfo_endpoint"])
    assert expired.status_code == 401 and "invalid_token" in expired.headers["www-authenticate"]
    header, payload, signature = token["id_token"].split(".")
    forged = ".".join([header, payload, signature[::-1]])
    with pytest.raises(BadSignatureError):
        decode_id_token(forged, discovery, nonce)


def test_rp_initiated_logout_ends_the_portal_session(oauth, browser, discovery, django_capture_on_commit_callbacks):
    user = verified_citizen()
    token, _ = sign_in_and_get_tokens(oauth, browser, discovery, user)
    with django_capture_on_commit_callbacks(execute=True):
        response = browser.http.get(discovery["end_session_endpoint"], params={
        "id_token_hint": token["id_token"], "post_logout_redirect_uri": "https://rp.example.vn/",
            "client_id": "bo-thu-nghiem", "state": "bye"})
    assert response.status_code == 302
    assert response.headers["location"].startswith("https://rp.example.vn/?state=bye")
    assert browser.http.get("/tai-khoan/ho-so/").status_code == 302  # signed out at the portal
    assert SsoAuthorization.objects.get(user=user).logged_out_at is not None
    with pytest.raises(Exception, match="invalid_grant"):  # the session's tokens died with it
        oauth.refresh_token(discovery["token_endpoint"], refresh_token=token["refresh_token"])


def test_a_suspended_client_is_refused_at_once(oauth, browser, discovery, rp_client):
    user = verified_citizen()
    token, _ = sign_in_and_get_tokens(oauth, browser, discovery, user)
    rp_client.active = False
    rp_client.save()
    with pytest.raises(Exception, match="invalid_client"):
        oauth.refresh_token(discovery["token_endpoint"], refresh_token=token["refresh_token"])
    url, _ = oauth.create_authorization_url(discovery["authorization_endpoint"], code_verifier=new_verifier())
    response = browser.http.get(url)
    assert response.status_code == 400 and "location" not in response.headers


def test_registering_a_client_in_the_admin_is_audited(admin_user, client):
    from dichvucong.accounts.models import AuditEvent
    from tests.conftest import sign_in_at_level

    admin_client = sign_in_at_level(client, admin_user, 2)

    response = admin_client.post("/quan-tri/sso/client/add/", {
        "name": "Cổng Bộ Y tế", "description": "", "client_id": "bo-y-te", "client_secret": "s" * 40,
        "client_type": "confidential", "authorization_grant_type": "authorization-code",
        "redirect_uris": "https://dichvucong.moh.gov.vn/callback", "post_logout_redirect_uris": "",
        "backchannel_logout_uri": "https://dichvucong.moh.gov.vn/backchannel", "allowed_scopes": "openid profile",
        "max_level": "3", "algorithm": "RS256", "active": "on",
    })
    assert response.status_code == 302, response.content[:2000]
    event = AuditEvent.objects.get(action="client_registered")
    assert event.details == {"client": "bo-y-te"}


def test_each_device_keeps_its_own_sid_and_acr_through_refresh_and_logout(
    oauth, discovery, rp_client, django_capture_on_commit_callbacks
):
    from tests.sso.conftest import BASE, Browser

    user = verified_citizen()
    tokens = {}
    browsers = {}
    for device in ("phone", "laptop"):
        http = httpx.Client(transport=wsgi_transport(), base_url=BASE)
        browsers[device] = Browser(http)
        tokens[device], nonce = sign_in_and_get_tokens(oauth, browsers[device], discovery, user)
        tokens[device]["sid"] = decode_id_token(tokens[device]["id_token"], discovery, nonce)["sid"]
    assert tokens["phone"]["sid"] != tokens["laptop"]["sid"]
    renewed = oauth.refresh_token(discovery["token_endpoint"], refresh_token=tokens["phone"]["refresh_token"])
    header_claims = jwt.decode(renewed["id_token"], KeySet.import_key_set(
        httpx.Client(transport=wsgi_transport()).get(discovery["jwks_uri"]).json()), algorithms=["RS256"]).claims
    assert header_claims["sid"] == tokens["phone"]["sid"]
    phone = browsers["phone"]
    with django_capture_on_commit_callbacks(execute=True):
        phone.http.post("/tai-khoan/dang-xuat/", data={"csrfmiddlewaretoken": phone.csrf("/tai-khoan/ho-so/")})
    with pytest.raises(Exception, match="invalid_grant"):
        oauth.refresh_token(discovery["token_endpoint"], refresh_token=renewed["refresh_token"])
    # The laptop's session and tokens are untouched.
    still = oauth.refresh_token(discovery["token_endpoint"], refresh_token=tokens["laptop"]["refresh_token"])
    assert still["access_token"]


def test_sign_in_and_consent_pages_let_their_forms_lead_on_to_registered_clients(rp_client, client):
    policy = client.get("/tai-khoan/dang-nhap/")["Content-Security-Policy"]
    assert "form-action 'self' https://rp.example.vn;" in policy
    assert "form-action 'self';" in client.get("/")["Content-Security-Policy"]  # elsewhere: same site only
    rp_client.active = False
    rp_client.save()
    assert "rp.example.vn" not in client.get("/tai-khoan/dang-nhap/")["Content-Security-Policy"]


def test_prompt_none_answers_with_an_error_instead_of_asking(oauth, browser, discovery):
    browser.sign_in(verified_citizen().pin)
    url, state = oauth.create_authorization_url(discovery["authorization_endpoint"], code_verifier=new_verifier(),
                                                prompt="none")
    no_consent = browser.http.get(url)
    assert query(no_consent.headers["location"]) == {"error": "consent_required", "state": state}
    browser.authorize(oauth.create_authorization_url(discovery["authorization_endpoint"],
                                                     code_verifier=new_verifier())[0])
    url, state = oauth.create_authorization_url(discovery["authorization_endpoint"], code_verifier=new_verifier(),
                                                prompt="none", acr_values="urn:dichvucong:loa:3")
    assert query(browser.http.get(url).headers["location"])["error"] == "login_required"
    url, _ = oauth.create_authorization_url(discovery["authorization_endpoint"], code_verifier=new_verifier(),
                                            prompt="none")
    assert "code" in query(browser.http.get(url).headers["location"])
