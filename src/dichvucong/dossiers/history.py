"""A dossier's history beyond its status (G1, G2, F2, F3): assignments, steps, escalations,
apology letters, deadline changes, results, postal tracking.

Status changes are written by the state machine only; everything else that happens to a
dossier is written here, in the same ``DossierEvent`` timeline, and announced as
``dossiers.activity_recorded`` once committed (notifications, tracking and the exchange
listen). A change of the appointed date also emits ``dossiers.deadline_changed``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import transaction

from dichvucong.core import events
from dichvucong.dossiers.constants import ActivityKind, Actor
from dichvucong.dossiers.models import Dossier, DossierEvent

ACTIVITY_RECORDED = "dossiers.activity_recorded"
DEADLINE_CHANGED = "dossiers.deadline_changed"


def record_activity(  # noqa: ANN001 - actor: accounts.User
    dossier: Dossier, *, kind: str, actor_kind: str = Actor.SYSTEM, actor=None, reason: str = "",
    details: dict[str, Any] | None = None, public: bool = True,
) -> DossierEvent:
    """Write one history entry that is not a status change; ``details`` must be JSON."""
    if kind == ActivityKind.STATUS:
        raise ValueError("status changes are written by the state machine")
    entry = DossierEvent.objects.create(
        dossier=dossier, kind=kind, actor_kind=actor_kind, actor=actor, reason=reason.strip(),
        details=details or {}, public=public,
    )
    events.emit(ACTIVITY_RECORDED, dossier_id=dossier.pk, event_id=entry.pk, kind=kind, public=public)
    return entry


def change_due_date(  # noqa: ANN001 - actor: accounts.User
    dossier: Dossier, new_due_at: datetime, *, reason: str, kind: str = ActivityKind.DEADLINE_CHANGED,
    actor_kind: str = Actor.SYSTEM, actor=None, details: dict[str, Any] | None = None,
) -> DossierEvent:
    """Move the appointed date (an apology letter, a paused clock) and say so in the history."""
    with transaction.atomic():
        current = Dossier.objects.select_for_update().get(pk=dossier.pk)
        previous = current.due_at
        current.due_at = new_due_at
        current.save(update_fields=["due_at", "updated_at"])
        entry = record_activity(
            current, kind=kind, actor_kind=actor_kind, actor=actor, reason=reason,
            details={**(details or {}), "previous_due_at": previous.isoformat() if previous else None,
                     "due_at": new_due_at.isoformat()},
        )
        events.emit(DEADLINE_CHANGED, dossier_id=current.pk, event_id=entry.pk, kind=kind,
                    due_at=new_due_at.isoformat(), previous_due_at=previous.isoformat() if previous else None)
    dossier.due_at = new_due_at
    return entry
