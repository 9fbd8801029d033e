"""The demo ministry portal as an OpenID Connect relying party (B5).

The national provider may not be running here, so its side is played by a locally generated
RSA key (published to the client through ``MINISTRY_SIM_JWKS``) and by stand-ins for
discovery and the token and userinfo endpoints. Everything of the relying party itself runs
for real: PKCE, state, nonce, signature and claim checks, sessions, back-channel logout.
"""

from __future__ import annotations

import base64
import hashlib
import json
import time
import uuid
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from jwcrypto import jwk, jwt

from simulators.ministry import client as relying_party
from simulators.ministry import sessions

ISSUER = "https://op.example.test/oidc"
CLIENT_ID = "bo-gia-lap"
CLIENT_SECRET = "bo-gia-lap-secret"
HOME = "/sim/ministry/"
BACKCHANNEL = "/sim/ministry/backchannel-logout/"
EVENT = "http://schemas.openid.net/event/backchannel-logout"
DISCOVERY = {
    "issuer": ISSUER,
    "authorization_endpoint": f"{ISSUER}/authorize/",
    "token_endpoint": f"{ISSUER}/token/",
    "userinfo_endpoint": f"{ISSUER}/userinfo/",
    "jwks_uri": f"{ISSUER}/.well-known/jwks.json",
    "end_session_endpoint": f"{ISSUER}/logout/",
}


# Saved before the autouse fixture below replaces it, for the tests of discovery itself.
REAL_LOAD_DISCOVERY = relying_party.load_discovery


@pytest.fixture(scope="module")
def provider_key() -> jwk.JWK:
    return jwk.JWK.generate(kty="RSA", size=2048, kid="provider-key", use="sig", alg="RS256")


@pytest.fixture(scope="module")
def intruder_key() -> jwk.JWK:
    # Same kid as the provider's: only the signature check can tell the two apart.
    return jwk.JWK.generate(kty="RSA", size=2048, kid="provider-key", use="sig", alg="RS256")


@pytest.fixture(autouse=True)
def provider(settings, provider_key, monkeypatch) -> None:
    settings.MINISTRY_SIM_ISSUER = ISSUER
    settings.MINISTRY_SIM_CLIENT_ID = CLIENT_ID
    settings.MINISTRY_SIM_CLIENT_SECRET = CLIENT_SECRET
    settings.MINISTRY_SIM_JWKS = {"keys": [json.loads(provider_key.export_public())]}
    monkeypatch.setattr(relying_party, "load_discovery", lambda: dict(DISCOVERY))


def sign(key: jwk.JWK, claims: dict[str, Any], *, typ: str = "logout+jwt") -> str:
    token = jwt.JWT(header={"alg": "RS256", "typ": typ, "kid": key["kid"]}, claims=claims)
    token.make_signed_token(key)
    return token.serialize()


def logout_claims(**changes: Any) -> dict[str, Any]:
    now = int(time.time())
    claims = {
        "iss": ISSUER,
        "aud": CLIENT_ID,
        "iat": now,
        "exp": now + 120,
        "jti": str(uuid.uuid4()),
        "sub": "42",
        "sid": "op-session-1",
        "events": {EVENT: {}},
    }
    claims.update(changes)
    return {name: value for name, value in claims.items() if value is not None}


def signed_in(client_, *, sub: str = "42", sid: str = "op-session-1") -> str:
    """A signed-in session as the callback leaves it, with its cookie in the test client."""
    session_id = sessions.start_signed_in_session(
        None,
        {
            "sub": sub,
            "sid": sid,
            "id_token": "x.y.z",
            "userinfo": {"sub": sub, "name": "Nguyễn Văn An"},
        },
    )
    client_.cookies[sessions.COOKIE_NAME] = session_id
    return session_id


def test_home_signed_out_offers_national_sign_in(client):
    response = client.get(HOME)

    assert response.status_code == 200
    page = response.content.decode()
    assert "Đăng nhập bằng tài khoản Cổng Dịch vụ công quốc gia" in page
    assert 'Trang giả lập để trình diễn / <span lang="en">Simulator for demonstration' in page
    assert "simulators/ministry/ministry.css" in page
    assert "style=" not in page and "<style" not in page and "<script" not in page
    assert sessions.COOKIE_NAME not in response.cookies


