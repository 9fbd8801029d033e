import re

import pytest
from django.core import mail

from dichvucong.accounts.constants import AttributeName, IdentityProofing
from dichvucong.accounts.models import AuditEvent, User
from tests.accounts.factories import fresh_pin
from tests.accounts.helpers import csrf_client, post_form

pytestmark = pytest.mark.django_db

REGISTER = "/tai-khoan/dang-ky/"


def citizen_form(**overrides) -> dict:
    data = {
        "pin": fresh_pin(1990), "full_name": "Trần Thị Bình", "date_of_birth": "1990-05-17",
        "email": "binh@example.vn", "phone": "0912 345 678",
        "password": "Mot-mat-khau-dai-2026!", "password_again": "Mot-mat-khau-dai-2026!",
    }
    return {**data, **overrides}


def test_a_citizen_registers_at_level_one_with_everything_self_declared():
    client = csrf_client()
    form = citizen_form()
    response = post_form(client, REGISTER, form)
    assert response.status_code == 302 and response["Location"].endswith("/tai-khoan/ho-so/")
    user = User.objects.get(username=form["pin"])
    assert user.check_password(form["password"]) and user.password.startswith("argon2$argon2id$")
    assert user.phone == "+84912345678"
    assert user.identity_proofing == IdentityProofing.SELF_ASSERTED
    attributes = {a.name: a for a in user.attributes.all()}
    assert not any(a.is_verified for a in attributes.values())
    assert attributes[AttributeName.DATE_OF_BIRTH].value == "1990-05-17"
    profile = client.get("/tai-khoan/ho-so/")
    assert "Tự khai, chưa xác thực" in profile.content.decode()
    assert AuditEvent.objects.filter(action="register", user=user).exists()


def test_the_emailed_code_confirms_the_address_once(django_capture_on_commit_callbacks):
    client = csrf_client()
    with django_capture_on_commit_callbacks(execute=True):
        post_form(client, REGISTER, citizen_form())
    code = re.search(r"\b(\d{6})\b", mail.outbox[-1].body).group(1)
    user = User.objects.get(email="binh@example.vn")
    wrong = "000000" if code != "000000" else "111111"
    post_form(client, "/tai-khoan/ho-so/xac-nhan-email/", {"code": wrong}, token_from="/tai-khoan/ho-so/")
    user.refresh_from_db()
    assert user.email_confirmed_at is None
    post_form(client, "/tai-khoan/ho-so/xac-nhan-email/", {"code": code}, token_from="/tai-khoan/ho-so/")
    user.refresh_from_db()
    assert user.email_confirmed_at is not None
    assert user.attributes.get(name=AttributeName.EMAIL).is_verified


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"pin": "12345"}, "pin"),
        ({"pin": "001290123456"}, "pin"),  # century digit says born in the 2000s, the birth date 1990
        ({"phone": "12345"}, "phone"),
        ({"date_of_birth": "2999-01-01"}, "date_of_birth"),
        ({"password": "anhyeuem2026", "password_again": "anhyeuem2026"}, "password"),
        ({"password": "matkhau12345678", "password_again": "matkhau12345678"}, "password"),
        ({"password_again": "something-else-2026"}, "password_again"),
    ],
)
def test_bad_input_is_refused_field_by_field(overrides, field):
    client = csrf_client()
    response = post_form(client, REGISTER, citizen_form(**overrides))
    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert not User.objects.filter(email="binh@example.vn").exists()


def test_registering_an_existing_number_says_nothing_about_the_account():
    client = csrf_client()
    form = citizen_form()
    post_form(client, REGISTER, form)
    other = csrf_client()
    response = post_form(other, REGISTER, citizen_form(pin=form["pin"], email="other@example.vn"))
    assert response.status_code == 200
    assert "Không thể tạo tài khoản" in response.content.decode()
    assert User.objects.filter(pin=form["pin"]).count() == 1


def test_a_foreigner_registers_with_a_passport_and_reaches_level_two_at_most():
    client = csrf_client()
    response = post_form(client, REGISTER + "?loai=nguoi-nuoc-ngoai", {
        "loai": "nguoi-nuoc-ngoai", "passport_number": "TK1234567", "nationality": "jp",
        "full_name": "Tanaka Yuki", "date_of_birth": "1985-02-03", "email": "Yuki@example.jp",
        "password": "Mot-mat-khau-dai-2026!", "password_again": "Mot-mat-khau-dai-2026!",
    })
    assert response.status_code == 302
    user = User.objects.get(username="yuki@example.jp")
    assert user.account_type == "foreigner" and user.nationality == "JP" and user.pin is None
    from dichvucong.accounts.assurance import identity_ceiling

    assert identity_ceiling(user) == 1  # e-mail not confirmed yet
    user.email_confirmed_at = user.date_joined
    assert identity_ceiling(user) == 2


def test_registration_without_csrf_token_is_refused():
    response = csrf_client().post(REGISTER, citizen_form())
    assert response.status_code == 403


def test_changing_the_email_makes_it_unconfirmed_and_warns_the_old_address(django_capture_on_commit_callbacks):
    from tests.accounts.factories import UserFactory
    from tests.accounts.helpers import sign_in

    user = UserFactory()
    old_address = user.email
    client = csrf_client()
    sign_in(client, user.pin)
    with django_capture_on_commit_callbacks(execute=True):
        post_form(client, "/tai-khoan/ho-so/lien-lac/", {"email": "moi@example.vn", "phone": "0987654321"})
    user.refresh_from_db()
    assert user.email == "moi@example.vn" and user.email_confirmed_at is None
    assert user.phone == "+84987654321" and user.phone_confirmed_at is None
    recipients = [m.to[0] for m in mail.outbox]
    assert old_address in recipients and "moi@example.vn" in recipients


def test_an_email_confirmed_by_another_account_cannot_be_taken():
    from tests.accounts.factories import UserFactory
    from tests.accounts.helpers import sign_in

    owner, other = UserFactory(), UserFactory()
    client = csrf_client()
    sign_in(client, other.pin)
    response = post_form(client, "/tai-khoan/ho-so/lien-lac/", {"email": owner.email.upper(), "phone": "0987654321"})
    assert response.status_code == 200 and "email" in response.context["form"].errors
