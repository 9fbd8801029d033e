"""Signing in through the national eID: the journey that works, end to end over HTTP."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from dichvucong.registries import eid

pytestmark = pytest.mark.django_db


def _sign_in(eid_sim, person, **kwargs):
    start = eid.start_login(eid_sim.redirect_uri)
    answer = eid_sim.browser_sign_in(start.authorization_url, pin=person.pin, **kwargs)
    return start, answer


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


def test_authorization_url_asks_for_the_code_flow_with_pkce(eid_sim):
    start = eid.start_login(eid_sim.redirect_uri)

    query = {k: v[0] for k, v in parse_qs(urlsplit(start.authorization_url).query).items()}
    assert start.authorization_url.startswith(eid_sim.issuer + "/authorize?")
    assert query["response_type"] == "code"
    assert query["client_id"] == "dichvucong-portal"
    assert query["redirect_uri"] == eid_sim.redirect_uri
    assert query["code_challenge_method"] == "S256"
    assert query["code_challenge"] and start.code_verifier not in start.authorization_url
    assert query["state"] == start.state and query["nonce"] == start.nonce
    assert "openid" in query["scope"].split()


def test_a_level_2_account_signs_in_and_the_portal_learns_who_it_is(eid_sim, level2_person):
    start, answer = _sign_in(eid_sim, level2_person)
    assert answer.code, answer.response.text
    assert answer.state == start.state

    identity = _complete(eid_sim, start, answer)

    assert identity.pin == level2_person.pin
    assert identity.full_name == level2_person.full_name
    assert identity.date_of_birth == level2_person.date_of_birth
    assert identity.sex == level2_person.sex
    assert identity.address == level2_person.permanent_address
    assert identity.eid_level == 2
    assert identity.subject and level2_person.pin not in identity.subject


def test_a_level_1_account_is_reported_at_level_1(eid_sim, level1_person):
    start, answer = _sign_in(eid_sim, level1_person)

    assert _complete(eid_sim, start, answer).eid_level == 1


def test_the_subject_is_stable_across_sign_ins(eid_sim, level2_person):
    first = _complete(eid_sim, *_sign_in(eid_sim, level2_person))
    second = _complete(eid_sim, *_sign_in(eid_sim, level2_person))

    assert first.subject == second.subject


def test_identity_repr_keeps_personal_data_out_of_logs(eid_sim, level2_person):
    identity = _complete(eid_sim, *_sign_in(eid_sim, level2_person))

    assert level2_person.pin not in repr(identity)
    assert level2_person.full_name not in repr(identity)


def test_a_wrong_password_stays_on_the_login_page(eid_sim, level2_person):
    start = eid.start_login(eid_sim.redirect_uri)

    answer = eid_sim.browser_sign_in(
        start.authorization_url, pin=level2_person.pin, password="not-the-password"
    )

    assert answer.response.status_code == 200
    assert answer.params == {}
    assert 'role="alert"' in answer.response.text
    assert "mật khẩu không đúng" in answer.response.text


def test_an_unknown_pin_is_refused_like_a_wrong_password(eid_sim):
    start = eid.start_login(eid_sim.redirect_uri)

    answer = eid_sim.browser_sign_in(start.authorization_url, pin="000000000000")

    assert answer.response.status_code == 200 and answer.params == {}


def test_a_signed_in_browser_is_not_asked_for_the_password_again(eid_sim, level2_person):
    with httpx.Client(follow_redirects=False, timeout=10) as browser:
        first = eid.start_login(eid_sim.redirect_uri)
        eid_sim.browser_sign_in(first.authorization_url, pin=level2_person.pin, browser=browser)

        second = eid.start_login(eid_sim.redirect_uri)
        response = browser.get(second.authorization_url)
        assert "/sim/eid/consent?" in response.headers["location"]
        answer = eid_sim.browser_sign_in(second.authorization_url, pin="", browser=browser)

    assert _complete(eid_sim, second, answer).pin == level2_person.pin


def test_the_provider_session_cookie_is_its_own(eid_sim):
    start = eid.start_login(eid_sim.redirect_uri)

    response = httpx.get(start.authorization_url, timeout=10)

    cookie = response.headers["set-cookie"]
    assert cookie.startswith("eid_sim_session=")
    assert "HttpOnly" in cookie
    assert "Path=/sim/eid/" in cookie
    assert "SameSite=Lax" in cookie
    assert "sessionid" not in response.headers.get("set-cookie", "")