def test_login_redirect_carries_pkce_state_nonce_and_acr(client):
    response = client.get("/sim/ministry/login/?acr=3")

    assert response.status_code == 302
    location = urlsplit(response["Location"])
    assert (
        f"{location.scheme}://{location.netloc}{location.path}"
        == DISCOVERY["authorization_endpoint"]
    )
    query = {name: values[0] for name, values in parse_qs(location.query).items()}
    assert query["response_type"] == "code"
    assert query["client_id"] == CLIENT_ID
    assert query["redirect_uri"] == "http://testserver/sim/ministry/callback/"
    assert query["scope"] == "openid profile identity"
    assert query["acr_values"] == "urn:dichvucong:loa:3"
    assert query["code_challenge_method"] == "S256"
    assert len(query["state"]) >= 32 and len(query["nonce"]) >= 32
    cookie = response.cookies[sessions.COOKIE_NAME]
    assert cookie["path"] == "/sim/ministry/" and cookie["httponly"] and cookie["samesite"] == "Lax"
    # The challenge is the S256 of the verifier kept server-side for this browser.
    pending = sessions.load(cookie.value)["pending"][query["state"]]
    digest = hashlib.sha256(pending["code_verifier"].encode()).digest()
    assert query["code_challenge"] == base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
    assert pending["nonce"] == query["nonce"]
    assert pending["code_verifier"] not in response["Location"]


def test_login_without_level_asks_for_none_and_refuses_unknown_levels(client):
    plain = parse_qs(urlsplit(client.get("/sim/ministry/login/")["Location"]).query)
    assert "acr_values" not in plain

    assert client.get("/sim/ministry/login/?acr=7").status_code == 400


def test_callback_with_wrong_state_is_refused(client):
    client.get("/sim/ministry/login/")

    response = client.get("/sim/ministry/callback/", {"code": "abc", "state": "not-the-state"})

    assert response.status_code == 400
    assert "invalid_state" in response.content.decode()


def test_callback_reports_refused_consent(client):
    location = client.get("/sim/ministry/login/")["Location"]
    state = parse_qs(urlsplit(location).query)["state"][0]

    response = client.get("/sim/ministry/callback/", {"error": "access_denied", "state": state})

    assert response.status_code == 400
    assert "access_denied" in response.content.decode()


class FakeProvider:
    """Token and userinfo endpoints of the provider, as httpx would reach them."""

    def __init__(self, key: jwk.JWK) -> None:
        self.key = key
        self.token_requests: list[dict[str, Any]] = []
        self.nonce = ""
        self.id_token_changes: dict[str, Any] = {}

    def post(
        self, url: str, *, data: dict[str, str], headers: dict[str, str], **_: Any
    ) -> httpx.Response:
        self.token_requests.append({"url": url, "data": data, "headers": headers})
        now = int(time.time())
        id_token = sign(
            self.key,
            {
                "iss": ISSUER,
                "aud": CLIENT_ID,
                "sub": "42",
                "iat": now,
                "exp": now + 600,
                "auth_time": now - 5,
                "nonce": self.nonce,
                "sid": "op-session-9",
                "acr": "urn:dichvucong:loa:3",
                **self.id_token_changes,
            },
            typ="JWT",
        )
        body = {
            "access_token": "at-1",
            "token_type": "Bearer",
            "id_token": id_token,
            "scope": "openid profile identity",
        }
        return httpx.Response(200, json=body)

    def get(self, url: str, *, headers: dict[str, str], **_: Any) -> httpx.Response:
        assert url == DISCOVERY["userinfo_endpoint"] and headers["Authorization"] == "Bearer at-1"
        return httpx.Response(
            200,
            json={
                "sub": "42",
                "name": "Nguyễn Văn An",
                "personal_identification_number": "001090000042",
            },
        )


def sign_in_through_callback(client_, fake: FakeProvider, monkeypatch) -> tuple[Any, str, str]:
    """Login then callback; returns the callback's response, the state and the pre-sign-in cookie."""
    monkeypatch.setattr(httpx, "post", fake.post)
    monkeypatch.setattr(httpx, "get", fake.get)
    login = client_.get("/sim/ministry/login/?acr=3")
    query = {
        name: values[0] for name, values in parse_qs(urlsplit(login["Location"]).query).items()
    }
    fake.nonce = fake.id_token_changes.pop("nonce", query["nonce"])
    response = client_.get("/sim/ministry/callback/", {"code": "code-1", "state": query["state"]})
    return response, query["state"], login.cookies[sessions.COOKIE_NAME].value


