"""What officials see (G1, G3): worklists, search, a case, workload and performance.

Every query starts from ``visible_cases``: the cases of the agencies (and units) where the
official holds an active position, plus those consulted there. Worklists by role then
keep the cases whose current step that role acts on.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Avg, Count, DurationField, ExpressionWrapper, F, Q, QuerySet
from django.utils import timezone

from dichvucong.accounts.constants import OfficialRole
from dichvucong.accounts.models import OfficialPosition, User
from dichvucong.accounts.permissions import active_positions
from dichvucong.backoffice.constants import StepKind, Worklist
from dichvucong.backoffice.models import Case, StepLog

_CODE_RE = re.compile(r"^[A-Za-z0-9.\-]{6,48}$")
_PIN_RE = re.compile(r"^\d{12}$")


def _positions(user: User) -> list[tuple[int, int | None, str]]:
    """The user's active positions (agency, unit, role), read once per request: a page asks
    for several lists and their counts."""
    cached = getattr(user, "_backoffice_positions", None)
    if cached is None:
        cached = list(active_positions(user).exclude(role=OfficialRole.SYSTEM_ADMIN)
                      .values_list("agency_id", "unit_id", "role"))
        user._backoffice_positions = cached
    return cached


def _reach(user: User, roles: list[str] | None = None, *, prefix: str = "") -> Q:
    """Cases (through ``prefix``: "" for home, "acting_" for where acted on) in reach of the
    user's positions (with ``roles``), unit by unit."""
    places = {(agency_id, unit_id) for agency_id, unit_id, role in _positions(user) if roles is None or role in roles}
    reach = Q(pk__in=[])
    for agency_id, unit_id in places:
        if unit_id is None:
            reach |= Q(**{f"{prefix}agency_id": agency_id})
        else:
            reach |= Q(**{f"{prefix}agency_id": agency_id, f"{prefix}unit_id": unit_id})
    return reach


def visible_cases(user: User) -> QuerySet[Case]:
    return Case.objects.filter(_reach(user) | _reach(user, prefix="acting_"))


def _my_step(user: User, role: str) -> Q:
    """Open, running cases at a step of ``role`` where the user holds it, not someone else's."""
    return (
        _reach(user, [role], prefix="acting_") & Q(step_role=role, closed_at__isnull=True, paused_at__isnull=True)
        & (Q(assignee__isnull=True) | Q(assignee=user))
    )


def worklist(user: User, name: str, *, now: datetime | None = None, due_soon_hours: float = 24) -> QuerySet[Case]:
    now = now or timezone.now()
    cases = Case.objects.all()
    if name == Worklist.RECEIVE:
        cases = cases.filter(_my_step(user, OfficialRole.RECEIVER), step_kind=StepKind.RECEIVE)
    elif name == Worklist.PROCESS:
        cases = cases.filter(_my_step(user, OfficialRole.PROCESSOR))
    elif name == Worklist.APPROVE:
        cases = cases.filter(_my_step(user, OfficialRole.APPROVER))
    elif name == Worklist.RETURN:
        cases = cases.filter(_my_step(user, OfficialRole.RECEIVER), step_kind=StepKind.RETURN)
    elif name == Worklist.WAITING:
        cases = visible_cases(user).filter(closed_at__isnull=True, paused_at__isnull=False)
    elif name == Worklist.DUE_SOON:
        cases = visible_cases(user).filter(closed_at__isnull=True, paused_at__isnull=True, due_at__gt=now,
                                           due_at__lte=now + timedelta(hours=due_soon_hours))
    elif name == Worklist.OVERDUE:
        cases = visible_cases(user).filter(Q(due_at__lte=now) | Q(late_since__isnull=False),
                                           closed_at__isnull=True)
    else:
        cases = visible_cases(user)
    return cases.select_related("dossier", "dossier__procedure", "assignee").order_by(F("due_at").asc(nulls_last=True),
                                                                                      "pk")


def counts(user: User, *, now: datetime | None = None, due_soon_hours: float = 24) -> dict[str, int]:
    return {name: worklist(user, name, now=now, due_soon_hours=due_soon_hours).count()
            for name in Worklist.values if name != Worklist.ALL}


