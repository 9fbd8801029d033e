"""The built-in back office takes a dossier from receipt to its result (G1, G2, C5)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from dichvucong.backoffice import selectors, services
from dichvucong.backoffice.constants import RefusalReason, StepKind, Worklist
from dichvucong.backoffice.models import Case
from dichvucong.dossiers import calendar
from dichvucong.dossiers import services as dossier_services
from dichvucong.dossiers.constants import ActivityKind, DossierStatus

pytestmark = pytest.mark.django_db


def _case(dossier) -> Case:  # noqa: ANN001
    return Case.objects.get(dossier=dossier)


def test_a_submitted_dossier_is_handed_over_to_the_one_stop_back_office(office, submit):
    dossier = submit()
    dossier.refresh_from_db()
    case = _case(dossier)
    assert dossier.processing_system == "one-stop"
    assert (case.step_index, case.step_kind, case.step_role) == (0, StepKind.RECEIVE, "receiver")
    assert case.due_at == dossier.due_at and case.acting_agency == office.agency
    assert case in selectors.worklist(office.receiver, Worklist.RECEIVE)
    assert case not in selectors.worklist(office.processor, Worklist.PROCESS)


def test_receive_process_approve_moves_through_the_state_machine_with_who_and_why(
    office, submit, django_capture_on_commit_callbacks
):
    dossier = submit()
    case = _case(dossier)
    with django_capture_on_commit_callbacks(execute=True):
        services.accept(case, office.receiver, step_index=0, note="Hồ sơ đủ")
    dossier.refresh_from_db()
    case.refresh_from_db()
    assert dossier.status == DossierStatus.RECEIVED and case.step_kind == StepKind.PROCESS
    assert case in selectors.worklist(office.processor, Worklist.PROCESS)

    with django_capture_on_commit_callbacks(execute=True):
        services.take(case, office.processor, step_index=1)
    dossier.refresh_from_db()
    assert dossier.status == DossierStatus.PROCESSING
    assert dossier.handler_name == "xuly"
    # Taken: it leaves the other processor's list, and they cannot act on it.
    assert case not in selectors.worklist(office.processor2, Worklist.PROCESS)
    with pytest.raises(services.ActionRefused) as refused:
        services.forward(case, office.processor2, step_index=1)
    assert refused.value.code == "not_permitted"

    services.forward(case, office.processor, step_index=1, note="Đủ điều kiện")
    case.refresh_from_db()
    assert case.step_kind == StepKind.APPROVE and case.assignee is None
    assert case in selectors.worklist(office.approver, Worklist.APPROVE)
    services.forward(case, office.approver, step_index=2)
    case.refresh_from_db()
    assert case.step_kind == StepKind.SIGN

    statuses = list(dossier.events.filter(kind=ActivityKind.STATUS).values_list("to_status", "actor__full_name"))
    assert statuses[-2:] == [(DossierStatus.RECEIVED, "tiepnhan"), (DossierStatus.PROCESSING, "xuly")]
    logs = list(case.step_logs.values_list("kind", "outcome", "official__full_name"))
    assert logs[:3] == [(StepKind.RECEIVE, "accepted", "tiepnhan"), (StepKind.PROCESS, "done", "xuly"),
                        (StepKind.APPROVE, "approved", "lanhdao")]


def test_an_action_on_a_step_that_has_moved_on_is_refused(office, submit):
    case = _case(submit())
    services.accept(case, office.receiver, step_index=0)
    with pytest.raises(services.ActionRefused) as refused:
        services.accept(case, office.receiver, step_index=0)  # a second tab, opened before
    assert refused.value.code == "stale"


def test_the_wrong_role_cannot_act_and_the_attempt_is_audited(office, submit):
    from dichvucong.accounts.models import AuditEvent

    case = _case(submit())
    for official in (office.processor, office.approver, office.outsider_receiver):
        with pytest.raises(services.ActionRefused) as refused:
            services.accept(case, official, step_index=0)
        assert refused.value.code == "not_permitted"
    assert AuditEvent.objects.filter(action="backoffice.denied", outcome="denied").count() == 3
    assert _case(case.dossier).step_index == 0


def test_refusal_needs_a_ground_from_the_list_and_an_explanation(office, submit, django_capture_on_commit_callbacks):
    case = _case(submit())
    with pytest.raises(services.ActionRefused) as refused:
        services.refuse(case, office.receiver, reason_code="i-dont-like-it", text="…")
    assert refused.value.code == "bad_reason"
    with pytest.raises(services.ActionRefused) as refused:
        services.refuse(case, office.receiver, reason_code=RefusalReason.NOT_COMPETENT, text="  ")
    assert refused.value.code == "reason_required"
    with django_capture_on_commit_callbacks(execute=True):
        services.refuse(case, office.receiver, reason_code=RefusalReason.NOT_COMPETENT, text="Thuộc thẩm quyền cấp tỉnh")
    case.refresh_from_db()
    dossier = case.dossier
    dossier.refresh_from_db()
    assert dossier.status == DossierStatus.REFUSED and case.closed_at is not None
    event = dossier.events.get(to_status=DossierStatus.REFUSED)
    assert event.reason.startswith(str(RefusalReason.NOT_COMPETENT.label)) and "cấp tỉnh" in event.reason


def test_a_supplement_stops_the_clock_and_the_waiting_time_is_added_back(
    office, submit, django_capture_on_commit_callbacks
):
    dossier = submit()
    case = _case(dossier)
    services.accept(case, office.receiver, step_index=0)
    services.take(case, office.processor, step_index=1)
    with django_capture_on_commit_callbacks(execute=True):
        services.request_supplement(case, office.processor, text="Bổ sung bản sao hợp đồng thuê nhà", step_index=1)
    case.refresh_from_db()
    assert case.paused_at is not None
    assert case in selectors.worklist(office.processor, Worklist.WAITING)
    assert case not in selectors.worklist(office.processor, Worklist.PROCESS)
    with pytest.raises(services.ActionRefused):
        services.forward(case, office.processor, step_index=1)

    # The applicant answers three calendar days later.
    asked = timezone.now() - timedelta(days=3)
    Case.objects.filter(pk=case.pk).update(paused_at=asked)
    dossier.refresh_from_db()
    before = dossier.due_at
    with django_capture_on_commit_callbacks(execute=True):
        dossier_services.supply_supplement(dossier, applicant=office.citizen, note="Đã gửi bản sao hợp đồng")
    dossier.refresh_from_db()
    case.refresh_from_db()
    assert dossier.status == DossierStatus.PROCESSING and case.paused_at is None
    waited = calendar.working_hours_between(asked, timezone.now())
    assert waited > 0
    assert dossier.due_at == calendar.add_working_hours(before, waited) == case.due_at
    assert dossier.events.filter(kind=ActivityKind.DEADLINE_CHANGED).exists()


def test_a_dossier_incomplete_at_receipt_comes_back_to_be_received_with_a_fresh_time_limit(
    office, submit, django_capture_on_commit_callbacks
):
    dossier = submit()
    case = _case(dossier)
    with django_capture_on_commit_callbacks(execute=True):
        services.request_supplement(case, office.receiver, text="Thiếu giấy tờ", step_index=0)
    dossier.refresh_from_db()
    assert dossier.status == DossierStatus.AWAITING_SUPPLEMENT
    with django_capture_on_commit_callbacks(execute=True):
        dossier_services.supply_supplement(dossier, applicant=office.citizen, note="Đã bổ sung")
    dossier.refresh_from_db()
    case.refresh_from_db()
    assert dossier.status == DossierStatus.SUBMITTED and case.step_kind == StepKind.RECEIVE
    assert case in selectors.worklist(office.receiver, Worklist.RECEIVE)
    services.accept(case, office.receiver, step_index=0)
    dossier.refresh_from_db()
    assert dossier.status == DossierStatus.RECEIVED


def test_a_leader_assigns_only_to_officials_holding_the_steps_role(office, submit):
    case = _case(submit())
    services.accept(case, office.receiver, step_index=0)
    with pytest.raises(services.ActionRefused) as refused:
        services.assign(case, office.processor, assignee=office.processor2)  # not a leader
    assert refused.value.code == "not_permitted"
    with pytest.raises(services.ActionRefused) as refused:
        services.assign(case, office.approver, assignee=office.outsider)  # another agency's processor
    assert refused.value.code == "assignee_lacks_role"
    services.assign(case, office.approver, assignee=office.processor2)
    case.refresh_from_db()
    assert case.assignee == office.processor2
    assert case in selectors.worklist(office.processor2, Worklist.PROCESS)
    assert case not in selectors.worklist(office.processor, Worklist.PROCESS)
    services.assign(case, office.approver, assignee=office.processor)  # reassigned
    case.refresh_from_db()
    assert case.assignee == office.processor


def test_a_withdrawn_dossier_closes_its_case(office, submit, django_capture_on_commit_callbacks):
    dossier = submit()
    with django_capture_on_commit_callbacks(execute=True):
        dossier_services.withdraw_dossier(dossier, applicant=office.citizen, reason="Nộp nhầm")
    assert _case(dossier).closed_at is not None
    assert not selectors.worklist(office.receiver, Worklist.RECEIVE).filter(dossier=dossier).exists()
