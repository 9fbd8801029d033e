"""Paying a dossier's fees (E1), through the pages, against the payment platform simulator:
every fault the contract names, and none of them loses a payment or counts one twice."""

from __future__ import annotations

import hashlib
import hmac
import io
import json
import time

import pytest
from django.core.management import call_command
from django.utils import timezone
from pypdf import PdfReader

from dichvucong.dossiers.models import Dossier
from dichvucong.payments import services
from dichvucong.payments.models import (
    Difference,
    NoticeOutcome,
    Payment,
    PaymentNotice,
    ReconciliationRun,
)
from dichvucong.payments.reconciliation import reconcile
from tests.accounts.factories import verified_citizen
from tests.accounts.helpers import csrf_client, post_form
from tests.conftest import sign_in_at_level
from tests.payments.conftest import NOTIFY_PATH, deliver, go_back

pytestmark = pytest.mark.django_db


def start_paying(client, dossier) -> str:
    """Press "Thanh toán trực tuyến": the portal sends the payer to the platform's page."""
    response = post_form(client, f"/thanh-toan/ho-so/{dossier.pk}/", {})
    assert response.status_code == 302, response.content[:500]
    return response["Location"]


def submitted_events(dossier) -> int:
    return dossier.events.filter(to_status="submitted").count()


def test_a_dossier_with_fees_waits_for_its_payment_then_reaches_the_agency(payer, awaiting, platform_sim):
    user, client = payer
    assert awaiting.status == "awaiting_payment" and awaiting.code is None  # no code before the fee
    assert client.get(f"/ho-so/{awaiting.pk}/")["Location"] == f"/thanh-toan/ho-so/{awaiting.pk}/"
    response = client.get(f"/thanh-toan/ho-so/{awaiting.pk}/")
    page = response.content.decode()
    assert 'data-total="7000"' in page and "7.000 ₫" in page
    assert "Phí, lệ phí" in page and "7.000 đồng/lần đăng ký" in page  # the line, and the agency's rule
    # "Pay" ends in a redirect to the platform: the CSP lets that form lead there, and only there.
    origin = platform_sim.base.rsplit("/sim/", 1)[0]
    assert f"form-action 'self' {origin};" in response["Content-Security-Policy"]

    return_url = platform_sim.pay_in_browser(start_paying(client, awaiting))
    [callback] = deliver(client, platform_sim.outbox())  # the usual order: return first, callback after...
    assert callback.status_code == 200 and callback.json()["outcome"] == NoticeOutcome.APPLIED
    status_page = go_back(client, return_url)
    payment = Payment.objects.get(dossier=awaiting)
    assert status_page["Location"] == f"/thanh-toan/{payment.reference}/"

    awaiting.refresh_from_db()
    assert awaiting.status == "submitted" and awaiting.code and awaiting.due_at is not None
    assert payment.status == "paid" and payment.confirmed_via == "callback" and payment.method == "card"
    shown = client.get(f"/thanh-toan/{payment.reference}/").content.decode()
    assert 'data-payment-status="paid"' in shown and awaiting.code in shown
    assert f"/thanh-toan/{payment.reference}/bien-lai.pdf" in client.get(f"/ho-so/{awaiting.pk}/").content.decode()
    pdf = client.get(f"/thanh-toan/{payment.reference}/bien-lai.pdf")
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.getvalue())).pages)
    assert payment.receipt_number in text and "7.000 đồng" in text and awaiting.code in text


def test_the_return_before_the_callback_asks_the_platform_and_the_late_callback_changes_nothing(
        payer, awaiting, platform_sim):
    user, client = payer
    return_url = platform_sim.pay_in_browser(start_paying(client, awaiting))
    late = platform_sim.outbox()
    go_back(client, return_url)  # the callback has not come: the portal asks the platform
    payment = Payment.objects.get(dossier=awaiting)
    assert payment.status == "paid" and payment.confirmed_via == "status_query"
    [answer] = deliver(client, late)
    assert answer.status_code == 200 and answer.json()["outcome"] == NoticeOutcome.DUPLICATE
    awaiting.refresh_from_db()
    assert submitted_events(awaiting) == 1


