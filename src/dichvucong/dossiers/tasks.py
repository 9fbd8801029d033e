"""Drafts are reminded, then expire (A7)."""

from __future__ import annotations

from datetime import timedelta

from celery import shared_task
from django.conf import settings
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from dichvucong.core.notices import request_notice
from dichvucong.dossiers.constants import Actor, DossierStatus
from dichvucong.dossiers.models import Dossier
from dichvucong.dossiers.state_machine import TransitionRefused, transition


@shared_task(name="dossiers.remind_and_expire_drafts", ignore_result=True)
def remind_and_expire_drafts() -> dict[str, int]:
    now = timezone.now()
    drafts = Dossier.objects.filter(status=DossierStatus.DRAFT).select_related("applicant", "procedure")
    reminded = expired = 0
    for dossier in drafts.filter(updated_at__lt=now - timedelta(days=settings.DRAFT_REMIND_AFTER_DAYS),
                                 draft_reminded_at__isnull=True):
        applicant = dossier.applicant
        with translation.override(applicant.preferred_language):
            subject = _("Hồ sơ nháp sắp hết hạn")
            body = _("Bản nháp hồ sơ “%(procedure)s” sẽ bị hủy sau %(days)s ngày nếu không được nộp.") % {
                "procedure": dossier.procedure.name,
                "days": settings.DRAFT_EXPIRE_AFTER_DAYS - settings.DRAFT_REMIND_AFTER_DAYS}
        # Inbox, and the channels the person chose (notifications), once per draft.
        request_notice(applicant, kind="reminder", dedup_key=f"reminder:draft:{dossier.pk}", subject=subject,
                       body=body, dossier_id=dossier.pk)
        # Marked without touching updated_at: reminding is not the applicant working on it.
        Dossier.objects.filter(pk=dossier.pk).update(draft_reminded_at=now)
        reminded += 1
    for dossier in drafts.filter(updated_at__lt=now - timedelta(days=settings.DRAFT_EXPIRE_AFTER_DAYS)):
        try:
            transition(dossier, DossierStatus.CANCELLED, actor_kind=Actor.SYSTEM, reason="Bản nháp hết hạn")
            expired += 1
        except TransitionRefused:
            continue  # submitted meanwhile
    return {"reminded": reminded, "expired": expired}


@shared_task(name="dossiers.hand_over_pending", ignore_result=True)
def hand_over_pending() -> int:
    """Every 5 minutes (beat): dossiers no processing system took yet (G1)."""
    from dichvucong.dossiers.processing import hand_over_pending as retry

    return retry()
