"""History entries that are not status changes reach whom they concern (F1, A7): a new
appointed date, an apology and the postal delivery the applicant; a dossier due soon,
overdue or escalated the officials the entry names."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from dichvucong.accounts.constants import AccountType
from dichvucong.dossiers.constants import ActivityKind
from dichvucong.dossiers.history import change_due_date, record_activity
from dichvucong.notifications.constants import Channel, NotificationKind
from dichvucong.notifications.models import Notification
from dichvucong.notifications.services import notify_activity_recorded
from tests.accounts.factories import UserFactory, verified_citizen
from tests.notifications.helpers import PHONE, sms_inbox, submitted_dossier

pytestmark = pytest.mark.django_db

HANOI = ZoneInfo("Asia/Ho_Chi_Minh")
NEW_DUE = datetime(2027, 1, 15, 17, 0, tzinfo=HANOI)


def _latest(user) -> Notification:  # noqa: ANN001
    return Notification.objects.filter(recipient=user).order_by("-pk").first()


def _channels(notification: Notification) -> set[str]:
    return set(notification.deliveries.values_list("channel", flat=True))


def _official(**kwargs):  # noqa: ANN202
    return UserFactory(account_type=AccountType.OFFICIAL, **kwargs)


def test_a_new_appointed_date_reaches_the_applicant_everywhere(gateway, django_capture_on_commit_callbacks,
                                                              mailoutbox):
    user = verified_citizen(phone=PHONE, phone_confirmed_at=timezone.now())
    dossier = submitted_dossier(user, django_capture_on_commit_callbacks)
    previous = dossier.due_at

    with django_capture_on_commit_callbacks(execute=True):
        entry = change_due_date(dossier, NEW_DUE, reason="Chờ kết quả xác minh của xã bạn")

    notice = _latest(user)
    assert notice.kind == NotificationKind.DEADLINE_CHANGED
    assert notice.dedup_key == f"deadline_changed:{entry.pk}:{user.pk}"
    assert "15/01/2027 17:00" in notice.subject and "15/01/2027 17:00" in notice.body
    assert "Chờ kết quả xác minh của xã bạn" in notice.body
    if previous:
        assert timezone.localtime(previous).strftime("%d/%m/%Y %H:%M") in notice.body
    assert _channels(notice) == {Channel.EMAIL, Channel.SMS}
    assert mailoutbox[-1].subject == notice.subject
    assert sms_inbox(gateway)[0]["text"] == (
        f"DICHVUCONG: Ho so {dossier.code} co ngay hen tra moi: 15/01/2027 17:00. Xem chi tiet tren Cong Dich vu cong."
    )


def test_an_apology_names_the_agency_the_new_date_and_speaks_the_applicants_language(
    django_capture_on_commit_callbacks, mailoutbox
):
    user = verified_citizen(preferred_language="en")
    dossier = submitted_dossier(user, django_capture_on_commit_callbacks)

    with django_capture_on_commit_callbacks(execute=True):
        change_due_date(dossier, NEW_DUE, kind=ActivityKind.APOLOGY,
                        reason=f"Cần xác minh thêm với người có số định danh {user.pin}")

    notice = _latest(user)
    assert notice.kind == NotificationKind.APOLOGY
    agency = dossier.agency.name_en or dossier.agency.name
    assert f"{agency} apologises that the result of your dossier {dossier.code}" in notice.body
    assert "the new appointed date is 15/01/2027 17:00" in notice.body
    assert user.pin not in notice.body and user.pin not in notice.sms_text
    assert mailoutbox[-1].subject == f"[Public Service Portal] Apology about dossier {dossier.code}"


def test_an_apology_in_vietnamese(django_capture_on_commit_callbacks):
    user = verified_citizen()
    dossier = submitted_dossier(user, django_capture_on_commit_callbacks)

    with django_capture_on_commit_callbacks(execute=True):
        change_due_date(dossier, NEW_DUE, kind=ActivityKind.APOLOGY, reason="Hệ thống liên thông gián đoạn")
        change_due_date(dossier, NEW_DUE, kind=ActivityKind.APOLOGY, reason="",
                        details={"agency": "Sở Tư pháp Thành phố Hà Nội"})

    first, second = Notification.objects.filter(recipient=user, kind=NotificationKind.APOLOGY).order_by("pk")
    assert first.body.startswith(f"Cơ quan {dossier.agency.name} xin lỗi vì hồ sơ {dossier.code}")
    assert "chưa có kết quả đúng hẹn; ngày hẹn trả mới là 15/01/2027 17:00. Cơ quan ghi: Hệ thống liên thông" in first.body
    assert first.sms_text.startswith(f"DICHVUCONG: Co quan xin loi vi ho so {dossier.code} tre hen.")
    # The agency the apology names (the back office's, after a transfer) and no empty "reason".
    assert second.body.startswith(f"Cơ quan Sở Tư pháp Thành phố Hà Nội xin lỗi vì hồ sơ {dossier.code}")
    assert "Cơ quan ghi" not in second.body


def test_an_internal_deadline_entry_does_not_reach_the_applicant(django_capture_on_commit_callbacks):
    user = verified_citizen()
    dossier = submitted_dossier(user, django_capture_on_commit_callbacks)
    before = Notification.objects.filter(recipient=user).count()

    with django_capture_on_commit_callbacks(execute=True):
        record_activity(dossier, kind=ActivityKind.DEADLINE_CHANGED, public=False,
                        details={"due_at": NEW_DUE.isoformat()})
        record_activity(dossier, kind=ActivityKind.NOTE, reason="Ghi chú nội bộ", public=False)
        record_activity(dossier, kind=ActivityKind.ASSIGNED, public=True)

    assert Notification.objects.filter(recipient=user).count() == before


@pytest.mark.parametrize(
    ("step", "words", "sms"),
    [
        ("delivered", "Bưu chính đã giao kết quả", "DICHVUCONG: Buu chinh da giao ket qua ho so"),
        ("failed_attempt", "nhưng chưa giao được", "DICHVUCONG: Buu chinh chua giao duoc ket qua ho so"),
        ("returned", "đã chuyển hoàn về cơ quan", "DICHVUCONG: Ket qua ho so"),
    ],
)
def test_postal_delivery_returns_and_failed_attempts_reach_the_applicant_everywhere(
    step, words, sms, gateway, django_capture_on_commit_callbacks
):
    user = verified_citizen(phone=PHONE, phone_confirmed_at=timezone.now())
    dossier = submitted_dossier(user, django_capture_on_commit_callbacks)

    with django_capture_on_commit_callbacks(execute=True):
        record_activity(dossier, kind=ActivityKind.POSTAL, details={"status": step}, reason="Không có người nhận")

    notice = _latest(user)
    assert notice.kind == NotificationKind.POSTAL and words in notice.body
    assert _channels(notice) == {Channel.EMAIL, Channel.SMS}
    assert sms_inbox(gateway)[0]["text"].startswith(sms)


def test_other_postal_steps_reach_the_inbox_only(django_capture_on_commit_callbacks):
    user = verified_citizen()
    dossier = submitted_dossier(user, django_capture_on_commit_callbacks)

    with django_capture_on_commit_callbacks(execute=True):
        record_activity(dossier, kind=ActivityKind.POSTAL, details={"status": "in_transit"})

    notice = _latest(user)
    assert notice.kind == NotificationKind.POSTAL and "cập nhật" in notice.subject
    assert not notice.deliveries.exists() and notice.sms_text == ""


def test_a_pickup_of_the_applicants_papers_is_never_told_as_a_delivered_result(django_capture_on_commit_callbacks):
    user = verified_citizen(phone=PHONE, phone_confirmed_at=timezone.now())
    dossier = submitted_dossier(user, django_capture_on_commit_callbacks)

    with django_capture_on_commit_callbacks(execute=True):
        record_activity(dossier, kind=ActivityKind.POSTAL, details={"direction": "pickup", "status": "delivered"},
                        reason="Đã giao giấy tờ đến cơ quan")

    notice = _latest(user)
    assert "thu gom" in notice.subject and "kết quả" not in notice.subject
    assert not notice.deliveries.exists() and notice.sms_text == ""


@pytest.mark.parametrize(
    ("kind", "words"),
    [
        (ActivityKind.DUE_SOON, "sắp đến hạn"),
        (ActivityKind.OVERDUE, "đã quá hạn"),
        (ActivityKind.ESCALATED, "được báo lên lãnh đạo"),
    ],
)
def test_due_soon_overdue_and_escalated_reach_the_named_officials_without_sms(
    kind, words, django_capture_on_commit_callbacks, mailoutbox
):
    applicant = verified_citizen()
    dossier = submitted_dossier(applicant, django_capture_on_commit_callbacks)
    processor = _official(phone=PHONE, phone_confirmed_at=timezone.now())
    leader = _official(email_confirmed_at=None)
    bystander = _official()
    before = Notification.objects.filter(recipient=applicant).count()
    mailoutbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        entry = record_activity(
            dossier, kind=kind, public=False, reason="Chưa xử lý xong",
            details={"notify_user_ids": [processor.pk, leader.pk, applicant.pk],
                     "due_at": NEW_DUE.isoformat()},
        )

    for official in (processor, leader):
        notice = _latest(official)
        assert notice.kind == kind and notice.dedup_key == f"{kind}:{entry.pk}:{official.pk}"
        assert dossier.code in notice.body and dossier.procedure.name in notice.body
        assert words in notice.body and "15/01/2027 17:00" in notice.body
        assert notice.sms_text == ""
    assert _channels(_latest(processor)) == {Channel.EMAIL}  # a confirmed phone, still no SMS
    assert _channels(_latest(leader)) == set()  # no confirmed e-mail: the inbox alone
    assert [m.to for m in mailoutbox] == [[processor.email]]
    assert not Notification.objects.filter(recipient=bystander).exists()
    # A citizen's id in the list is not an official's: the applicant hears nothing of it.
    assert Notification.objects.filter(recipient=applicant).count() == before


def test_the_same_entry_handled_twice_notifies_each_official_once(django_capture_on_commit_callbacks):
    applicant = verified_citizen()
    dossier = submitted_dossier(applicant, django_capture_on_commit_callbacks)
    official = _official()

    with django_capture_on_commit_callbacks(execute=True):
        entry = record_activity(dossier, kind=ActivityKind.OVERDUE, public=False,
                                details={"notify_user_ids": [official.pk]})
    again = notify_activity_recorded(dossier_id=dossier.pk, event_id=entry.pk, kind=entry.kind, public=False)

    assert again == []
    assert Notification.objects.filter(recipient=official).count() == 1


def test_an_officials_notice_does_not_link_to_the_applicants_dossier_page(client, django_capture_on_commit_callbacks):
    from django.urls import reverse

    from tests.conftest import sign_in_at_level

    applicant = verified_citizen()
    dossier = submitted_dossier(applicant, django_capture_on_commit_callbacks)
    official = _official()
    with django_capture_on_commit_callbacks(execute=True):
        record_activity(dossier, kind=ActivityKind.ESCALATED, public=False,
                        details={"notify_user_ids": [official.pk]})
    sign_in_at_level(client, official)

    html = client.get(reverse("notifications:inbox")).content.decode()

    assert dossier.code in html
    assert reverse("dossiers:dossier", args=[dossier.pk]) not in html
