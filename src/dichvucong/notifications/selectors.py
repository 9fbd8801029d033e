"""Reads for the inbox and for the status-change subscriber."""

from __future__ import annotations

from django.db.models import QuerySet

from dichvucong.dossiers.models import Dossier
from dichvucong.notifications.models import Notification

INBOX_LIMIT = 100


def inbox_for(user) -> QuerySet[Notification]:  # noqa: ANN001 - accounts.User
    """The person's newest notifications first (the dossier's code comes with them)."""
    return Notification.objects.filter(recipient=user).select_related("dossier")[:INBOX_LIMIT]


def unread_count(user) -> int:  # noqa: ANN001 - accounts.User
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()


def dossier_for_notice(dossier_id: int) -> Dossier | None:
    return Dossier.objects.select_related("procedure", "applicant").filter(pk=dossier_id).first()

