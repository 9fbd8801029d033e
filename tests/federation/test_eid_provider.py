"""The eID provider simulator's published surface: discovery, keys, tokens, userinfo."""

from __future__ import annotations

import httpx
import pytest
from joserfc import jwt
from joserfc.jwk import KeySet

from dichvucong.registries import eid

pytestmark = pytest.mark.django_db


def test_discovery_names_the_configured_issuer_and_its_endpoints(eid_sim):
    document = httpx.get(f"{eid_sim.issuer}/.well-known/openid-configuration", timeout=5).json()

    assert document["issuer"] == eid_sim.issuer
    assert document["token_endpoint"] == f"{eid_sim.issuer}/token"
    assert document["code_challenge_methods_supported"] == ["S256"]
    assert set(document["token_endpoint_auth_methods_supported"]) == {
        "client_secret_basic",
        "client_secret_post",
    }
    assert document["acr_values_supported"] == ["urn:vn:eid:level:1", "urn:vn:eid:level:2"]


def test_jwks_publishes_one_public_rs256_key(eid_sim):
    keys = httpx.get(f"{eid_sim.issuer}/jwks", timeout=5).json()["keys"]

    assert len(keys) == 1
    assert keys[0]["kty"] == "RSA" and keys[0]["alg"] == "RS256" and keys[0]["kid"]
    assert "d" not in keys[0]  # never the private part


def _code(eid_sim, person):
    start = eid.start_login(eid_sim.redirect_uri)
    answer = eid_sim.browser_sign_in(start.authorization_url, pin=person.pin)
    return start, answer.code


def test_token_endpoint_accepts_client_secret_post_and_userinfo_answers(eid_sim, level2_person):
    start, code = _code(eid_sim, level2_person)

    response = httpx.post(
        f"{eid_sim.issuer}/token",
        data={
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": eid_sim.redirect_uri,
            "code_verifier": start.code_verifier,
            "client_id": "dichvucong-portal",
            "client_secret": "sim-eid-secret",
        },
        timeout=5,
    )

    assert response.status_code == 200, response.text
    assert response.headers["cache-control"] == "no-store"
    tokens = response.json()
    keys = KeySet.import_key_set(httpx.get(f"{eid_sim.issuer}/jwks", timeout=5).json())
    claims = jwt.decode(tokens["id_token"], keys, algorithms=["RS256"]).claims
    assert claims["aud"] == "dichvucong-portal"
    assert claims["acr"] == "urn:vn:eid:level:2"
    assert claims["amr"] == ["pwd"]
    assert claims["exp"] > claims["iat"]
    assert claims["personal_identification_number"] == level2_person.pin
    assert claims["sub"] != level2_person.pin

    info = httpx.get(
        f"{eid_sim.issuer}/userinfo",
        headers={"Authorization": f"Bearer {tokens['access_token']}"},
        timeout=5,
    )
    assert info.status_code == 200
    assert info.json()["sub"] == claims["sub"]
    assert info.json()["name"] == level2_person.full_name
    # The portal asked for no phone scope, so none is released.
    assert "phone_number" not in info.json()


def test_token_endpoint_refuses_a_wrong_client_secret(eid_sim, level2_person):
    start, code = _code(eid_sim, level2_person)

    response = httpx.post(
        f"{eid_sim.issuer}/token",
        data={
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": eid_sim.redirect_uri,
            "code_verifier": start.code_verifier,
        },
        auth=("dichvucong-portal", "wrong"),
        timeout=5,
    )

    assert response.status_code == 401
    assert response.json()["error"] == "invalid_client"


def test_userinfo_refuses_an_unknown_token(eid_sim):
    response = httpx.get(
        f"{eid_sim.issuer}/userinfo", headers={"Authorization": "Bearer nope"}, timeout=5
    )

    assert response.status_code == 401
    assert "invalid_token" in response.headers["www-authenticate"]


def test_faults_refuse_an_unknown_mode(eid_sim):
    response = httpx.post(f"{eid_sim.issuer}/faults", json={"mode": "chaos"}, timeout=5)

    assert response.status_code == 400


def test_logout_ends_the_provider_session(eid_sim, level2_person):
    with httpx.Client(follow_redirects=False, timeout=10) as browser:
        first = eid.start_login(eid_sim.redirect_uri)
        eid_sim.browser_sign_in(first.authorization_url, pin=level2_person.pin, browser=browser)
        back = browser.get(
            f"{eid_sim.issuer}/logout",
            params={
                "client_id": "dichvucong-portal",
                "post_logout_redirect_uri": eid_sim.base_url + "/",
                "state": "after-logout",
            },
        )
        assert back.status_code == 302
        assert back.headers["location"] == eid_sim.base_url + "/?state=after-logout"

        second = eid.start_login(eid_sim.redirect_uri)
        response = browser.get(second.authorization_url)

    assert "/sim/eid/login?" in response.headers["location"]