def test_sign_in_validates_id_token_and_shows_claims_then_logs_out_at_provider(
    client, provider_key, monkeypatch
):
    fake = FakeProvider(provider_key)

    response, state, login_cookie = sign_in_through_callback(client, fake, monkeypatch)

    assert response.status_code == 302 and response["Location"] == HOME
    (token_request,) = fake.token_requests
    assert (
        token_request["headers"]["Authorization"]
        == "Basic " + base64.b64encode(f"{CLIENT_ID}:{CLIENT_SECRET}".encode()).decode()
    )
    assert token_request["data"]["grant_type"] == "authorization_code"
    assert token_request["data"]["redirect_uri"] == "http://testserver/sim/ministry/callback/"
    assert len(token_request["data"]["code_verifier"]) >= 43
    assert response.cookies[sessions.COOKIE_NAME].value != login_cookie  # rotated at sign-in

    page = client.get(HOME).content.decode()
    assert "Nguyễn Văn An" in page and "001090000042" in page
    assert "urn:dichvucong:loa:3" in page and "op-session-9" in page
    assert "Yêu cầu mức 3" in page and "Đăng xuất" in page
    # A callback URL works once: the same state again is refused.
    replay = client.get("/sim/ministry/callback/", {"code": "code-1", "state": state})
    assert replay.status_code == 400

    logout = client.get("/sim/ministry/logout/")
    target = urlsplit(logout["Location"])
    query = {name: values[0] for name, values in parse_qs(target.query).items()}
    assert f"{target.scheme}://{target.netloc}{target.path}" == DISCOVERY["end_session_endpoint"]
    assert query["post_logout_redirect_uri"] == "http://testserver/sim/ministry/"
    assert query["client_id"] == CLIENT_ID and query["state"]
    assert jwt.JWT(jwt=query["id_token_hint"], key=provider_key).claims
    assert "Đăng nhập bằng tài khoản" in client.get(HOME).content.decode()


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"nonce": "someone-elses-nonce"}, "invalid_nonce"),
        ({"aud": "another-portal"}, "invalid_audience"),
        ({"iss": "https://evil.example/oidc"}, "invalid_issuer"),
        ({"exp": int(time.time()) - 3600}, "token_expired"),
    ],
)
def test_callback_refuses_an_invalid_id_token(client, provider_key, monkeypatch, changes, code):
    fake = FakeProvider(provider_key)
    fake.id_token_changes = dict(changes)

    response, _, _ = sign_in_through_callback(client, fake, monkeypatch)

    assert response.status_code == 400
    assert code in response.content.decode()
    assert "Đăng nhập bằng tài khoản" in client.get(HOME).content.decode()


def test_valid_logout_token_ends_only_the_sessions_of_its_sid(client, provider_key):
    signed_in(client, sid="op-session-1")
    other = sessions.start_signed_in_session(None, {"sub": "77", "sid": "op-session-2"})

    response = client.post(BACKCHANNEL, {"logout_token": sign(provider_key, logout_claims())})

    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    assert "Đăng nhập bằng tài khoản" in client.get(HOME).content.decode()
    assert sessions.load(other) is not None


def test_logout_token_with_sub_only_ends_every_session_of_that_person(client, provider_key):
    first = sessions.start_signed_in_session(None, {"sub": "42", "sid": "op-a"})
    second = sessions.start_signed_in_session(None, {"sub": "42", "sid": "op-b"})

    token = sign(provider_key, logout_claims(sid=None))
    assert client.post(BACKCHANNEL, {"logout_token": token}).status_code == 200

    assert sessions.load(first) is None and sessions.load(second) is None


