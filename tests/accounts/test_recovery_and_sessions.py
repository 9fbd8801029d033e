import re

import pytest
from django.core import mail

from dichvucong.accounts.models import AuditEvent, UserSession
from tests.accounts.factories import PASSWORD, UserFactory
from tests.accounts.helpers import csrf_client, post_form, sign_in

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "Mat-khau-moi-rat-dai-2027"


def test_recovery_answers_the_same_for_known_and_unknown_accounts(django_capture_on_commit_callbacks):
    user = UserFactory()
    known = post_form(csrf_client(), "/tai-khoan/khoi-phuc/", {"identifier": user.pin})
    unknown = post_form(csrf_client(), "/tai-khoan/khoi-phuc/", {"identifier": "079090000009"})
    assert known.status_code == unknown.status_code == 302
    assert known["Location"] == unknown["Location"]
    assert len(mail.outbox) == 1 and mail.outbox[0].to == [user.email]
    assert user.pin not in mail.outbox[0].body


def test_the_recovery_code_sets_a_new_password_and_ends_every_session(django_capture_on_commit_callbacks):
    user = UserFactory()
    elsewhere = csrf_client()
    sign_in(elsewhere, user.pin)
    post_form(csrf_client(), "/tai-khoan/khoi-phuc/", {"identifier": user.pin})
    code = re.search(r"\b(\d{6})\b", mail.outbox[-1].body).group(1)
    client = csrf_client()
    weak = post_form(client, "/tai-khoan/khoi-phuc/dat-lai/", {
        "identifier": user.pin, "code": code, "password": "123456789012", "password_again": "123456789012"})
    assert weak.status_code == 200 and "password" in weak.context["form"].errors
    with django_capture_on_commit_callbacks(execute=True):
        done = post_form(client, "/tai-khoan/khoi-phuc/dat-lai/", {
            "identifier": user.pin, "code": code, "password": NEW_PASSWORD, "password_again": NEW_PASSWORD})
    assert done.status_code == 302
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)
    assert not UserSession.objects.filter(user=user).exists()
    assert "vừa được đặt lại" in mail.outbox[-1].body  # the owner hears of it
    assert elsewhere.get("/tai-khoan/ho-so/").status_code == 302  # the other device is signed out
    again = post_form(csrf_client(), "/tai-khoan/khoi-phuc/dat-lai/", {
        "identifier": user.pin, "code": code, "password": PASSWORD + "x", "password_again": PASSWORD + "x"})
    assert again.status_code == 200  # the code was single-use


def test_recovery_requests_are_rate_limited_per_address(settings):
    settings.AUTH_RATE_LIMITS = {**settings.AUTH_RATE_LIMITS, "recovery": "2/900"}
    statuses = [post_form(csrf_client(), "/tai-khoan/khoi-phuc/", {"identifier": "079090000010"}).status_code
                for _ in range(3)]
    assert statuses == [302, 302, 429]


def test_a_wrong_code_five_times_voids_it(django_capture_on_commit_callbacks):
    user = UserFactory()
    post_form(csrf_client(), "/tai-khoan/khoi-phuc/", {"identifier": user.pin})
    code = re.search(r"\b(\d{6})\b", mail.outbox[-1].body).group(1)
    wrong = "000000" if code != "000000" else "111111"
    for _ in range(5):
        post_form(csrf_client(), "/tai-khoan/khoi-phuc/dat-lai/", {
            "identifier": user.pin, "code": wrong, "password": NEW_PASSWORD, "password_again": NEW_PASSWORD})
    late = post_form(csrf_client(), "/tai-khoan/khoi-phuc/dat-lai/", {
        "identifier": user.pin, "code": code, "password": NEW_PASSWORD, "password_again": NEW_PASSWORD})
    assert late.status_code == 200
    user.refresh_from_db()
    assert not user.check_password(NEW_PASSWORD)


def test_sessions_are_listed_and_sign_out_everywhere_ends_them_all(django_capture_on_commit_callbacks):
    user = UserFactory()
    phone, laptop = csrf_client(), csrf_client()
    sign_in(phone, user.pin)
    sign_in(laptop, user.pin)
    page = laptop.get("/tai-khoan/bao-mat/").content.decode()
    assert page.count("Đăng xuất</button>") >= 1 and "phiên này" in page
    assert UserSession.objects.filter(user=user).count() == 2
    with django_capture_on_commit_callbacks(execute=True):
        post_form(laptop, "/tai-khoan/bao-mat/dang-xuat-tat-ca/", {}, token_from="/tai-khoan/bao-mat/")
    assert UserSession.objects.filter(user=user).count() == 0
    assert phone.get("/tai-khoan/ho-so/").status_code == 302
    assert laptop.get("/tai-khoan/ho-so/").status_code == 302
    assert AuditEvent.objects.filter(action="sign_out_everywhere", user=user).exists()


def test_one_other_session_can_be_ended_but_not_someone_elses():
    user, other = UserFactory(), UserFactory()
    phone, laptop, stranger = csrf_client(), csrf_client(), csrf_client()
    sign_in(phone, user.pin)
    sign_in(laptop, user.pin)
    sign_in(stranger, other.pin)
    phone_session = UserSession.objects.get(user=user, session_key=phone.session.session_key)
    refused = post_form(stranger, f"/tai-khoan/bao-mat/phien/{phone_session.pk}/ket-thuc/", {},
                        token_from="/tai-khoan/bao-mat/")
    assert refused.status_code == 404
    post_form(laptop, f"/tai-khoan/bao-mat/phien/{phone_session.pk}/ket-thuc/", {}, token_from="/tai-khoan/bao-mat/")
    assert phone.get("/tai-khoan/ho-so/").status_code == 302
    assert laptop.get("/tai-khoan/ho-so/").status_code == 200


def test_deactivation_ends_sessions_and_blocks_sign_in():
    user = UserFactory()
    client = csrf_client()
    sign_in(client, user.pin)
    post_form(client, "/tai-khoan/ho-so/vo-hieu-hoa/", {"confirm": "yes"}, token_from="/tai-khoan/ho-so/")
    user.refresh_from_db()
    assert not user.is_active and user.deactivated_at
    assert sign_in(csrf_client(), user.pin).status_code == 200


def test_audit_events_never_hold_secrets_or_identifiers():
    user = UserFactory()
    sign_in(csrf_client(), user.pin, "Sai-mat-khau-2026!")
    sign_in(csrf_client(), user.pin)
    for event in AuditEvent.objects.all():
        text = str(event.details) + event.ip_hash + event.method
        assert user.pin not in text and PASSWORD not in text and "Sai-mat-khau" not in text