def search(user: User, text: str, *, status: str = "", procedure: str = "") -> QuerySet[Case]:
    """By dossier code (exact), by the applicant's identification number (exact) or name."""
    cases = visible_cases(user)
    text = text.strip()
    if text:
        if _PIN_RE.match(text):
            cases = cases.filter(dossier__applicant__pin=text)
        elif _CODE_RE.match(text) and any(ch.isdigit() for ch in text):
            cases = cases.filter(dossier__code=text.upper())
        else:
            cases = cases.filter(dossier__applicant__full_name__icontains=text[:100])
    if status:
        cases = cases.filter(dossier__status=status)
    if procedure:
        cases = cases.filter(dossier__procedure__code=procedure)
    return cases.select_related("dossier", "dossier__procedure", "assignee").order_by("-pk")


def case_for(user: User, dossier_id: int) -> Case | None:
    return (visible_cases(user).select_related("dossier", "dossier__procedure", "dossier__procedure_version",
                                               "dossier__agency", "dossier__applicant", "agency", "unit",
                                               "acting_agency", "acting_unit", "assignee")
            .filter(dossier_id=dossier_id).first())


def assignable_officials(case: Case) -> QuerySet[User]:
    positions = OfficialPosition.objects.filter(active=True, role=case.step_role, agency_id=case.acting_agency_id)
    if case.acting_unit_id:
        positions = positions.filter(Q(unit__isnull=True) | Q(unit_id=case.acting_unit_id))
    return User.objects.filter(pk__in=positions.values("user_id"), is_active=True).order_by("full_name")


@dataclass(frozen=True)
class Performance:
    per_official: list[dict]
    per_step: list[dict]
    closed: int
    on_time: int
    open_cases: int
    late_open: int

    @property
    def on_time_rate(self) -> float | None:
        return self.on_time / self.closed if self.closed else None


def performance(agency_id: int, *, since: datetime, now: datetime | None = None) -> Performance:
    """Workload and performance of an agency since a date: dossiers per official (steps done,
    open assignments), on-time rate of closed dossiers, average time per kind of step."""
    now = now or timezone.now()
    logs = StepLog.objects.filter(agency_id=agency_id, finished_at__gte=since, finished_at__isnull=False)
    took = ExpressionWrapper(F("finished_at") - F("started_at"), output_field=DurationField())
    per_step = list(logs.values("kind").annotate(done=Count("pk"), average=Avg(took)).order_by("kind"))
    per_official = list(
        logs.filter(official__isnull=False).values("official_id", "official__full_name", "official__username")
        .annotate(done=Count("pk"), average=Avg(took)).order_by("-done")
    )
    assigned = dict(Case.objects.filter(acting_agency_id=agency_id, closed_at__isnull=True, assignee__isnull=False)
                    .values_list("assignee_id").annotate(n=Count("pk")))
    for row in per_official:
        row["open"] = assigned.pop(row["official_id"], 0)
    closed = Case.objects.filter(agency_id=agency_id, closed_at__gte=since, closed_on_time__isnull=False)
    open_cases = Case.objects.filter(agency_id=agency_id, closed_at__isnull=True)
    return Performance(
        per_official=per_official, per_step=per_step, closed=closed.count(),
        on_time=closed.filter(closed_on_time=True).count(), open_cases=open_cases.count(),
        late_open=open_cases.filter(Q(due_at__lte=now) | Q(late_since__isnull=False)).count(),
    )


def agencies_led(user: User) -> list:
    from dichvucong.catalog.models import Agency

    ids = active_positions(user).filter(role__in=[OfficialRole.APPROVER, OfficialRole.AGENCY_ADMIN]).values("agency_id")
    return list(Agency.objects.filter(pk__in=ids).order_by("name"))


def agencies_administered(user: User) -> list:
    from dichvucong.catalog.models import Agency

    ids = active_positions(user).filter(role=OfficialRole.AGENCY_ADMIN).values("agency_id")
    return list(Agency.objects.filter(pk__in=ids).order_by("name"))


def workflows_of(agency) -> list:  # noqa: ANN001 - catalog.Agency
    """The agency's workflows with their latest version (the default one first)."""
    from dichvucong.backoffice.models import Workflow

    workflows = list(Workflow.objects.filter(agency=agency).select_related("procedure", "unit")
                     .prefetch_related("versions").order_by(F("procedure").asc(nulls_first=True)))
    for workflow in workflows:
        workflow.latest = max(workflow.versions.all(), key=lambda version: version.number, default=None)
    return workflows