@pytest.mark.parametrize(
    ("case", "build"),
    [
        ("wrong signature", lambda good, bad: sign(bad, logout_claims())),
        ("wrong audience", lambda good, bad: sign(good, logout_claims(aud="another-portal"))),
        ("wrong issuer", lambda good, bad: sign(good, logout_claims(iss="https://evil.example"))),
        ("missing events", lambda good, bad: sign(good, logout_claims(events=None))),
        ("other event", lambda good, bad: sign(good, logout_claims(events={"urn:other": {}}))),
        ("nonce present", lambda good, bad: sign(good, logout_claims(nonce="n-1"))),
        ("missing sid and sub", lambda good, bad: sign(good, logout_claims(sid=None, sub=None))),
        ("missing iat", lambda good, bad: sign(good, logout_claims(iat=None))),
        ("stale iat", lambda good, bad: sign(good, logout_claims(iat=int(time.time()) - 3600))),
        ("missing jti", lambda good, bad: sign(good, logout_claims(jti=None))),
        ("typed as access token", lambda good, bad: sign(good, logout_claims(), typ="at+jwt")),
        ("not a JWT", lambda good, bad: "not-a-token"),
    ],
)
def test_invalid_logout_token_is_refused_and_ends_nothing(
    client, provider_key, intruder_key, case, build
):
    session_id = signed_in(client)

    response = client.post(BACKCHANNEL, {"logout_token": build(provider_key, intruder_key)})

    assert response.status_code == 400, case
    assert response.json()["error"] == "invalid_request"
    assert response["Cache-Control"] == "no-store"
    assert sessions.load(session_id) is not None


def test_unsigned_logout_token_is_refused(client):
    session_id = signed_in(client)
    header = base64.urlsafe_b64encode(b'{"alg":"none"}').rstrip(b"=").decode()
    payload = base64.urlsafe_b64encode(json.dumps(logout_claims()).encode()).rstrip(b"=").decode()

    response = client.post(BACKCHANNEL, {"logout_token": f"{header}.{payload}."})

    assert response.status_code == 400
    assert sessions.load(session_id) is not None


def test_replayed_logout_token_is_refused(client, provider_key):
    token = sign(provider_key, logout_claims())
    assert client.post(BACKCHANNEL, {"logout_token": token}).status_code == 200
    session_id = signed_in(client)

    response = client.post(BACKCHANNEL, {"logout_token": token})

    assert response.status_code == 400
    assert "already used" in response.json()["error_description"]
    assert sessions.load(session_id) is not None


def test_backchannel_endpoint_needs_a_posted_token(client):
    assert client.post(BACKCHANNEL, {}).status_code == 400
    assert client.get(BACKCHANNEL).status_code == 405


def test_discovery_naming_another_issuer_is_not_trusted(client, monkeypatch):
    monkeypatch.setattr(relying_party, "load_discovery", REAL_LOAD_DISCOVERY)
    look_alike = {**DISCOVERY, "issuer": "https://evil.example/oidc"}
    monkeypatch.setattr(httpx, "get", lambda url, **_: httpx.Response(200, json=look_alike))

    response = client.get("/sim/ministry/login/")

    assert response.status_code == 502
    assert "discovery_mismatch" in response.content.decode()


def test_keys_come_from_the_jwks_uri_and_are_fetched_again_after_a_rotation(
    client, settings, provider_key, monkeypatch
):
    """The key set is fetched through discovery, cached, and fetched again for an unknown kid."""
    monkeypatch.setattr(relying_party, "load_discovery", REAL_LOAD_DISCOVERY)
    settings.MINISTRY_SIM_JWKS = None
    old_key = jwk.JWK.generate(kty="RSA", size=2048, kid="old-key")
    published = {"keys": [json.loads(old_key.export_public())]}
    fetched: list[str] = []

    def fake_get(url: str, **_: Any) -> httpx.Response:
        fetched.append(url)
        if url == f"{ISSUER}/.well-known/openid-configuration":
            return httpx.Response(200, json=DISCOVERY)
        assert url == DISCOVERY["jwks_uri"]
        return httpx.Response(200, json=published)

    monkeypatch.setattr(httpx, "get", fake_get)
    session_id = signed_in(client)
    assert (
        client.post(BACKCHANNEL, {"logout_token": sign(old_key, logout_claims())}).status_code
        == 200
    )
    # The provider rotates to a new key; the cached set does not know it yet.
    published = {"keys": [json.loads(provider_key.export_public())]}
    session_id = signed_in(client)

    response = client.post(BACKCHANNEL, {"logout_token": sign(provider_key, logout_claims())})

    assert response.status_code == 200
    assert sessions.load(session_id) is None
    assert fetched.count(DISCOVERY["jwks_uri"]) == 2