def test_a_callback_early_or_twice_confirms_once(payer, awaiting, platform_sim):
    user, client = payer
    platform_sim.fault("callback_duplicated")
    return_url = platform_sim.pay_in_browser(start_paying(client, awaiting))
    answers = deliver(client, platform_sim.outbox())
    assert [a.json()["outcome"] for a in answers] == [NoticeOutcome.APPLIED, NoticeOutcome.DUPLICATE]
    go_back(client, return_url)
    awaiting.refresh_from_db()
    assert awaiting.status == "submitted" and submitted_events(awaiting) == 1


def test_a_replayed_callback_changes_nothing(payer, awaiting, platform_sim):
    user, client = payer
    platform_sim.pay_in_browser(start_paying(client, awaiting))
    [callback] = platform_sim.outbox()
    deliver(client, [callback])
    code = Dossier.objects.get(pk=awaiting.pk).code
    for _ in range(3):
        assert deliver(client, [callback])[0].json()["outcome"] == NoticeOutcome.DUPLICATE
    awaiting.refresh_from_db()
    assert awaiting.code == code and submitted_events(awaiting) == 1


def test_an_old_callback_is_refused_as_a_replay(payer, awaiting, platform_sim, settings):
    user, client = payer
    platform_sim.pay_in_browser(start_paying(client, awaiting))
    [callback] = platform_sim.outbox()
    old = str(int(time.time()) - 3600)
    signature = hmac.new(settings.PAYMENT_PLATFORM_SECRET.encode(), f"{old}\n{callback['body']}".encode(),
                         hashlib.sha256).hexdigest()
    answer = client.post(NOTIFY_PATH, data=callback["body"].encode(), content_type="application/json",
                         headers={"X-Timestamp": old, "X-Signature": signature})
    assert answer.status_code == 400 and answer.json()["error"]["code"] == "stale"
    assert Payment.objects.get(dossier=awaiting).status == "pending"


def test_a_bad_signature_is_refused_and_logged_and_the_payment_is_recovered_later(
        payer, awaiting, platform_sim, caplog):
    user, client = payer
    platform_sim.fault("bad_signature")
    platform_sim.pay_in_browser(start_paying(client, awaiting))
    [answer] = deliver(client, platform_sim.outbox())
    assert answer.status_code == 400
    assert PaymentNotice.objects.filter(outcome=NoticeOutcome.BAD_SIGNATURE).exists()
    assert "callback refused: bad_signature" in caplog.text
    payment = Payment.objects.get(dossier=awaiting)
    assert payment.status == "pending"
    awaiting.refresh_from_db()
    assert awaiting.status == "awaiting_payment"
    # The recovery job asks the platform, whose answer over an authenticated call is believed.
    Payment.objects.filter(pk=payment.pk).update(created_at=timezone.now() - timezone.timedelta(minutes=5))
    assert services.recover_pending()["settled"] == 1
    awaiting.refresh_from_db()
    assert awaiting.status == "submitted"


def test_a_lost_callback_is_recovered_by_the_status_query(payer, awaiting, platform_sim):
    user, client = payer
    platform_sim.fault("callback_lost")
    platform_sim.pay_in_browser(start_paying(client, awaiting))
    assert platform_sim.outbox() == []
    payment = Payment.objects.get(dossier=awaiting)
    assert services.recover_pending()["asked"] == 0  # too soon to worry
    Payment.objects.filter(pk=payment.pk).update(created_at=timezone.now() - timezone.timedelta(minutes=5))
    assert services.recover_pending() == {"asked": 1, "settled": 1, "unavailable": 0, "refunded": 0}
    payment.refresh_from_db()
    assert payment.status == "paid" and payment.confirmed_via == "status_query"


