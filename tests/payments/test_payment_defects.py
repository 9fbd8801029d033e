"""Defects a review of the payments found, each kept as a test: junk that gave a 500, a payer
charged twice, a refund forgotten or counted twice, a dossier that never expired."""

from __future__ import annotations

import json
import time

import pytest
from django.utils import timezone

from dichvucong.dossiers.models import Dossier
from dichvucong.payments import platform, services
from dichvucong.payments.models import NoticeOutcome, Payment
from dichvucong.payments.reconciliation import reconcile
from tests.accounts.helpers import post_form
from tests.payments.conftest import NOTIFY_PATH, deliver

pytestmark = pytest.mark.django_db


def _start_paying(client, dossier) -> str:
    response = post_form(client, f"/thanh-toan/ho-so/{dossier.pk}/", {})
    assert response.status_code == 302, response.content[:300]
    return response["Location"]


# --- 1. junk at the CSRF-exempt callback (and at the return) is a 500 ------------------------
def test_a_non_ascii_callback_signature_is_a_400_not_a_500(client):
    client.raise_request_exception = False
    answer = client.post(NOTIFY_PATH, data=json.dumps({"order_ref": "DVC-X"}), content_type="application/json",
                         headers={"X-Timestamp": str(int(time.time())), "X-Signature": "\u00e9"})
    # hmac.compare_digest(str, str) raises TypeError on non-ASCII: an anonymous 500.
    assert answer.status_code == 400


def test_a_non_ascii_return_signature_is_a_400_not_a_500(payer):
    user, client = payer
    client.raise_request_exception = False
    answer = client.get("/thanh-toan/ve/?order_ref=DVC-X&status=paid&signature=%C3%A9")
    assert answer.status_code == 400


# --- 2. "pay" after a lost callback charges the payer a second time ---------------------------
def test_paying_again_after_a_lost_callback_does_not_open_a_second_payment(payer, awaiting, platform_sim):
    user, client = payer
    platform_sim.fault("callback_lost")
    platform_sim.pay_in_browser(_start_paying(client, awaiting))  # paid; the portal has not heard
    first = Payment.objects.get(dossier=awaiting)
    # 16 minutes later the payer, still seeing "Chờ thanh toán", presses "pay" again.
    Payment.objects.filter(pk=first.pk).update(created_at=timezone.now() - timezone.timedelta(minutes=16))
    response = post_form(client, f"/thanh-toan/ho-so/{awaiting.pk}/", {})
    awaiting.refresh_from_db()
    assert awaiting.status == "submitted"  # the status query inside start_payment confirmed the first one...
    # ...so no second payment is opened: the payer is sent to the dossier, not to pay again.
    assert Payment.objects.filter(dossier=awaiting).count() == 1
    assert "/sim/payments/pay/" not in response.get("Location", "")


# --- 3. a late payment whose refund could not be queued is refunded all the same ------------
def test_a_late_payment_whose_refund_was_not_queued_is_not_forgotten(payer, awaiting, platform_sim, monkeypatch,
                                                                     django_capture_on_commit_callbacks):
    user, client = payer
    pay_url = _start_paying(client, awaiting)
    post_form(client, f"/ho-so/{awaiting.pk}/huy/", {}, token_from=f"/thanh-toan/ho-so/{awaiting.pk}/")
    platform_sim.pay_in_browser(pay_url)
    [callback] = platform_sim.outbox()

    from dichvucong.payments import tasks

    def broker_down(*args, **kwargs):
        raise ConnectionError("broker unreachable")

    monkeypatch.setattr(tasks.refund_payment_task, "delay", broker_down)
    with django_capture_on_commit_callbacks(execute=True):
        [answer] = deliver(client, [callback])  # the callback is still answered: recorded
    assert answer.status_code == 200 and answer.json()["outcome"] == NoticeOutcome.REFUNDED_LATE
    monkeypatch.undo()
    with django_capture_on_commit_callbacks(execute=True) as queued:
        [retry] = deliver(client, [callback])  # the platform retries
    assert retry.json()["outcome"] == NoticeOutcome.DUPLICATE and not queued
    payment = Payment.objects.get(dossier=awaiting)
    assert Dossier.objects.get(pk=awaiting.pk).status == "cancelled" and payment.status == "paid"
    # Listed for an administrator until it is done...
    run = reconcile(timezone.localdate())
    assert run.differences.filter(reference=payment.reference, kind="refund_owed").exists()
    # ...and done by the recovery job.
    assert services.recover_pending()["refunded"] == 1
    payment.refresh_from_db()
    assert payment.status == "refunded" and payment.refunded_amount == 7000 and not payment.refund_owed_reason


