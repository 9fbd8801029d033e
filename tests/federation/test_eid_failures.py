"""What goes wrong in an eID sign-in, and how the portal's client reports each failure."""

from __future__ import annotations

import socket
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx
import pytest

from dichvucong.registries import eid

pytestmark = pytest.mark.django_db


def _complete(eid_sim, start, answer, **overrides):
    arguments = {
        "redirect_uri": eid_sim.redirect_uri,
        "code": answer.code,
        "state": answer.state,
        "expected_state": start.state,
        "nonce": start.nonce,
        "code_verifier": start.code_verifier,
        **overrides,
    }
    return eid.complete_login(**arguments)


def _error_code(call) -> str:
    with pytest.raises(eid.EidError) as caught:
        call()
    return caught.value.code


def test_provider_refusing_access_is_access_denied(eid_sim, level2_person):
    eid_sim.set_fault("access_denied")
    start = eid.start_login(eid_sim.redirect_uri)

    answer = eid_sim.browser_sign_in(start.authorization_url, pin=level2_person.pin)

    assert answer.params["error"] == "access_denied" and not answer.code
    code = _error_code(lambda: _complete(eid_sim, start, answer, error=answer.params["error"]))
    assert code == "access_denied"


def test_person_declining_consent_is_access_denied(eid_sim, level2_person):
    start = eid.start_login(eid_sim.redirect_uri)

    answer = eid_sim.browser_sign_in(
        start.authorization_url, pin=level2_person.pin, decision="deny"
    )

    assert answer.params["error"] == "access_denied"
    assert answer.params["iss"] == eid_sim.issuer
    assert _error_code(lambda: _complete(eid_sim, start, answer, error="access_denied")) == (
        "access_denied"
    )


def test_id_token_signed_with_a_foreign_key_is_invalid(eid_sim, level2_person):
    start = eid.start_login(eid_sim.redirect_uri)
    answer = eid_sim.browser_sign_in(start.authorization_url, pin=level2_person.pin)
    eid_sim.set_fault("bad_signature")

    assert _error_code(lambda: _complete(eid_sim, start, answer)) == "invalid_id_token"


def test_a_nonce_from_another_request_makes_the_id_token_invalid(eid_sim, level2_person):
    start = eid.start_login(eid_sim.redirect_uri)
    answer = eid_sim.browser_sign_in(start.authorization_url, pin=level2_person.pin)

    code = _error_code(lambda: _complete(eid_sim, start, answer, nonce="another-nonce"))

    assert code == "invalid_id_token"


def test_provider_down_before_the_sign_in_is_provider_unavailable(eid_sim):
    eid_sim.set_fault("down")

    assert _error_code(lambda: eid.start_login(eid_sim.redirect_uri)) == "provider_unavailable"


def test_provider_down_at_the_token_exchange_is_provider_unavailable(eid_sim, level2_person):
    start = eid.start_login(eid_sim.redirect_uri)
    answer = eid_sim.browser_sign_in(start.authorization_url, pin=level2_person.pin)
    eid_sim.set_fault("down")

    assert _error_code(lambda: _complete(eid_sim, start, answer)) == "provider_unavailable"


def test_unreachable_provider_is_provider_unavailable(settings, eid_sim):
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    settings.EID_ISSUER = f"http://127.0.0.1:{port}/sim/eid"

    assert _error_code(lambda: eid.start_login(eid_sim.redirect_uri)) == "provider_unavailable"


def test_a_callback_with_another_state_is_refused(eid_sim, level2_person):
    start = eid.start_login(eid_sim.redirect_uri)
    answer = eid_sim.browser_sign_in(start.authorization_url, pin=level2_person.pin)

    assert (
        _error_code(lambda: _complete(eid_sim, start, answer, state="forged")) == "state_mismatch"
    )
    # An error answer with a forged state is refused as forged, not shown as a refusal.
    code = _error_code(lambda: _complete(eid_sim, start, answer, state="", error="access_denied"))
    assert code == "state_mismatch"


def test_a_replayed_code_is_refused_and_revokes_the_first_token(eid_sim, level2_person):
    start = eid.start_login(eid_sim.redirect_uri)
    answer = eid_sim.browser_sign_in(start.authorization_url, pin=level2_person.pin)
    assert _complete(eid_sim, start, answer).pin == level2_person.pin

    assert _error_code(lambda: _complete(eid_sim, start, answer)) == "token_exchange_failed"


def test_a_wrong_pkce_verifier_is_refused(eid_sim, level2_person):
    start = eid.start_login(eid_sim.redirect_uri)
    answer = eid_sim.browser_sign_in(start.authorization_url, pin=level2_person.pin)

    code = _error_code(lambda: _complete(eid_sim, start, answer, code_verifier="x" * 64))

    assert code == "token_exchange_failed"


def test_an_unregistered_redirect_uri_is_refused_without_redirecting(eid_sim):
    start = eid.start_login(eid_sim.base_url + "/somewhere-else/")

    response = httpx.get(start.authorization_url, timeout=10)

    assert response.status_code == 400
    assert "location" not in response.headers
    assert "not registered" in response.text


def test_an_authorization_request_without_pkce_is_refused(eid_sim):
    query = {
        "response_type": "code",
        "client_id": "dichvucong-portal",
        "redirect_uri": eid_sim.redirect_uri,
        "scope": "openid profile identity",
        "state": "s" * 32,
        "nonce": "n" * 32,
    }

    without = httpx.get(f"{eid_sim.issuer}/authorize?{urlencode(query)}", timeout=10)
    plain = httpx.get(
        f"{eid_sim.issuer}/authorize?"
        + urlencode({**query, "code_challenge": "c" * 43, "code_challenge_method": "plain"}),
        timeout=10,
    )

    for response in (without, plain):
        assert response.status_code == 302
        location = response.headers["location"]
        assert location.startswith(eid_sim.redirect_uri)
        params = parse_qs(urlsplit(location).query)
        assert params["error"] == ["invalid_request"]
        assert params["state"] == ["s" * 32]
        assert "code" not in params