def test_a_lost_callback_is_recovered_by_reconciliation_and_listed(payer, awaiting, platform_sim):
    user, client = payer
    platform_sim.fault("callback_lost")
    platform_sim.pay_in_browser(start_paying(client, awaiting))
    run = reconcile(timezone.localdate())
    assert not run.error and run.platform_rows == 1 and run.recovered == 1
    [difference] = run.differences.all()
    assert difference.kind == Difference.Kind.RECOVERED and difference.resolved_at is not None
    awaiting.refresh_from_db()
    assert awaiting.status == "submitted"
    again = reconcile(timezone.localdate())  # a second run finds nothing left to say
    assert again.differences.count() == 0


def test_an_amount_mismatch_is_refused_logged_and_listed_by_reconciliation(payer, awaiting, platform_sim, caplog):
    user, client = payer
    platform_sim.fault("amount_mismatch")
    return_url = platform_sim.pay_in_browser(start_paying(client, awaiting))
    [answer] = deliver(client, platform_sim.outbox())
    assert answer.status_code == 200 and answer.json()["outcome"] == NoticeOutcome.AMOUNT_MISMATCH
    go_back(client, return_url)  # the status query says the same, and is refused the same way
    payment = Payment.objects.get(dossier=awaiting)
    assert payment.status == "pending"
    assert payment.notices.filter(outcome=NoticeOutcome.AMOUNT_MISMATCH).count() == 2
    assert "another amount than asked" in caplog.text
    awaiting.refresh_from_db()
    assert awaiting.status == "awaiting_payment" and awaiting.code is None
    run = reconcile(timezone.localdate())
    assert [(d.kind, d.portal_amount, d.platform_amount) for d in run.differences.all()] == [
        (Difference.Kind.AMOUNT, 7000, 6000)]


def test_a_platform_timeout_keeps_the_dossier_and_the_retry_reuses_the_payment(
        payer, awaiting, platform_sim, settings):
    user, client = payer
    settings.SIM_PAYMENTS_TIMEOUT_SECONDS = 2
    settings.PAYMENT_PLATFORM_TIMEOUT = 0.5
    platform_sim.fault("timeout")
    response = post_form(client, f"/thanh-toan/ho-so/{awaiting.pk}/", {})
    assert response.status_code == 503 and "vẫn được giữ" in response.content.decode()
    first = Payment.objects.get(dossier=awaiting)
    assert first.status == "pending" and first.pay_url == ""
    time.sleep(2)  # let the simulator's slow answer finish
    platform_sim.fault("none")
    pay_url = start_paying(client, awaiting)
    assert Payment.objects.filter(dossier=awaiting).count() == 1
    first.refresh_from_db()
    assert first.pay_url == pay_url  # the same order_ref: the platform's idempotency


def test_two_clicks_open_one_payment(payer, awaiting, platform_sim):
    user, client = payer
    assert start_paying(client, awaiting) == start_paying(client, awaiting)
    assert Payment.objects.filter(dossier=awaiting).count() == 1


def test_a_cancelled_payment_can_be_tried_again(payer, awaiting, platform_sim):
    user, client = payer
    return_url = platform_sim.pay_in_browser(start_paying(client, awaiting), action="cancel")
    deliver(client, platform_sim.outbox())
    page = client.get(go_back(client, return_url)["Location"]).content.decode()
    assert 'data-payment-status="cancelled"' in page
    second_url = start_paying(client, awaiting)
    assert Payment.objects.filter(dossier=awaiting).count() == 2
    platform_sim.pay_in_browser(second_url, method="bank_qr")
    deliver(client, platform_sim.outbox())
    awaiting.refresh_from_db()
    assert awaiting.status == "submitted"


