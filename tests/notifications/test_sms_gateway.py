"""The SMS adapter against the SMS gateway simulator, over a real loopback socket."""

from __future__ import annotations

import logging
import socket
import time

import httpx
import pytest
from prometheus_client import REGISTRY

from dichvucong.notifications.sms import (
    InvalidPhoneNumber,
    SmsError,
    SmsRejected,
    SmsUnavailable,
    normalise_phone_number,
    send_sms,
)

NUMBER = "+84912345678"


def _set_fault(gateway: str, mode: str) -> None:
    response = httpx.post(gateway + "faults", json={"mode": mode}, timeout=5)
    assert response.status_code == 200, response.text


def _inbox(gateway: str, number: str) -> list[dict]:
    response = httpx.get(gateway + "v1/messages", params={"to": number}, timeout=5)
    assert response.status_code == 200, response.text
    return response.json()["messages"]


def _sent(outcome: str) -> float:
    return REGISTRY.get_sample_value("dvc_sms_sent_total", {"outcome": outcome}) or 0.0


def test_a_message_is_sent_and_can_be_read_back_newest_first(gateway):
    accepted_before = _sent("accepted")

    first = send_sms(to="0912345678", text="Ma xac thuc 111111")
    second = send_sms(to=NUMBER, text="Ma xac thuc 222222")

    assert first.status == second.status == "accepted"
    assert first.message_id != second.message_id
    messages = _inbox(gateway, NUMBER)
    assert [m["text"] for m in messages] == ["Ma xac thuc 222222", "Ma xac thuc 111111"]
    assert messages[0]["message_id"] == second.message_id
    assert messages[0]["sender_id"] == "DICHVUCONG"
    assert _sent("accepted") == accepted_before + 2


def test_the_inbox_understands_the_usual_spellings_of_a_number(gateway):
    send_sms(to=NUMBER, text="hello")

    assert len(_inbox(gateway, "0912345678")) == 1
    # An unencoded "+" in a query string arrives as a space.
    response = httpx.get(gateway + "v1/messages?to=+84912345678", timeout=5)
    assert len(response.json()["messages"]) == 1


def test_the_same_idempotency_key_sends_once(gateway):
    first = send_sms(to=NUMBER, text="once", idempotency_key="dossier-42-status-3")
    again = send_sms(to=NUMBER, text="once", idempotency_key="dossier-42-status-3")

    assert again.message_id == first.message_id
    assert len(_inbox(gateway, NUMBER)) == 1


def test_the_demo_page_lists_messages_escaped(gateway):
    send_sms(to=NUMBER, text="<b>Ma</b> 123456")

    page = httpx.get(gateway, timeout=5)

    assert page.status_code == 200
    assert "&lt;b&gt;Ma&lt;/b&gt; 123456" in page.text
    assert "SMS gateway simulator" in page.text
    assert page.headers["cache-control"] == "no-store"


@pytest.mark.parametrize(
    "number",
    [
        "0912345678",
        "+84912345678",
        "84912345678",
        "+84 912 345 678",
        "0912.345.678",
        "0912-345-678",
    ],
)
def test_vietnamese_mobile_numbers_are_normalised(number):
    assert normalise_phone_number(number) == NUMBER


@pytest.mark.parametrize(
    "number",
    ["", "0241234567", "091234567", "09123456789", "+12025550100", "0112345678", "abcdefghij"],
)
def test_other_numbers_are_refused_before_any_call(settings, number):
    settings.SMS_GATEWAY_BASE_URL = "http://192.0.2.1/"  # TEST-NET: any call would hang or fail

    with pytest.raises(InvalidPhoneNumber) as caught:
        send_sms(to=number, text="hello")

    assert isinstance(caught.value, ValueError) and isinstance(caught.value, SmsError)
    assert number not in str(caught.value) or not number


def test_a_gateway_slower_than_the_timeout_is_unavailable(settings, gateway):
    settings.SMS_TIMEOUT_SECONDS = 0.5
    settings.SMS_SIM_TIMEOUT_SLEEP = 1.5
    _set_fault(gateway, "timeout")
    unavailable_before = _sent("unavailable")

    started = time.monotonic()
    with pytest.raises(SmsUnavailable):
        send_sms(to=NUMBER, text="hello")

    assert time.monotonic() - started < 1.4
    assert _sent("unavailable") == unavailable_before + 1


def test_a_gateway_error_is_unavailable(gateway):
    _set_fault(gateway, "error")

    with pytest.raises(SmsUnavailable):
        send_sms(to=NUMBER, text="hello")
    assert _inbox(gateway, NUMBER) == []


def test_an_unreachable_gateway_is_unavailable(settings):
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    settings.SMS_GATEWAY_BASE_URL = f"http://127.0.0.1:{port}/sim/sms/"

    with pytest.raises(SmsUnavailable):
        send_sms(to=NUMBER, text="hello")


def test_a_wrong_token_is_rejected(settings, gateway):
    settings.SMS_API_TOKEN = "not-the-token"

    with pytest.raises(SmsRejected) as caught:
        send_sms(to=NUMBER, text="hello")

    assert caught.value.status_code == 401
    assert caught.value.error_code == "invalid_token"
    assert _inbox(gateway, NUMBER) == []


def test_an_unregistered_sender_name_is_rejected(settings, gateway):
    settings.SMS_SENDER_ID = "A-SENDER-NAME-TOO-LONG"

    with pytest.raises(SmsRejected) as caught:
        send_sms(to=NUMBER, text="hello")

    assert caught.value.error_code == "invalid_sender_id"


def test_the_faults_switch_refuses_unknown_modes(gateway):
    response = httpx.post(gateway + "faults", json={"mode": "chaos"}, timeout=5)

    assert response.status_code == 400


def test_logs_carry_neither_the_number_nor_the_text(gateway, caplog):
    caplog.set_level(logging.DEBUG, logger="dichvucong.notifications")

    send_sms(to=NUMBER, text="Ma xac thuc 987654")

    logged = " ".join(
        f"{record.getMessage()} {record.__dict__}"
        for record in caplog.records
        if record.name.startswith("dichvucong")
    )
    assert "accepted" in logged
    assert "912345678" not in logged and "987654" not in logged
