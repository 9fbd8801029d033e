import re
import time

import pyotp
import pytest
from django_otp.plugins.otp_totp.models import TOTPDevice

from dichvucong.accounts.models import Passkey
from dichvucong.accounts.sessions import SESSION_AUTH_KEY
from tests.accounts.factories import UserFactory, verified_citizen
from tests.accounts.helpers import (
    add_passkey,
    csrf_client,
    csrf_token,
    json_post,
    passkey_sign_in,
    post_form,
    sign_in,
)
from tests.accounts.soft_authenticator import SoftAuthenticator

pytestmark = pytest.mark.django_db


def enrol_totp(client) -> pyotp.TOTP:
    page = client.get("/tai-khoan/bao-mat/ung-dung-xac-thuc/").content.decode()
    secret = re.search(r'data-totp-secret>([A-Z2-7]+)<', page).group(1)
    totp = pyotp.TOTP(secret)
    response = post_form(client, "/tai-khoan/bao-mat/ung-dung-xac-thuc/", {"code": totp.now()},
                         token_from="/tai-khoan/bao-mat/")
    assert response.status_code == 302
    return totp


def next_code(totp: pyotp.TOTP) -> str:
    """The code of the next 30-second step: the enrolment already used this step's code,
    and django-otp accepts one step of clock drift but never a step it has seen."""
    return totp.at(time.time() + 30)


def test_totp_enrolment_then_sign_in_needs_the_code_and_reaches_level_two():
    user = verified_citizen()
    client = csrf_client()
    sign_in(client, user.pin)
    totp = enrol_totp(client)
    assert TOTPDevice.objects.get(user=user).confirmed

    browser = csrf_client()
    first = sign_in(browser, user.pin)
    assert first["Location"] == "/tai-khoan/dang-nhap/buoc-hai/"
    assert SESSION_AUTH_KEY not in browser.session  # not signed in after the password alone
    assert browser.get("/tai-khoan/ho-so/").status_code == 302
    wrong = post_form(browser, "/tai-khoan/dang-nhap/buoc-hai/", {"code": "000000"})
    assert "Mã không đúng" in wrong.content.decode()
    time.sleep(1.1)  # django-otp throttles a device for 2^(failures-1) s after a wrong code
    done = post_form(browser, "/tai-khoan/dang-nhap/buoc-hai/", {"code": next_code(totp)})
    assert done.status_code == 302
    assert browser.session[SESSION_AUTH_KEY]["level"] == 2
    assert browser.session[SESSION_AUTH_KEY]["methods"] == ["password", "totp"]


def test_a_totp_code_cannot_be_used_twice():
    user = verified_citizen()
    client = csrf_client()
    sign_in(client, user.pin)
    totp = enrol_totp(client)
    code = next_code(totp)
    first = csrf_client()
    sign_in(first, user.pin)
    assert post_form(first, "/tai-khoan/dang-nhap/buoc-hai/", {"code": code}).status_code == 302
    second = csrf_client()
    sign_in(second, user.pin)
    replay = post_form(second, "/tai-khoan/dang-nhap/buoc-hai/", {"code": code})
    assert replay.status_code == 200


def test_an_unverified_identity_stays_at_level_one_whatever_the_factors():
    user = UserFactory()
    client = csrf_client()
    sign_in(client, user.pin)
    totp = enrol_totp(client)
    browser = csrf_client()
    sign_in(browser, user.pin)
    post_form(browser, "/tai-khoan/dang-nhap/buoc-hai/", {"code": next_code(totp)})
    assert browser.session[SESSION_AUTH_KEY]["level"] == 1


def test_a_passkey_signs_in_without_password_at_level_three():
    user = verified_citizen()
    client = csrf_client()
    sign_in(client, user.pin)
    authenticator = SoftAuthenticator()
    add_passkey(client, authenticator)
    assert Passkey.objects.get(user=user).name == "Điện thoại"

    browser = csrf_client()
    response = passkey_sign_in(browser, authenticator)
    assert response.status_code == 200 and response.json()["ok"]
    assert browser.session[SESSION_AUTH_KEY]["level"] == 3
    assert Passkey.objects.get(user=user).sign_count == authenticator.counter


def test_a_tampered_or_replayed_passkey_assertion_is_refused():
    user = verified_citizen()
    client = csrf_client()
    sign_in(client, user.pin)
    authenticator = SoftAuthenticator()
    add_passkey(client, authenticator)
    assert passkey_sign_in(csrf_client(), authenticator, tamper=True).status_code == 400

    browser = csrf_client()
    token = csrf_token(browser, "/tai-khoan/dang-nhap/")
    options = json_post(browser, "/tai-khoan/khoa-truy-cap/authenticate/tuy-chon/", {}, token).json()
    assertion = authenticator.get(options)
    assert json_post(browser, "/tai-khoan/khoa-truy-cap/authenticate/xac-minh/", assertion, token).status_code == 200
    # The challenge is single-use: the same assertion again finds no challenge to match.
    again = csrf_client()
    token = csrf_token(again, "/tai-khoan/dang-nhap/")
    json_post(again, "/tai-khoan/khoa-truy-cap/authenticate/tuy-chon/", {}, token)
    assert json_post(again, "/tai-khoan/khoa-truy-cap/authenticate/xac-minh/", assertion, token).status_code == 400


def test_a_passkey_from_another_origin_is_refused():
    user = verified_citizen()
    client = csrf_client()
    sign_in(client, user.pin)
    phishing = SoftAuthenticator(origin="http://testserver.evil.example")
    token = csrf_token(client, "/tai-khoan/bao-mat/")
    options = json_post(client, "/tai-khoan/khoa-truy-cap/register/tuy-chon/", {}, token).json()
    response = json_post(client, "/tai-khoan/khoa-truy-cap/register/xac-minh/", phishing.create(options), token)
    assert response.status_code == 400
    assert not Passkey.objects.filter(user=user).exists()


def test_registering_a_passkey_needs_a_signed_in_user():
    client = csrf_client()
    token = csrf_token(client, "/tai-khoan/dang-nhap/")
    assert json_post(client, "/tai-khoan/khoa-truy-cap/register/tuy-chon/", {}, token).status_code == 403