def test_a_payment_made_after_the_dossier_was_cancelled_is_refunded(payer, awaiting, platform_sim,
                                                                    django_capture_on_commit_callbacks):
    user, client = payer
    pay_url = start_paying(client, awaiting)
    post_form(client, f"/ho-so/{awaiting.pk}/huy/", {}, token_from=f"/thanh-toan/ho-so/{awaiting.pk}/")
    awaiting.refresh_from_db()
    assert awaiting.status == "cancelled"
    platform_sim.pay_in_browser(pay_url)
    with django_capture_on_commit_callbacks(execute=True):  # the refund leaves after commit
        [answer] = deliver(client, platform_sim.outbox())
    assert answer.json()["outcome"] == NoticeOutcome.REFUNDED_LATE
    payment = Payment.objects.get(dossier=awaiting)
    assert payment.status == "refunded" and payment.refunded_amount == 7000
    status = platform_sim.signed("GET", f"v1/payments/{payment.reference}").json()
    assert status["status"] == "refunded" and status["refunded_amount"] == 7000


def test_refunds_are_idempotent_and_never_exceed_what_was_paid(payer, awaiting, platform_sim):
    user, client = payer
    platform_sim.pay_in_browser(start_paying(client, awaiting))
    deliver(client, platform_sim.outbox())
    payment = Payment.objects.get(dossier=awaiting)
    services.refund(payment, reason="Thu thừa", amount=2000)
    payment.refresh_from_db()
    assert payment.status == "partially_refunded" and payment.refunded_amount == 2000
    with pytest.raises(services.PaymentRefused):
        services.refund(payment, reason="Quá số đã thu", amount=6000)
    services.refund(payment, reason="Phần còn lại")
    payment.refresh_from_db()
    assert payment.status == "refunded" and payment.refunded_amount == 7000


def test_reconciliation_lists_payments_only_one_side_knows(payer, awaiting, platform_sim):
    user, client = payer
    platform_sim.pay_in_browser(start_paying(client, awaiting))
    deliver(client, platform_sim.outbox())
    # A payment at the platform that the portal never made...
    created = platform_sim.signed("POST", "v1/payments", {
        "merchant_id": "DVC-PORTAL", "order_ref": "DVC-NOT-OURS-1", "amount": 50000, "currency": "VND",
        "description": "x", "return_url": "http://localhost:8000/thanh-toan/ve/",
        "notify_url": "http://localhost:8000/cong-thanh-toan/thong-bao/", "expires_in": 900})
    assert created.status_code == 201, created.text
    platform_sim.signed("POST", "v1/payments/DVC-NOT-OURS-1/settle", {"method": "ewallet"}).raise_for_status()
    platform_sim.outbox()
    # ...and one the portal counts as paid that the platform's file does not list.
    ours = Payment.objects.get(dossier=awaiting)
    ghost = Payment.objects.create(dossier=awaiting, payer=user, reference="DVC-GHOST-1", amount=7000,
                                   status="paid", paid_at=timezone.now())
    run = reconcile(timezone.localdate())
    found = {(d.reference, d.kind) for d in run.differences.all()}
    assert found == {("DVC-NOT-OURS-1", Difference.Kind.MISSING_AT_PORTAL),
                     (ghost.reference, Difference.Kind.MISSING_AT_PLATFORM)}
    assert ours.reference not in {d.reference for d in run.differences.all()}


def test_reconciliation_records_an_unreachable_platform(settings):
    settings.PAYMENT_PLATFORM_BASE_URL = "http://127.0.0.1:9/"
    settings.PAYMENT_PLATFORM_TIMEOUT = 0.5
    run = reconcile(timezone.localdate())
    assert run.error.startswith("PlatformUnavailable")
    assert ReconciliationRun.objects.count() == 1


def test_the_reconciliation_command_reports_a_day(platform_sim, capsys):
    call_command("reconcile_payments", "--day", timezone.localdate().isoformat())
    assert "0 platform rows" in capsys.readouterr().out


@pytest.mark.parametrize("body", [b"", b"not json", b"[]", json.dumps({"order_ref": 5}).encode()])
def test_junk_at_the_callback_is_a_400_never_a_500(client, body):
    answer = client.post(NOTIFY_PATH, data=body, content_type="application/json",
                         headers={"X-Timestamp": "x", "X-Signature": "y"})
    assert answer.status_code == 400


