"""The built-in one-stop back office's commands (G1, G2, G3).

Each action locks the case, checks that the official may do it at the current step,
changes the dossier's status only through the processing interface (and so the one state
machine), writes the history (who, when, why) and the audit trail, in one transaction.
An action names the step it was taken on (``step_index``, from the page the official
saw): if the case moved meanwhile (a colleague acted first), the action is refused.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import date, datetime, timedelta
from functools import wraps

from django.db import transaction
from django.utils import timezone

from dichvucong.accounts import audit
from dichvucong.accounts.constants import OfficialRole
from dichvucong.accounts.models import OfficialPosition, OrganisationalUnit, User
from dichvucong.backoffice import permissions
from dichvucong.backoffice.constants import RefusalReason, StepKind
from dichvucong.backoffice.models import Case, StepLog, Workflow, WorkflowVersion
from dichvucong.backoffice.workflows import Step, default_steps, parse_steps
from dichvucong.catalog.models import Agency, Procedure
from dichvucong.dossiers import calendar, processing
from dichvucong.dossiers.constants import ActivityKind, Actor, DeliveryMethod, DossierStatus
from dichvucong.dossiers.history import record_activity
from dichvucong.dossiers.models import Dossier
from dichvucong.dossiers.services import processing_time
from dichvucong.dossiers.state_machine import TransitionRefused

SYSTEM_KEY = processing.DEFAULT_SYSTEM
K = StepKind
S = DossierStatus
WORKING_STEPS = frozenset({K.ASSIGN, K.PROCESS, K.CONSULT, K.APPROVE, K.SIGN})
# The dossier's life ended without a result (a result issued still has its return step).
ENDED = frozenset({S.REFUSED, S.WITHDRAWN, S.CANCELLED})


class ActionRefused(Exception):
    def __init__(self, code: str, message: str = ""):
        super().__init__(message or code)
        self.code = code


# --- workflows -------------------------------------------------------------------------
def workflow_in_force(
    agency: Agency, procedure: Procedure | None
) -> tuple[WorkflowVersion | None, list[Step], int | None]:
    """The version (None: the built-in default), steps and unit in charge for a procedure
    (``None``: the agency's default workflow)."""
    workflow = Workflow.objects.filter(agency=agency, procedure=procedure).first() if procedure else None
    workflow = workflow or Workflow.objects.filter(agency=agency, procedure__isnull=True).first()
    version = workflow.versions.order_by("-number").first() if workflow else None
    if version is None:
        return None, default_steps(), workflow.unit_id if workflow else None
    return version, parse_steps(version.steps), workflow.unit_id


@transaction.atomic
def publish_workflow(
    agency: Agency, *, admin: User, steps: list[dict], procedure: Procedure | None = None,
    unit: OrganisationalUnit | None = None, note: str = "",
) -> WorkflowVersion:
    """A new version of an agency's workflow (for one procedure, or its default). Dossiers
    already in progress keep the steps they started with."""
    if not permissions.administers_workflows(admin, agency.pk):
        raise ActionRefused("not_permitted", "only the agency's administrators edit its workflows")
    if unit is not None and unit.agency_id != agency.pk:
        raise ActionRefused("foreign_unit", "the unit belongs to another agency")
    checked = parse_steps(steps)
    workflow, _ = Workflow.objects.select_for_update().get_or_create(agency=agency, procedure=procedure)
    workflow.unit = unit
    workflow.save(update_fields=["unit"])
    last = workflow.versions.order_by("-number").values_list("number", flat=True).first() or 0
    version = WorkflowVersion.objects.create(
        workflow=workflow, number=last + 1, steps=[step.as_dict() for step in checked], note=note[:300],
        created_by=admin,
    )
    audit.record("backoffice.workflow_published", user=admin, agency=agency.code,
                 procedure=procedure.code if procedure else "*", version=version.number)
    return version


# --- hand-over: the built-in processing system ------------------------------------------
class OneStopBackOffice:
    """The portal's own one-stop back office, as a processing system (``dossiers.processing``)."""

    key = SYSTEM_KEY

    def hand_over(self, dossier: Dossier) -> None:
        open_case(dossier)


def open_case(dossier: Dossier) -> Case:
    """The dossier's case, opened at the first step of the workflow in force (idempotent)."""
    existing = Case.objects.filter(dossier=dossier).first()
    if existing is not None:
        return existing
    version, steps, unit_id = workflow_in_force(dossier.agency, dossier.procedure)
    now = timezone.now()
    first = steps[0]
    with transaction.atomic():
        case, created = Case.objects.get_or_create(dossier=dossier, defaults={
            "agency": dossier.agency, "unit_id": unit_id, "workflow_version": version,
            "steps": [step.as_dict() for step in steps], "step_index": 0, "step_kind": first.kind,
            "step_role": first.role, "step_started_at": now, "acting_agency": dossier.agency,
            "acting_unit_id": unit_id, "due_at": dossier.due_at,
        })
        if created:
            StepLog.objects.create(case=case, step_index=0, kind=first.kind, agency=dossier.agency, started_at=now)
    return case


# --- the shape of every action -----------------------------------------------------------
def _action(command: Callable[..., Case]) -> Callable[..., Case]:
    """One transaction per action; a refusal for want of permission is audited once the
    transaction has rolled back (so the record survives it)."""

    @wraps(command)
    def run(case: Case, official: User, **kwargs: object) -> Case:
        from dichvucong.pki.agency_signing import AgencySigningError
        from dichvucong.results.services import ResultRefused

        try:
            with transaction.atomic():
                try:
                    return command(case, official, **kwargs)
                except TransitionRefused as refused:  # the applicant moved the dossier meanwhile
                    raise ActionRefused("stale", str(refused)) from refused
                except AgencySigningError as failed:  # no credential, or the signing service is down
                    raise ActionRefused("signing_unavailable", str(failed)) from failed
                except ResultRefused as refused:
                    raise ActionRefused(f"result_{refused.code}", str(refused)) from refused
        except ActionRefused as refused:
            if refused.code == "not_permitted":
                audit.record("backoffice.denied", user=official, outcome="denied", case=case.pk,
                             command=command.__name__)
            raise

    return run


def _locked(case: Case, step_index: int | None) -> Case:
    current = Case.objects.select_for_update(of=("self",)).select_related("dossier", "agency").get(pk=case.pk)
    if current.closed_at is not None or current.dossier.status in ENDED:
        raise ActionRefused("closed", "the dossier's processing is over")
    if step_index is not None and current.step_index != step_index:
        raise ActionRefused("stale", "the dossier has moved on since the page was opened")
    return current


def _require(official: User, case: Case, kinds: set[str] | frozenset[str]) -> None:
    if case.step_kind not in kinds:
        raise ActionRefused("wrong_step", f"not possible at a {case.step_kind} step")
    if case.paused_at is not None:
        raise ActionRefused("paused", "the dossier awaits the applicant's supplement")
    if not permissions.can_act(official, case):
        raise ActionRefused("not_permitted", "you may not act on this step of this dossier")


def _handler(official: User | None, case: Case) -> processing.Handler:
    if official is None:
        return processing.Handler()
    unit = case.acting_unit.name if case.acting_unit_id else case.acting_agency.display_name
    return processing.Handler(name=official.full_name or official.get_username(), unit=unit)


def _finish_step(case: Case, official: User | None, outcome: str, now: datetime) -> None:
    StepLog.objects.filter(case=case, step_index=case.step_index, finished_at__isnull=True).update(
        finished_at=now, official=official, outcome=outcome
    )


def _enter_step(case: Case, index: int, official: User | None, *, outcome: str,
                acting_agency: Agency | None = None, acting_unit: OrganisationalUnit | None = None) -> None:
    now = timezone.now()
    _finish_step(case, official, outcome, now)
    step = Step(**case.steps[index])
    case.step_index, case.step_kind, case.step_role, case.step_started_at = index, step.kind, step.role, now
    case.acting_agency = acting_agency or case.agency
    case.acting_unit = acting_unit if acting_agency or acting_unit else case.unit
    case.assignee = None
    case.save()
    StepLog.objects.create(case=case, step_index=index, kind=step.kind, agency=case.acting_agency, started_at=now)
    record_activity(case.dossier, kind=ActivityKind.STEP, actor_kind=Actor.OFFICIAL if official else Actor.SYSTEM,
                    actor=official, reason=step.name, public=False,
                    details={"step": index, "kind": step.kind, "agency": case.acting_agency.code})


def _ensure_processing(case: Case, official: User) -> None:
    """A received dossier is "being processed" from the first work done on it after receipt."""
    if case.dossier.status == S.RECEIVED:
        processing.report_status(case.dossier, S.PROCESSING, system_key=SYSTEM_KEY, actor=official,
                                 handler=_handler(official, case))


def _audit(action: str, official: User, case: Case, **details: object) -> None:
    audit.record(f"backoffice.{action}", user=official, case=case.pk, dossier=case.dossier.code, **details)


def _close(case: Case, now: datetime) -> None:
    case.closed_at = now
    case.closed_on_time = case.dossier.due_at is None or (now <= case.dossier.due_at and case.late_since is None)
    case.save(update_fields=["closed_at", "closed_on_time"])


# --- actions ------------------------------------------------------------------------------
@_action
def accept(case: Case, official: User, *, step_index: int | None = None, note: str = "") -> Case:
    """Receive a complete dossier: it is the agency's from now, and goes to the next step."""
    case = _locked(case, step_index)
    _require(official, case, {K.RECEIVE})
    processing.report_status(case.dossier, S.RECEIVED, system_key=SYSTEM_KEY, actor=official, reason=note,
                             handler=_handler(official, case))
    _enter_step(case, case.step_index + 1, official, outcome="accepted")
    _audit("accept", official, case)
    return case


@_action
def refuse(case: Case, official: User, *, reason_code: str, text: str, step_index: int | None = None) -> Case:
    """Refuse the dossier, on a ground of the controlled list explained in words."""
    if reason_code not in RefusalReason.values:
        raise ActionRefused("bad_reason", "choose a ground from the list")
    if not text.strip():
        raise ActionRefused("reason_required", "explain the refusal")
    case = _locked(case, step_index)
    _require(official, case, {K.RECEIVE, K.PROCESS, K.APPROVE})
    reason = f"{RefusalReason(reason_code).label}: {text.strip()}"
    processing.report_status(case.dossier, S.REFUSED, system_key=SYSTEM_KEY, actor=official, reason=reason,
                             handler=_handler(official, case))
    _finish_step(case, official, "refused", timezone.now())
    _close(case, timezone.now())
    _audit("refuse", official, case, reason_code=reason_code)
    return case


@_action
def request_supplement(case: Case, official: User, *, text: str, step_index: int | None = None) -> Case:
    """Ask the applicant for more; the clock stops until they supply it (G2)."""
    if not text.strip():
        raise ActionRefused("reason_required", "say what must be supplied")
    case = _locked(case, step_index)
    _require(official, case, {K.RECEIVE, K.PROCESS})
    processing.report_status(case.dossier, S.AWAITING_SUPPLEMENT, system_key=SYSTEM_KEY, actor=official,
                             reason=text, handler=_handler(official, case))
    case.paused_at = timezone.now()
    case.save(update_fields=["paused_at"])
    _audit("request_supplement", official, case)
    return case


@_action
def take(case: Case, official: User, *, step_index: int | None = None) -> Case:
    """Take the current step for oneself (it then leaves colleagues' "to do" lists)."""
    case = _locked(case, step_index)
    _require(official, case, WORKING_STEPS | {K.RECEIVE, K.RETURN})
    return _give(case, official, official)


@_action
def assign(case: Case, official: User, *, assignee: User, step_index: int | None = None) -> Case:
    """A leader assigns (or reassigns) the current step to an official who holds its role."""
    case = _locked(case, step_index)
    if not permissions.leads(official, case):
        raise ActionRefused("not_permitted", "only a leader assigns")
    if case.paused_at is not None:
        raise ActionRefused("paused", "the dossier awaits the applicant's supplement")
    if not permissions.may_be_assigned(assignee, case):
        raise ActionRefused("assignee_lacks_role", "that official does not hold this step's role here")
    return _give(case, official, assignee)


def _give(case: Case, official: User, assignee: User) -> Case:
    previous = case.assignee
    case.assignee = assignee
    case.save(update_fields=["assignee"])
    handler = _handler(assignee, case)
    processing.report_handler(case.dossier, handler, system_key=SYSTEM_KEY)
    if case.step_kind in WORKING_STEPS:
        _ensure_processing(case, official)
    record_activity(case.dossier, kind=ActivityKind.ASSIGNED, actor_kind=Actor.OFFICIAL, actor=official,
                    reason=f"{handler.name} — {handler.unit}",
                    details={"assignee": handler.name, "unit": handler.unit, "step": case.step_index})
    _audit("assign", official, case, assignee=assignee.pk, previous=previous.pk if previous else None)
    return case


@_action
def forward(case: Case, official: User, *, step_index: int | None = None, note: str = "",
            consult_agency: Agency | None = None, consult_unit: OrganisationalUnit | None = None) -> Case:
    """Done with this step: on to the next. Entering a consultation step names the unit or
    agency asked for its opinion (liên thông); answering it is forwarding from it."""
    case = _locked(case, step_index)
    _require(official, case, {K.ASSIGN, K.PROCESS, K.CONSULT, K.APPROVE})
    _ensure_processing(case, official)
    if case.steps[case.step_index + 1]["kind"] == K.CONSULT:
        if consult_unit is None and consult_agency is None:
            raise ActionRefused("consult_target", "name the unit or agency to consult")
        if consult_unit is not None and consult_agency is not None and consult_unit.agency_id != consult_agency.pk:
            raise ActionRefused("consult_target", "the unit belongs to another agency")
        target_agency = consult_agency or case.agency
        if consult_unit is not None and consult_unit.agency_id != target_agency.pk:
            raise ActionRefused("consult_target", "the unit belongs to another agency")
        _enter_step(case, case.step_index + 1, official, outcome="forwarded", acting_agency=target_agency,
                    acting_unit=consult_unit)
        record_activity(case.dossier, kind=ActivityKind.CONSULTED, actor_kind=Actor.OFFICIAL, actor=official,
                        reason=note, public=False,
                        details={"agency": target_agency.code, "unit": consult_unit.name if consult_unit else ""})
    else:
        outcome = "approved" if case.step_kind == K.APPROVE else "answered" if case.step_kind == K.CONSULT else "done"
        if note.strip():
            record_activity(case.dossier, kind=ActivityKind.NOTE, actor_kind=Actor.OFFICIAL, actor=official,
                            reason=note, public=False, details={"step": case.step_index})
        _enter_step(case, case.step_index + 1, official, outcome=outcome)
    _audit("forward", official, case, to_step=case.step_index)
    return case


@_action
def send_back(case: Case, official: User, *, reason: str, step_index: int | None = None) -> Case:
    """Approver or signer returns the dossier to the last processing step, saying why."""
    if not reason.strip():
        raise ActionRefused("reason_required", "say why it goes back")
    case = _locked(case, step_index)
    _require(official, case, {K.APPROVE, K.SIGN})
    target = max((i for i, step in enumerate(case.steps[: case.step_index]) if step["kind"] == K.PROCESS),
                 default=None)
    if target is None:
        raise ActionRefused("nothing_to_send_back", "no processing step before this one")
    record_activity(case.dossier, kind=ActivityKind.NOTE, actor_kind=Actor.OFFICIAL, actor=official,
                    reason=reason, public=False, details={"sent_back_to": target})
    _enter_step(case, target, official, outcome="sent_back")
    _audit("send_back", official, case, to_step=target)
    return case


@_action
def transfer(case: Case, official: User, *, reason: str, unit: OrganisationalUnit | None = None,
             agency: Agency | None = None, step_index: int | None = None) -> Case:
    """Move the dossier to another unit of the agency, or to another agency (which then
    handles it with its own workflow, from after receipt)."""
    if not reason.strip():
        raise ActionRefused("reason_required", "say why it is transferred")
    case = _locked(case, step_index)
    if not permissions.leads_home(official, case):
        raise ActionRefused("not_permitted", "only a leader of the agency that owns the dossier transfers it")
    if case.step_kind in (K.CONSULT, K.SIGN, K.RETURN) or case.paused_at is not None:
        raise ActionRefused("wrong_step", "a dossier consulted, being signed or returned is not transferred")
    target_agency = agency or case.agency
    if unit is not None and unit.agency_id != target_agency.pk:
        raise ActionRefused("foreign_unit", "the unit belongs to another agency")
    if target_agency.pk == case.agency_id and (unit.pk if unit else None) == case.unit_id:
        raise ActionRefused("same_place", "the dossier is already there")
    if case.step_kind != K.RECEIVE:
        _ensure_processing(case, official)
    now = timezone.now()
    if target_agency.pk != case.agency_id:
        version, steps, unit_id = workflow_in_force(target_agency, case.dossier.procedure)
        _finish_step(case, official, "transferred", now)
        case.agency, case.workflow_version = target_agency, version
        case.steps = [step.as_dict() for step in steps]
        case.unit = unit or (OrganisationalUnit.objects.get(pk=unit_id) if unit_id else None)
        Dossier.objects.filter(pk=case.dossier_id).update(agency=target_agency)
        # Already received: the other agency starts from its first step after receipt.
        start = 1 if case.dossier.status != S.SUBMITTED else 0
        case.save()
        _enter_step(case, start, official, outcome="transferred")
    else:
        case.unit = unit
        case.save(update_fields=["unit"])
        _enter_step(case, case.step_index, official, outcome="transferred")
    record_activity(case.dossier, kind=ActivityKind.TRANSFERRED, actor_kind=Actor.OFFICIAL, actor=official,
                    reason=reason, details={"agency": target_agency.display_name, "unit": unit.name if unit else ""})
    _audit("transfer", official, case, agency=target_agency.code, unit=unit.pk if unit else None)
    return case


@_action
def sign(case: Case, official: User, *, step_index: int | None = None) -> Case:
    """Sign the result with the agency's key (C4), file it in the applicant's data store,
    and tell the applicant the result is issued. Online results are returned at once."""
    from dichvucong.results.services import issue_result

    case = _locked(case, step_index)
    _require(official, case, {K.SIGN})
    _ensure_processing(case, official)
    issue_result(case.dossier, official=official)
    processing.report_status(case.dossier, S.RESULT_ISSUED, system_key=SYSTEM_KEY, actor=official,
                             handler=_handler(official, case))
    _enter_step(case, case.step_index + 1, official, outcome="signed")
    _audit("sign", official, case)
    if case.dossier.delivery_method == DeliveryMethod.ONLINE:
        _finish_step(case, None, "returned_online", timezone.now())
        _close(case, timezone.now())
    return case


@_action
def reschedule(case: Case, official: User, *, day: date, reason: str, step_index: int | None = None) -> Case:
    """A leader sets a new appointed date (the close of a working day). For a dossier already
    late it is the apology letter the one-stop rules require, with the leader's reason."""
    if not reason.strip():
        raise ActionRefused("reason_required", "say why the date moves")
    case = _locked(case, step_index)
    if not permissions.leads_home(official, case):
        raise ActionRefused("not_permitted", "only a leader of the agency sets a new date")
    if case.step_kind == K.RETURN:
        raise ActionRefused("wrong_step", "the result is issued")
    now = timezone.now()
    if not calendar.is_working_day(day):
        raise ActionRefused("not_a_working_day", "choose a working day")
    new_due = calendar.close_of(day)
    dossier = case.dossier
    if new_due <= now or (dossier.due_at and new_due <= dossier.due_at):
        raise ActionRefused("not_later", "the new date comes after the current one and after today")
    late = case.late_since is not None or (dossier.due_at is not None and dossier.due_at < now)
    if late:
        case.late_since = case.late_since or now
        text = apology_text(agency=case.agency.display_name, code=dossier.code or "",
                            previous=dossier.due_at or now, new=new_due) + f" {reason.strip()}"
    case.due_at, case.due_soon_at = new_due, None
    case.save(update_fields=["due_at", "due_soon_at", "late_since"])
    processing.report_deadline(
        dossier, new_due, system_key=SYSTEM_KEY, actor=official,
        kind=ActivityKind.APOLOGY if late else ActivityKind.DEADLINE_CHANGED,
        reason=text if late else reason.strip(), details={"agency": case.agency.display_name},
    )
    _audit("reschedule", official, case, late=late)
    return case


@_action
def mark_returned(case: Case, official: User, *, step_index: int | None = None, note: str = "") -> Case:
    """The result was handed to the applicant (at the counter, or by post)."""
    case = _locked(case, step_index)
    _require(official, case, {K.RETURN})
    now = timezone.now()
    _finish_step(case, official, "returned", now)
    _close(case, now)
    record_activity(case.dossier, kind=ActivityKind.RESULT, actor_kind=Actor.OFFICIAL, actor=official,
                    reason=note or "Đã trả kết quả", details={"returned": True})
    _audit("return", official, case)
    return case


# --- the applicant's side, heard through events -------------------------------------------
def follow_applicant(*, dossier_id: int, from_status: str, to_status: str, actor_kind: str, **_event) -> None:
    """``dossiers.status_changed`` listener: the applicant supplied (the clock runs again) or
    withdrew (the case closes)."""
    case = Case.objects.filter(dossier_id=dossier_id, closed_at__isnull=True).select_related("dossier").first()
    if case is None or actor_kind != Actor.APPLICANT:
        return
    now = timezone.now()
    if to_status == S.WITHDRAWN:
        _close_ended(case.pk, now, "withdrawn")
        return
    if from_status != S.AWAITING_SUPPLEMENT or case.paused_at is None:
        return
    _resume(case, to_status, now)


@transaction.atomic
def _close_ended(case_id: int, now: datetime, outcome: str) -> None:
    case = Case.objects.select_for_update().get(pk=case_id)
    if case.closed_at is None:
        _finish_step(case, None, outcome, now)
        case.closed_at = now
        case.save(update_fields=["closed_at"])


def _repair(now: datetime) -> None:
    """Cases out of step with their dossier, because a listener failed after the applicant's
    move committed: a supplied dossier still paused, an ended dossier still open."""
    open_cases = Case.objects.filter(closed_at__isnull=True).select_related("dossier")
    for case in open_cases.filter(dossier__status__in=ENDED):
        _close_ended(case.pk, now, case.dossier.status)
    supplied = open_cases.filter(paused_at__isnull=False).exclude(dossier__status=S.AWAITING_SUPPLEMENT)
    for case in supplied.exclude(dossier__status__in=ENDED):
        _resume(case, case.dossier.status, now)


def _resume(case: Case, to_status: str, now: datetime) -> None:
    dossier = case.dossier
    if to_status == S.SUBMITTED:
        # Completed before receipt: the time limit counts from the complete dossier.
        limit = processing_time(dossier)
        new_due = calendar.due_at(now, *limit) if limit else dossier.due_at
        reason = "Hồ sơ đã được bổ sung đầy đủ; thời hạn giải quyết tính lại từ ngày bổ sung."
    else:
        # The time the dossier waited for the applicant is not counted (one-stop rules).
        waited = calendar.working_hours_between(case.paused_at, now)
        new_due = calendar.add_working_hours(dossier.due_at, waited) if dossier.due_at and waited else dossier.due_at
        reason = "Thời gian chờ bổ sung hồ sơ không tính vào thời hạn giải quyết."
    with transaction.atomic():
        locked = Case.objects.select_for_update().get(pk=case.pk)
        if locked.paused_at is None:  # resumed meanwhile (the listener and the repair pass)
            return
        locked.paused_at = None
        locked.due_soon_at = None
        locked.due_at = new_due
        locked.save(update_fields=["paused_at", "due_soon_at", "due_at"])
        if new_due and new_due != dossier.due_at:
            processing.report_deadline(dossier, new_due, system_key=SYSTEM_KEY, reason=reason,
                                       kind=ActivityKind.DEADLINE_CHANGED)


def follow_postal_delivery(*, dossier_id: int, event_id: int, kind: str, **_event) -> None:
    """``dossiers.activity_recorded`` listener: the post delivered the result, so the return
    step is done (F2)."""
    if kind != ActivityKind.POSTAL:
        return
    from dichvucong.dossiers.models import DossierEvent

    details = DossierEvent.objects.filter(pk=event_id).values_list("details", flat=True).first() or {}
    if details.get("direction") != "delivery" or details.get("status") != "delivered":
        return
    with transaction.atomic():
        case = Case.objects.select_for_update().filter(dossier_id=dossier_id, closed_at__isnull=True,
                                                       step_kind=K.RETURN).first()
        if case is not None:
            now = timezone.now()
            _finish_step(case, None, "delivered_by_post", now)
            case.closed_at = now
            case.save(update_fields=["closed_at"])


# --- deadlines (G2) ------------------------------------------------------------------------
def _role_holders(case: Case, role: str) -> list[int]:
    positions = OfficialPosition.objects.filter(active=True, role=role, agency_id=case.acting_agency_id,
                                                user__is_active=True)
    if case.acting_unit_id:
        positions = positions.filter(unit__isnull=True) | positions.filter(unit_id=case.acting_unit_id)
    return sorted(set(positions.values_list("user_id", flat=True)))


def _apology_due(case: Case, now: datetime) -> datetime:
    """The new appointed date of a late dossier: the share of the time limit its remaining
    steps were given, counted from now (at least one working day)."""
    remaining = sum(step["share"] for step in case.steps[case.step_index:]) / 100
    limit = processing_time(case.dossier)
    if limit and limit[1] == "hours":
        return calendar.add_working_hours(now, max(4.0, limit[0] * remaining))
    amount = limit[0] * (22 if limit and limit[1] == "months" else 1) if limit else 1
    return calendar.add_working_days(now, max(1, math.ceil(amount * remaining)))


def check_deadlines(now: datetime | None = None, *, due_soon_hours: float = 24) -> dict[str, int]:
    """Flag cases due soon (their handlers are told), and cases now late: the unit's leaders
    are told, and the applicant gets an apology letter with a new appointed date."""
    now = now or timezone.now()
    counts = {"due_soon": 0, "overdue": 0}
    _repair(now)
    # A case at its return step has its result: the appointed date was met or missed already.
    running = Case.objects.filter(closed_at__isnull=True, paused_at__isnull=True, due_at__isnull=False).exclude(
        step_kind=K.RETURN)
    soon = running.filter(due_soon_at__isnull=True, due_at__gt=now, due_at__lte=now + timedelta(hours=due_soon_hours))
    for case_id in soon.values_list("pk", flat=True).iterator():
        counts["due_soon"] += _flag_due_soon(case_id, now)
    for case_id in running.filter(due_at__lte=now).values_list("pk", flat=True).iterator():
        counts["overdue"] += _handle_overdue(case_id, now)
    return counts


@transaction.atomic
def _flag_due_soon(case_id: int, now: datetime) -> int:
    case = Case.objects.select_for_update(of=("self",)).select_related("dossier").get(pk=case_id)
    if case.due_soon_at is not None or case.closed_at is not None:
        return 0
    case.due_soon_at = now
    case.save(update_fields=["due_soon_at"])
    recipients = [case.assignee_id] if case.assignee_id else _role_holders(case, case.step_role)
    record_activity(case.dossier, kind=ActivityKind.DUE_SOON, public=False,
                    details={"due_at": case.due_at.isoformat(), "notify_user_ids": recipients})
    return 1


@transaction.atomic
def _handle_overdue(case_id: int, now: datetime) -> int:
    case = Case.objects.select_for_update(of=("self",)).select_related("dossier", "agency").get(pk=case_id)
    if (case.closed_at is not None or case.paused_at is not None or case.due_at is None or case.due_at > now
            or case.step_kind == K.RETURN or case.dossier.status in ENDED | {S.RESULT_ISSUED}):
        return 0
    dossier = case.dossier
    if case.late_since is None:
        case.late_since = now
    handlers = [case.assignee_id] if case.assignee_id else _role_holders(case, case.step_role)
    leaders = _role_holders(case, OfficialRole.APPROVER)
    record_activity(dossier, kind=ActivityKind.OVERDUE, public=False,
                    details={"due_at": case.due_at.isoformat(), "notify_user_ids": handlers})
    record_activity(dossier, kind=ActivityKind.ESCALATED, public=False,
                    reason="Hồ sơ quá hạn giải quyết: báo cáo lãnh đạo đơn vị.",
                    details={"due_at": case.due_at.isoformat(), "notify_user_ids": leaders})
    new_due = _apology_due(case, now)
    previous_due = case.due_at
    case.due_at, case.due_soon_at = new_due, None
    case.save(update_fields=["due_at", "due_soon_at", "late_since"])
    processing.report_deadline(
        dossier, new_due, system_key=SYSTEM_KEY, kind=ActivityKind.APOLOGY,
        reason=apology_text(agency=case.agency.display_name, code=dossier.code or "", previous=previous_due,
                            new=new_due),
        details={"agency": case.agency.display_name},
    )
    return 1


def apology_text(*, agency: str, code: str, previous: datetime, new: datetime) -> str:
    previous_local, new_local = timezone.localtime(previous), timezone.localtime(new)
    return (
        f"{agency} xin lỗi ông/bà vì hồ sơ {code} chưa được giải quyết đúng hẹn "
        f"({previous_local:%H:%M %d/%m/%Y}). Ngày hẹn trả kết quả mới: {new_local:%H:%M %d/%m/%Y}."
    )
