"""The interface between the portal and the systems that process dossiers (G1, H1).

Every dossier that reaches its agency is handed over to one *processing system*: the
portal's built-in one-stop back office (``backoffice``), or (issue 6, the exchange) a
ministry's or province's own one-stop system. The portal speaks to all of them the same
way:

* outbound, ``ProcessingSystem.hand_over(dossier)``: the system takes the dossier;
* inbound, the system reports what happens through the functions below:
  ``report_status`` (a status change, with the official and unit handling it),
  ``report_handler`` (who handles it now), ``report_deadline`` (a new appointed date).
  A signed result is filed with ``results`` by the system, before it reports
  ``result_issued``.

Which system handles a dossier is decided once, when it reaches the agency, by the
routes registered here (an agency code → a system key); an agency without a route is
handled by ``DEFAULT_SYSTEM``. The choice is written on the dossier
(``processing_system``) so that a later change of routes never moves a dossier midway.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from django.utils import timezone

from dichvucong.dossiers.constants import Actor, DossierStatus
from dichvucong.dossiers.history import change_due_date
from dichvucong.dossiers.models import Dossier
from dichvucong.dossiers.state_machine import transition

DEFAULT_SYSTEM = "one-stop"
logger = logging.getLogger(__name__)


class ProcessingSystem(Protocol):
    key: str

    def hand_over(self, dossier: Dossier) -> None:
        """Take ``dossier`` (submitted, with its code); called after the submission committed.
        Must be idempotent: a retried hand-over of the same dossier changes nothing."""


@dataclass(frozen=True)
class Handler:
    """The official handling a dossier, as the processing system publishes them."""

    name: str = ""
    unit: str = ""


_systems: dict[str, ProcessingSystem] = {}
# Each route answers, for a dossier, a system key or None (ask the next route).
_routes: list[Callable[[Dossier], str | None]] = []


def register(system: ProcessingSystem) -> None:
    _systems[system.key] = system


def add_route(route: Callable[[Dossier], str | None]) -> None:
    if route not in _routes:
        _routes.append(route)


def remove_route(route: Callable[[Dossier], str | None]) -> None:
    if route in _routes:
        _routes.remove(route)


def system_key_for(dossier: Dossier) -> str:
    for route in _routes:
        key = route(dossier)
        if key:
            return key
    return DEFAULT_SYSTEM


def hand_over(dossier: Dossier) -> str:
    """Hand ``dossier`` to its processing system (chosen now, or earlier if already chosen)."""
    key = dossier.processing_system or system_key_for(dossier)
    if dossier.processing_system != key:  # chosen once: a later change of routes moves nothing
        Dossier.objects.filter(pk=dossier.pk, processing_system="").update(processing_system=key)
        dossier.processing_system = key
    system = _systems.get(key)
    if system is None:
        raise LookupError(f"no processing system registered as {key!r}")
    system.hand_over(dossier)
    if dossier.handed_over_at is None:
        dossier.handed_over_at = timezone.now()
        Dossier.objects.filter(pk=dossier.pk, handed_over_at__isnull=True).update(handed_over_at=dossier.handed_over_at)
    return key


def hand_over_pending(*, older_than: timedelta = timedelta(minutes=2)) -> int:
    """Hand over again the dossiers that reached their agency but no system took (the
    process died after the submission committed, or the system failed): nothing is lost.
    Run by Celery beat; returns how many were handed over now."""
    # Only "submitted": a dossier any system has moved on was handed over.
    waiting = Dossier.objects.filter(
        status=DossierStatus.SUBMITTED, handed_over_at__isnull=True, submitted_at__lt=timezone.now() - older_than,
    )
    done = 0
    for dossier in waiting.select_related("agency", "procedure").order_by("submitted_at")[:500]:
        try:
            hand_over(dossier)
        except Exception:
            logger.exception("hand-over failed", extra={"dossier_id": dossier.pk})
            continue
        done += 1
    return done


def hand_over_on_submission(*, dossier_id: int, from_status: str, to_status: str, **_event) -> None:
    """``dossiers.status_changed`` listener: a dossier that has just reached its agency (not one
    coming back from a supplement asked at receipt) goes to its processing system."""
    if to_status != DossierStatus.SUBMITTED or from_status not in (DossierStatus.DRAFT, DossierStatus.AWAITING_PAYMENT):
        return
    dossier = Dossier.objects.select_related("agency", "procedure").get(pk=dossier_id)
    hand_over(dossier)


def _ensure_handled_by(dossier: Dossier, system_key: str) -> None:
    if dossier.processing_system != system_key:
        raise PermissionError(f"dossier {dossier.pk} is not handled by {system_key!r}")


def report_handler(dossier: Dossier, handler: Handler, *, system_key: str) -> None:
    _ensure_handled_by(dossier, system_key)
    Dossier.objects.filter(pk=dossier.pk).update(handler_name=handler.name[:200], handler_unit=handler.unit[:200])
    dossier.handler_name, dossier.handler_unit = handler.name[:200], handler.unit[:200]


def report_status(  # noqa: ANN001 - actor: accounts.User (a built-in system's official) or None
    dossier: Dossier, to_status: str, *, system_key: str, handler: Handler | None = None, reason: str = "",
    actor=None, **changes,
) -> Dossier:
    """A processing system moved the dossier: through the one state machine, as an official."""
    _ensure_handled_by(dossier, system_key)
    if handler is not None:
        changes.update(handler_name=handler.name[:200], handler_unit=handler.unit[:200])
    return transition(dossier, to_status, actor_kind=Actor.OFFICIAL, actor=actor, reason=reason, **changes)


def report_deadline(  # noqa: ANN001 - actor: accounts.User or None
    dossier: Dossier, due_at: datetime, *, system_key: str, reason: str, kind: str, actor=None,
    details: dict | None = None,
) -> None:
    _ensure_handled_by(dossier, system_key)
    change_due_date(dossier, due_at, reason=reason, kind=kind, actor_kind=Actor.OFFICIAL if actor else Actor.SYSTEM,
                    actor=actor, details=details)
