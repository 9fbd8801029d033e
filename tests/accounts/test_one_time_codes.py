"""Second factors by code: SMS through the gateway adapter, e-mail for foreigners (level 2)."""

import re

import httpx
import pytest
from django.core import mail
from django.utils import timezone

from dichvucong.accounts.constants import AccountType
from dichvucong.accounts.sessions import SESSION_AUTH_KEY
from tests.accounts.factories import UserFactory, verified_citizen
from tests.accounts.helpers import csrf_client, post_form, sign_in

pytestmark = pytest.mark.django_db
STEP = "/tai-khoan/dang-nhap/buoc-hai/?buoc-len=1&next=/tai-khoan/ho-so/"


@pytest.fixture
def sms(settings, sim_server):
    settings.SMS_GATEWAY_BASE_URL = sim_server + "/sim/sms/"
    settings.SMS_TIMEOUT_SECONDS = 0.5
    settings.SMS_SIM_TIMEOUT_SLEEP = 1.5

    def latest_code(phone: str) -> str:
        messages = httpx.get(sim_server + "/sim/sms/v1/messages", params={"to": phone}, timeout=5).json()
        items = messages["messages"] if isinstance(messages, dict) else messages
        return re.search(r"\b(\d{6})\b", items[0]["text"]).group(1)

    def fault(mode: str) -> None:
        httpx.post(sim_server + "/sim/sms/faults", json={"mode": mode}, timeout=5)

    return latest_code, fault


def test_an_sms_code_steps_a_verified_citizen_up_to_level_two(sms):
    latest_code, _ = sms
    user = verified_citizen(phone="+84912000111", phone_confirmed_at=timezone.now())
    client = csrf_client()
    sign_in(client, user.pin)
    post_form(client, STEP, {"send_sms": "1"})
    response = post_form(client, STEP, {"code": latest_code(user.phone)})
    assert response.status_code == 302 and response["Location"] == "/tai-khoan/ho-so/"
    assert client.session[SESSION_AUTH_KEY]["level"] == 2
    assert client.session[SESSION_AUTH_KEY]["methods"] == ["password", "sms_otp"]


def test_a_gateway_fault_gives_a_message_not_an_error(sms):
    _, fault = sms
    user = verified_citizen(phone="+84912000222", phone_confirmed_at=timezone.now())
    client = csrf_client()
    sign_in(client, user.pin)
    fault("timeout")
    response = post_form(client, STEP, {"send_sms": "1"})
    assert response.status_code == 200
    assert "Không gửi được tin nhắn" in response.content.decode()
    assert client.session[SESSION_AUTH_KEY]["level"] == 1


def test_phone_confirmation_by_sms(sms):
    latest_code, _ = sms
    user = UserFactory(phone="+84912000333")
    client = csrf_client()
    sign_in(client, user.pin)
    post_form(client, "/tai-khoan/ho-so/xac-nhan-dien-thoai/", {"send": "1"}, token_from="/tai-khoan/ho-so/")
    post_form(client, "/tai-khoan/ho-so/xac-nhan-dien-thoai/", {"code": latest_code(user.phone)},
              token_from="/tai-khoan/ho-so/")
    user.refresh_from_db()
    assert user.phone_confirmed_at is not None


def test_a_foreigner_reaches_level_two_with_an_emailed_code_and_no_further():
    UserFactory(pin=None, username="yuki@example.jp", email="yuki@example.jp",
                       account_type=AccountType.FOREIGNER, passport_number="TK1234567", nationality="JP")
    client = csrf_client()
    sign_in(client, "yuki@example.jp")
    assert client.session[SESSION_AUTH_KEY]["level"] == 1
    post_form(client, STEP, {"send_email": "1"})
    code = re.search(r"\b(\d{6})\b", mail.outbox[-1].body).group(1)
    post_form(client, STEP, {"code": code})
    assert client.session[SESSION_AUTH_KEY]["level"] == 2
    step_up_page = client.get("/tai-khoan/nang-cap/?level=3&next=/").content.decode()
    assert "chưa thể đạt mức này" in step_up_page or "Chưa có phương thức" in step_up_page


def test_citizens_cannot_use_the_foreigners_email_code():
    user = verified_citizen()
    client = csrf_client()
    sign_in(client, user.pin)
    assert post_form(client, STEP, {"send_email": "1"}).status_code == 400