def test_a_well_signed_callback_with_missing_fields_is_refused(client, settings):
    body = json.dumps({"order_ref": "DVC-X"})
    timestamp = str(int(time.time()))
    signature = hmac.new(settings.PAYMENT_PLATFORM_SECRET.encode(), f"{timestamp}\n{body}".encode(),
                         hashlib.sha256).hexdigest()
    answer = client.post(NOTIFY_PATH, data=body, content_type="application/json",
                         headers={"X-Timestamp": timestamp, "X-Signature": signature})
    assert answer.status_code == 400
    assert PaymentNotice.objects.filter(outcome=NoticeOutcome.MALFORMED).exists()


def test_a_forged_return_confirms_nothing(payer, awaiting, platform_sim):
    user, client = payer
    start_paying(client, awaiting)
    reference = Payment.objects.get(dossier=awaiting).reference
    forged = client.get(f"/thanh-toan/ve/?order_ref={reference}&status=paid&amount=7000&signature=00")
    assert forged.status_code == 400
    assert Payment.objects.get(dossier=awaiting).status == "pending"


def test_someone_else_cannot_pay_see_or_download_a_payment(payer, awaiting, platform_sim):
    user, client = payer
    platform_sim.pay_in_browser(start_paying(client, awaiting))
    deliver(client, platform_sim.outbox())
    reference = Payment.objects.get(dossier=awaiting).reference
    other = csrf_client()
    sign_in_at_level(other, verified_citizen(phone="+84912000778"), 2)
    assert other.get(f"/thanh-toan/ho-so/{awaiting.pk}/").status_code == 404
    assert other.get(f"/thanh-toan/{reference}/").status_code == 404
    assert other.get(f"/thanh-toan/{reference}/bien-lai.pdf").status_code == 404


def test_an_unpaid_dossier_is_reminded_once_then_cancelled(payer, awaiting, settings, mailoutbox,
                                                           django_capture_on_commit_callbacks):
    user, client = payer
    from dichvucong.notifications.models import Notification
    from dichvucong.payments.tasks import remind_and_expire_unpaid

    user.email, user.email_confirmed_at = "nguoinop@example.vn", timezone.now()
    user.save()
    Dossier.objects.filter(pk=awaiting.pk).update(updated_at=timezone.now() - timezone.timedelta(hours=30))
    with django_capture_on_commit_callbacks(execute=True):
        assert remind_and_expire_unpaid() == {"reminded": 1, "expired": 0}
        assert remind_and_expire_unpaid() == {"reminded": 0, "expired": 0}
    assert len(mailoutbox) == 1 and "7.000" in mailoutbox[0].body
    # The reminder is in the account inbox too (the channels the person chose).
    assert Notification.objects.filter(recipient=user, kind="reminder", dossier=awaiting).count() == 1
    Dossier.objects.filter(pk=awaiting.pk).update(updated_at=timezone.now() - timezone.timedelta(days=8))
    assert remind_and_expire_unpaid()["expired"] == 1
    awaiting.refresh_from_db()
    assert awaiting.status == "cancelled"


def test_a_free_procedure_never_asks_for_payment(payer):
    user, client = payer
    from dichvucong.catalog.models import Procedure
    from dichvucong.dossiers import services as dossier_services
    from dichvucong.dossiers.selectors import receiving_agency
    from tests.payments.conftest import _hanoi_commune

    birth = Procedure.objects.get(code="1.001193")
    draft = dossier_services.create_draft(applicant=user, procedure=birth,
                                          agency=receiving_agency(birth, province="1", commune=_hanoi_commune()))
    submitted = dossier_services.submit_dossier(draft, applicant=user, submission_key="free", delivery_method="online")
    assert submitted.status == "submitted" and not Payment.objects.exists()
