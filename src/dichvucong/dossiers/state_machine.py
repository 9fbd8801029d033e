"""The dossier state machine, shared by the citizen's side and the back office (C5, G1).

The only way a dossier's status changes. Each transition names who may make it and
whether a reason is required; it locks the row, records a ``DossierEvent`` (who, when,
why) and emits ``dossiers.status_changed`` after the transaction commits.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction

from dichvucong.core import events
from dichvucong.dossiers.constants import Actor, DossierStatus
from dichvucong.dossiers.models import Dossier, DossierEvent

STATUS_CHANGED = "dossiers.status_changed"

S = DossierStatus
A = Actor


@dataclass(frozen=True)
class Rule:
    actors: frozenset[str]
    reason_required: bool = False


TRANSITIONS: dict[tuple[str, str], Rule] = {
    (S.DRAFT, S.SUBMITTED): Rule(frozenset({A.APPLICANT})),
    (S.DRAFT, S.CANCELLED): Rule(frozenset({A.APPLICANT, A.SYSTEM})),  # the system: an expired draft
    # A procedure with fees: filed, but it reaches the agency only once the payment is confirmed.
    (S.DRAFT, S.AWAITING_PAYMENT): Rule(frozenset({A.APPLICANT})),
    (S.AWAITING_PAYMENT, S.SUBMITTED): Rule(frozenset({A.SYSTEM})),  # the payment platform confirmed
    (S.AWAITING_PAYMENT, S.CANCELLED): Rule(frozenset({A.APPLICANT, A.SYSTEM})),  # the system: left unpaid
    (S.SUBMITTED, S.RECEIVED): Rule(frozenset({A.OFFICIAL, A.SYSTEM})),
    (S.SUBMITTED, S.REFUSED): Rule(frozenset({A.OFFICIAL}), reason_required=True),
    # Incomplete at receipt (one-stop rules): not received until the applicant completes it.
    (S.SUBMITTED, S.AWAITING_SUPPLEMENT): Rule(frozenset({A.OFFICIAL}), reason_required=True),
    (S.SUBMITTED, S.WITHDRAWN): Rule(frozenset({A.APPLICANT})),
    (S.RECEIVED, S.PROCESSING): Rule(frozenset({A.OFFICIAL, A.SYSTEM})),
    (S.RECEIVED, S.AWAITING_SUPPLEMENT): Rule(frozenset({A.OFFICIAL}), reason_required=True),
    (S.RECEIVED, S.REFUSED): Rule(frozenset({A.OFFICIAL}), reason_required=True),
    (S.RECEIVED, S.WITHDRAWN): Rule(frozenset({A.APPLICANT})),
    (S.PROCESSING, S.AWAITING_SUPPLEMENT): Rule(frozenset({A.OFFICIAL}), reason_required=True),
    (S.PROCESSING, S.RESULT_ISSUED): Rule(frozenset({A.OFFICIAL, A.SYSTEM})),
    (S.PROCESSING, S.REFUSED): Rule(frozenset({A.OFFICIAL}), reason_required=True),
    (S.PROCESSING, S.WITHDRAWN): Rule(frozenset({A.APPLICANT})),
    (S.AWAITING_SUPPLEMENT, S.PROCESSING): Rule(frozenset({A.APPLICANT, A.OFFICIAL})),  # supplied
    (S.AWAITING_SUPPLEMENT, S.SUBMITTED): Rule(frozenset({A.APPLICANT})),  # completed before receipt
    (S.AWAITING_SUPPLEMENT, S.REFUSED): Rule(frozenset({A.OFFICIAL}), reason_required=True),
    (S.AWAITING_SUPPLEMENT, S.WITHDRAWN): Rule(frozenset({A.APPLICANT})),
}


class TransitionRefused(Exception):
    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code


def allowed_targets(status: str, actor_kind: str) -> list[str]:
    return [to for (frm, to), rule in TRANSITIONS.items() if frm == status and actor_kind in rule.actors]


def transition(
    dossier: Dossier, to: str, *, actor_kind: str, actor=None, reason: str = "", **changes  # noqa: ANN001
) -> Dossier:
    """Move ``dossier`` to ``to``; ``changes`` are fields set in the same write (code, dates).

    The row is re-read under a lock, so of two concurrent transitions from the same
    status only the first succeeds; the second finds the new status and is refused.
    """
    with transaction.atomic():
        current = Dossier.objects.select_for_update().get(pk=dossier.pk)
        rule = TRANSITIONS.get((current.status, to))
        if rule is None:
            raise TransitionRefused("not_allowed", f"{current.status} → {to} is not a transition")
        if actor_kind not in rule.actors:
            raise TransitionRefused("not_permitted", f"{actor_kind} may not move a dossier {current.status} → {to}")
        if rule.reason_required and not reason.strip():
            raise TransitionRefused("reason_required", "this transition needs a reason")
        previous = current.status
        current.status = to
        for name, value in changes.items():
            setattr(current, name, value)
        current.save(update_fields=["status", "updated_at", *changes])
        record = DossierEvent.objects.create(
            dossier=current, from_status=previous, to_status=to, actor_kind=actor_kind, actor=actor,
            reason=reason.strip(),
        )
        # The record's id and reason travel with the event: subscribers need not look it up.
        events.emit(STATUS_CHANGED, dossier_id=current.pk, from_status=previous, to_status=to, actor_kind=actor_kind,
                    event_id=record.pk, reason=record.reason)
    dossier.refresh_from_db()
    return dossier
