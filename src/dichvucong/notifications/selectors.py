"""Reads for the inbox, the channel settings and the dossier subscribers."""

from __future__ import annotations

from collections.abc import Iterable

from django.contrib.auth import get_user_model
from django.db.models import QuerySet

from dichvucong.accounts.constants import AccountType
from dichvucong.dossiers.models import Dossier, DossierEvent
from dichvucong.notifications.models import ChannelPreference, Notification

INBOX_LIMIT = 100


def inbox_for(user) -> QuerySet[Notification]:  # noqa: ANN001 - accounts.User
    """The person's newest notifications first (the dossier's code comes with them)."""
    return Notification.objects.filter(recipient=user).select_related("dossier")[:INBOX_LIMIT]


def unread_count(user) -> int:  # noqa: ANN001 - accounts.User
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()


def dossier_for_notice(dossier_id: int) -> Dossier | None:
    return Dossier.objects.select_related("procedure", "applicant").filter(pk=dossier_id).first()



def dossier_event_for_notice(event_id: int) -> DossierEvent | None:
    """A history entry with what its notice names: the dossier, its procedure, agency and applicant."""
    return (
        DossierEvent.objects.select_related("dossier__procedure", "dossier__agency", "dossier__applicant")
        .filter(pk=event_id)
        .first()
    )


def officials_among(user_ids: Iterable[object]) -> QuerySet:
    """The official accounts among ``user_ids`` (anything else in the list is ignored)."""
    ids = [int(value) for value in user_ids
           if (isinstance(value, int) and not isinstance(value, bool)) or (isinstance(value, str) and value.isdigit())]
    return get_user_model().objects.filter(pk__in=ids, account_type=AccountType.OFFICIAL).order_by("pk")


def channel_preference_of(user) -> ChannelPreference:  # noqa: ANN001 - accounts.User
    """The person's channel choices; the defaults (every channel on), unsaved, if they made none."""
    return ChannelPreference.objects.filter(user=user).first() or ChannelPreference(user=user)
