from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from dichvucong.catalog.models import Procedure
from dichvucong.dossiers.models import Dossier
from dichvucong.dossiers.services import create_draft, save_draft
from dichvucong.dossiers.tasks import remind_and_expire_drafts
from tests.accounts.factories import verified_citizen

pytestmark = pytest.mark.django_db


def aged(days: int) -> Dossier:
    procedure = Procedure.objects.get(code="1.001193")
    dossier = create_draft(applicant=verified_citizen(), procedure=procedure, agency=procedure.owner)
    Dossier.objects.filter(pk=dossier.pk).update(updated_at=timezone.now() - timedelta(days=days))
    return dossier


def test_old_drafts_are_reminded_once_then_expire_by_the_state_machine(django_capture_on_commit_callbacks):
    from dichvucong.notifications.models import Notification

    fresh, old, older = aged(1), aged(21), aged(31)
    with django_capture_on_commit_callbacks(execute=True):
        assert remind_and_expire_drafts() == {"reminded": 2, "expired": 1}
    reminders = [m for m in mail.outbox if "sắp hết hạn" in m.subject]
    assert len(reminders) == 2  # the third mail tells the owner of the oldest one it was cancelled
    assert Notification.objects.filter(kind="reminder", dossier__in=[old, older]).count() == 2  # in the inbox too
    with django_capture_on_commit_callbacks(execute=True):
        assert remind_and_expire_drafts() == {"reminded": 0, "expired": 0}  # reminded once only
    older.refresh_from_db()
    assert older.status == "cancelled" and older.events.last().actor_kind == "system"
    fresh.refresh_from_db()
    old.refresh_from_db()
    assert fresh.status == old.status == "draft"


def test_working_on_a_reminded_draft_starts_the_clock_again():
    dossier = aged(21)
    remind_and_expire_drafts()
    save_draft(dossier, applicant=dossier.applicant, data={"child__full_name": "An"})
    dossier.refresh_from_db()
    assert dossier.draft_reminded_at is None and (timezone.now() - dossier.updated_at).total_seconds() < 60
    assert remind_and_expire_drafts() == {"reminded": 0, "expired": 0}