# --- 4. refunded_amount is incremented, not taken from the platform: counted twice ------------
def test_a_status_query_during_a_refund_does_not_count_the_refund_twice(payer, awaiting, platform_sim, monkeypatch):
    user, client = payer
    platform_sim.pay_in_browser(_start_paying(client, awaiting))
    deliver(client, platform_sim.outbox())
    payment = Payment.objects.get(dossier=awaiting)
    real_refund = platform.refund

    def refund_then_a_status_query_lands(**kwargs):
        answer = real_refund(**kwargs)
        # e.g. an administrator's "Hỏi lại trạng thái" or the refund task's retry racing this call
        services.refresh_from_platform(Payment.objects.get(pk=payment.pk))
        return answer

    monkeypatch.setattr(platform, "refund", refund_then_a_status_query_lands)
    services.refund(payment, reason="Hoàn tiền")
    payment.refresh_from_db()
    assert payment.refunded_amount == 7000  # not 14000


# --- 5. a payment whose creation never reached the platform blocks the dossier's expiry -------
def test_an_unpaid_dossier_with_a_never_created_payment_still_expires(payer, awaiting, platform_sim):
    user, client = payer
    from dichvucong.payments.tasks import remind_and_expire_unpaid

    # The first click timed out before the platform recorded anything: pending, no pay_url.
    never = Payment.objects.create(dossier=awaiting, payer=user, reference="DVC-NEVER-CREATED", amount=7000)
    Payment.objects.filter(pk=never.pk).update(created_at=timezone.now() - timezone.timedelta(days=30))
    Dossier.objects.filter(pk=awaiting.pk).update(updated_at=timezone.now() - timezone.timedelta(days=30),
                                                  draft_reminded_at=timezone.now())
    remind_and_expire_unpaid()
    awaiting.refresh_from_db()
    assert awaiting.status == "cancelled"  # not held forever by a payment the platform never had
    never.refresh_from_db()
    assert never.status == "expired"


# --- 6. a verified "refunded" callback wipes refunded_amount -----------------------------------
def test_a_refunded_report_without_an_amount_does_not_reset_refunded_amount(payer, awaiting, platform_sim, settings):
    import hashlib
    import hmac

    user, client = payer
    platform_sim.pay_in_browser(_start_paying(client, awaiting))
    deliver(client, platform_sim.outbox())
    payment = Payment.objects.get(dossier=awaiting)
    services.refund(payment, reason="Thu thừa", amount=2000)
    body = json.dumps({"event_id": "EVT1", "order_ref": payment.reference, "status": "partially_refunded",
                       "amount": 7000, "currency": "VND"})
    timestamp = str(int(time.time()))
    signature = hmac.new(settings.PAYMENT_PLATFORM_SECRET.encode(), f"{timestamp}\n{body}".encode(),
                         hashlib.sha256).hexdigest()
    client.post(NOTIFY_PATH, data=body, content_type="application/json",
                headers={"X-Timestamp": timestamp, "X-Signature": signature})
    payment.refresh_from_db()
    # A callback never speaks of refunds (the contract): this one is refused, the amount kept.
    assert payment.refunded_amount == 2000



# --- 7. the payer is sent only to the platform's own pages ------------------------------------
def test_a_pay_url_outside_the_platforms_pages_is_refused(payer, awaiting, platform_sim, settings):
    user, client = payer
    settings.PAYMENT_PLATFORM_PAY_ORIGIN = "https://pay.example.vn"
    page = client.get(f"/thanh-toan/ho-so/{awaiting.pk}/")
    assert "form-action 'self' https://pay.example.vn;" in page["Content-Security-Policy"]
    response = post_form(client, f"/thanh-toan/ho-so/{awaiting.pk}/", {})
    assert response.status_code == 502 and "Location" not in response  # the simulator's own URL: refused
    assert Payment.objects.get(dossier=awaiting).pay_url == ""
