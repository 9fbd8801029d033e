"""Where a dossier goes (the receiving agency for a procedure and the person's place) and
for whom it may be filed (the person, or a business they act for); the agency's requests
for more documents."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from django.utils import timezone

from dichvucong.accounts import services as accounts
from dichvucong.accounts.constants import DelegatedPermission
from dichvucong.catalog.constants import Target
from dichvucong.catalog.models import Agency, Procedure
from dichvucong.dossiers.constants import DossierStatus
from dichvucong.dossiers.models import Dossier, DossierEvent
from dichvucong.dossiers.routing import COMMITTEE, provincial_route

if TYPE_CHECKING:
    from dichvucong.accounts.models import Business

LEVEL_ORDER = ("commune", "province", "ministry")


def receiving_level(procedure: Procedure) -> str:
    """The level closest to the person among those that handle the procedure (commune first)."""
    levels = set(procedure.levels or [])
    return next((level for level in LEVEL_ORDER if level in levels), "ministry")


def receiving_agency(procedure: Procedure, *, province: str = "", commune: str = "") -> Agency | None:
    """The agency that receives the dossier: the commune's People's Committee for a
    commune-level procedure; for a province-level one the province's department in charge
    (``routing.provincial_route``), or its People's Committee when the committee handles it
    itself, no department is found, or the province has no agency of that kind; else the
    publishing agency. None when the place is missing or unknown."""
    level = receiving_level(procedure)
    if level == "commune":
        if not (province.isdigit() and commune.isdigit()):
            return None
        return Agency.objects.filter(level="commune", province_code=int(province), ward_code=int(commune)).first()
    if level == "province":
        if not province.isdigit():
            return None
        kind = provincial_route(procedure).kind
        candidates = Agency.objects.filter(
            level="province", province_code=int(province), kind__in={kind, COMMITTEE}
        )
        return min(candidates, key=lambda agency: agency.kind == COMMITTEE, default=None)
    return procedure.owner


ORGANISATION_TARGETS = frozenset({Target.BUSINESS, Target.ORGANISATION})


def filed_by_organisations(procedure: Procedure) -> bool:
    """Does the procedure's current version name businesses or organisations among its targets?"""
    targets = procedure.current.targets if procedure.current else procedure.targets
    return bool(ORGANISATION_TARGETS & set(targets or []))


def businesses_for_filing(applicant, procedure: Procedure) -> list[Business]:  # noqa: ANN001 - accounts.User
    """The businesses ``applicant`` may file ``procedure`` for now (B1): none when the
    procedure is not for organisations; else those they represent or hold a delegation
    in force to submit dossiers for."""
    if not filed_by_organisations(procedure):
        return []
    return accounts.businesses_acting_for(applicant, DelegatedPermission.SUBMIT_DOSSIERS)


def supplement_request(dossier: Dossier) -> DossierEvent | None:
    """The agency's latest request for more documents: its reason says what to supply."""
    return dossier.events.filter(to_status=DossierStatus.AWAITING_SUPPLEMENT).order_by("-at", "-pk").first()


def supplement_round(dossier: Dossier) -> int:
    """How many times the agency has asked for more documents (0: never). Files supplied in
    answer to the n-th request carry n."""
    return dossier.events.filter(to_status=DossierStatus.AWAITING_SUPPLEMENT).count()


def answers_for(dossier: Dossier, language: str) -> list[tuple[str, object]]:
    """The e-form's answers as (label in ``language``, value), in the form's order."""
    from dichvucong.dossiers.eforms import display_value, form_schema

    schema = form_schema(dossier.procedure.code)
    return [(spec.label[language], display_value(spec, dossier.data.get(spec.key), language))
            for _, spec in schema.fields() if dossier.data.get(spec.key) not in (None, "", False)]


@dataclass(frozen=True)
class Tracking:
    """What the applicant's live dossier page shows (F3)."""

    dossier: Dossier
    events: list[DossierEvent]
    taken_hours: float | None  # working hours since submission (to the result, when issued)
    left_hours: float | None  # working hours to the appointed date; None once decided or without one
    overdue: bool
    paused: bool
    live: bool  # still moving: the page polls for changes


def tracking(dossier: Dossier, now: datetime | None = None) -> Tracking:
    from dichvucong.dossiers import calendar
    from dichvucong.dossiers.constants import FINAL_STATUSES

    now = now or timezone.now()
    events = list(dossier.events.filter(public=True).select_related("actor"))
    finished = dossier.status in FINAL_STATUSES
    end = next((e.at for e in reversed(events) if e.to_status in FINAL_STATUSES), now) if finished else now
    taken = calendar.working_hours_between(dossier.submitted_at, end) if dossier.submitted_at else None
    running = not finished and dossier.due_at is not None
    return Tracking(
        dossier=dossier, events=events, taken_hours=taken,
        left_hours=calendar.working_hours_between(now, dossier.due_at) if running else None,
        overdue=running and dossier.due_at < now,
        paused=dossier.status == DossierStatus.AWAITING_SUPPLEMENT, live=not finished,
    )
