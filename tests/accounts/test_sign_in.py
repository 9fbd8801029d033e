import time

import pytest
from django.test import Client

from dichvucong.accounts.models import AuditEvent, UserSession
from dichvucong.accounts.sessions import SESSION_AUTH_KEY
from tests.accounts.factories import PASSWORD, UserFactory
from tests.accounts.helpers import csrf_client, sign_in

pytestmark = pytest.mark.django_db


def test_password_sign_in_by_number_or_confirmed_email_gives_level_one_and_a_new_session_key():
    user = UserFactory()
    client = csrf_client()
    client.get("/tai-khoan/dang-nhap/")
    anonymous_key = client.session.session_key
    response = sign_in(client, user.pin)
    assert response.status_code == 302
    assert client.session.session_key != anonymous_key
    assert client.session[SESSION_AUTH_KEY]["level"] == 1
    assert UserSession.objects.filter(user=user).count() == 1
    other = csrf_client()
    assert sign_in(other, user.email.upper()).status_code == 302


def test_wrong_password_and_unknown_account_get_the_same_answer():
    user = UserFactory()
    wrong = sign_in(csrf_client(), user.pin, "Sai-mat-khau-2026!")
    unknown = sign_in(csrf_client(), "079090000001", "Sai-mat-khau-2026!")
    assert wrong.status_code == unknown.status_code == 200
    message = "Thông tin đăng nhập không đúng."
    assert message in wrong.content.decode() and message in unknown.content.decode()
    assert AuditEvent.objects.filter(action="sign_in", outcome="failure").count() == 2


def test_unknown_account_costs_the_same_hashing_time_as_a_wrong_password():
    user = UserFactory()

    def timed(identifier):
        start = time.perf_counter()
        sign_in(csrf_client(), identifier, "Sai-mat-khau-2026!")
        return time.perf_counter() - start

    known = min(timed(user.pin) for _ in range(3))
    unknown = min(timed("079090000002") for _ in range(3))
    # Both run Argon2 once; without the dummy hash the unknown case would be ~10x faster.
    assert unknown > known * 0.5


def test_five_failures_lock_the_identifier_even_for_the_right_password(settings):
    user = UserFactory()
    for _ in range(5):
        sign_in(csrf_client(), user.pin, "Sai-mat-khau-2026!")
    locked = sign_in(csrf_client(), user.pin, PASSWORD)
    assert locked.status_code == 429
    assert "tạm thời bị khóa" in locked.content.decode()
    assert AuditEvent.objects.filter(action="lockout").exists()
    # An identifier that does not exist is "locked" the same way: no enumeration through lockout.
    for _ in range(5):
        sign_in(csrf_client(), "079090000003", "Sai-mat-khau-2026!")
    assert sign_in(csrf_client(), "079090000003", "Sai-mat-khau-2026!").status_code == 429


def test_sign_in_requests_per_address_are_limited(settings):
    settings.AUTH_RATE_LIMITS = {**settings.AUTH_RATE_LIMITS, "sign_in": "3/300"}
    user = UserFactory()
    client = Client()
    statuses = [client.post("/tai-khoan/dang-nhap/", {"identifier": user.pin, "password": "x"}).status_code
                for _ in range(4)]
    assert statuses[:3] == [200, 200, 200] and statuses[3] == 429


def test_the_next_parameter_never_leads_off_site():
    user = UserFactory()
    response = sign_in(csrf_client(), user.pin, next_url="https://evil.example/steal")
    assert response["Location"] == "/tai-khoan/ho-so/"
    response = sign_in(csrf_client(), user.pin, next_url="/thu-tuc/1.000001/")
    assert response["Location"] == "/thu-tuc/1.000001/"


def test_sign_out_ends_the_session_and_its_record():
    user = UserFactory()
    client = csrf_client()
    sign_in(client, user.pin)
    from tests.accounts.helpers import post_form

    post_form(client, "/tai-khoan/dang-xuat/", {}, token_from="/tai-khoan/ho-so/")
    assert UserSession.objects.filter(user=user).count() == 0
    assert client.get("/tai-khoan/ho-so/").status_code == 302


def test_deactivated_accounts_cannot_sign_in():
    user = UserFactory(is_active=False)
    assert sign_in(csrf_client(), user.pin).status_code == 200


def test_the_account_pages_speak_english_under_en():
    page = Client().get("/en/tai-khoan/dang-nhap/").content.decode()
    assert "<h1>Sign in</h1>" in page and "Forgotten your password?" in page
    assert "Đăng nhập bằng" not in page
