"""Deadlines (G2), workflows as data, consultation and transfer (G1)."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from dichvucong.backoffice import selectors, services
from dichvucong.backoffice.constants import StepKind, Worklist
from dichvucong.backoffice.models import Case
from dichvucong.backoffice.workflows import InvalidWorkflow, parse_steps
from dichvucong.dossiers.constants import ActivityKind, DossierStatus
from tests.conftest import sign_in_at_level

pytestmark = pytest.mark.django_db


def _case(dossier) -> Case:  # noqa: ANN001
    return Case.objects.get(dossier=dossier)


def test_a_late_dossier_is_escalated_and_the_applicant_gets_an_apology_with_a_new_date(
    client, office, submit, django_capture_on_commit_callbacks
):
    dossier = submit()
    case = _case(dossier)
    services.accept(case, office.receiver, step_index=0)
    services.take(case, office.processor, step_index=1)
    late = timezone.now() - timedelta(hours=2)
    Case.objects.filter(pk=case.pk).update(due_at=late)
    type(dossier).objects.filter(pk=dossier.pk).update(due_at=late)

    with django_capture_on_commit_callbacks(execute=True):
        counts = services.check_deadlines()
    assert counts["overdue"] == 1
    dossier.refresh_from_db()
    case.refresh_from_db()
    assert dossier.due_at > timezone.now() and case.due_at == dossier.due_at and case.late_since is not None
    escalation = dossier.events.get(kind=ActivityKind.ESCALATED)
    assert escalation.details["notify_user_ids"] == [office.approver.pk] and not escalation.public
    assert dossier.events.get(kind=ActivityKind.OVERDUE).details["notify_user_ids"] == [office.processor.pk]
    apology = dossier.events.get(kind=ActivityKind.APOLOGY)
    assert apology.public and "xin lỗi" in apology.reason and datetime.fromisoformat(apology.details["due_at"]) == dossier.due_at
    # The next run finds nothing new: the new date is in the future.
    assert services.check_deadlines()["overdue"] == 0
    assert case in selectors.worklist(office.processor, Worklist.OVERDUE)

    sign_in_at_level(client, office.citizen, 1)
    letter = client.get(reverse("dossiers:apology", args=[dossier.pk, apology.pk]))
    assert letter.status_code == 200 and letter.content.startswith(b"%PDF")
    page = client.get(reverse("dossiers:dossier", args=[dossier.pk])).content.decode()
    assert reverse("dossiers:apology", args=[dossier.pk, apology.pk]) in page


def test_due_soon_is_flagged_once_and_paused_dossiers_are_not_chased(office, submit):
    running, paused = _case(submit()), _case(submit())
    soon = timezone.now() + timedelta(hours=3)
    Case.objects.filter(pk__in=[running.pk, paused.pk]).update(due_at=soon)
    services.request_supplement(paused, office.receiver, text="Thiếu giấy tờ", step_index=0)
    assert services.check_deadlines()["due_soon"] == 1
    assert services.check_deadlines()["due_soon"] == 0
    flagged = running.dossier.events.get(kind=ActivityKind.DUE_SOON)
    assert flagged.details["notify_user_ids"] == [office.receiver.pk]
    assert not paused.dossier.events.filter(kind=ActivityKind.DUE_SOON).exists()


CONSULTING = [
    {"kind": "receive", "role": "receiver", "share": 10, "name": "Tiếp nhận"},
    {"kind": "process", "role": "processor", "share": 40, "name": "Thẩm định"},
    {"kind": "consult", "role": "processor", "share": 20, "name": "Lấy ý kiến công an xã"},
    {"kind": "approve", "role": "approver", "share": 20, "name": "Phê duyệt"},
    {"kind": "sign", "role": "approver", "share": 5, "name": "Ký"},
    {"kind": "return", "role": "receiver", "share": 5, "name": "Trả"},
]


def test_a_new_workflow_version_applies_to_new_dossiers_only(office, submit):
    before = _case(submit())
    version = services.publish_workflow(office.agency, admin=office.admin, steps=CONSULTING, note="Thêm liên thông")
    after = _case(submit())
    assert [s["kind"] for s in before.steps] == ["receive", "process", "approve", "sign", "return"]
    assert [s["kind"] for s in after.steps] == [s["kind"] for s in CONSULTING] and after.workflow_version == version
    services.accept(before, office.receiver, step_index=0)
    before.refresh_from_db()
    assert before.step_kind == StepKind.PROCESS and len(before.steps) == 5


@pytest.mark.parametrize(("change", "code"), [
    (lambda s: s[1:], "receive_first"),
    (lambda s: s[:-1], "return_last"),
    (lambda s: [s[0], {**s[2], "kind": "process"}, s[3], s[4], s[5]], "shares_not_100"),
    (lambda s: [{**s[0], "role": "processor"}, *s[1:]], "wrong_role"),
    (lambda s: [s[0], {**s[1], "share": 41}, *s[2:]], "shares_not_100"),
    (lambda s: [s[0], s[4], s[1], s[2], s[3], s[5]], "sign_before_return"),
    (lambda s: [{**s[0], "kind": "teleport"}, *s[1:]], "unknown_kind"),
    (lambda s: "not a list", "step_count"),
])
def test_broken_workflows_are_refused_with_a_code(change, code):
    with pytest.raises(InvalidWorkflow) as invalid:
        parse_steps(change([dict(step) for step in CONSULTING]))
    assert invalid.value.code == code
    assert parse_steps(CONSULTING)[2].kind == StepKind.CONSULT


def test_only_the_agencys_administrator_publishes_its_workflows(office):
    for official in (office.approver, office.outsider_leader):
        with pytest.raises(services.ActionRefused):
            services.publish_workflow(office.agency, admin=official, steps=CONSULTING)


def test_a_consulted_agency_sees_and_answers_only_while_consulted(office, submit):
    services.publish_workflow(office.agency, admin=office.admin, steps=CONSULTING)
    case = _case(submit())
    services.accept(case, office.receiver, step_index=0)
    services.take(case, office.processor, step_index=1)
    with pytest.raises(services.ActionRefused) as refused:
        services.forward(case, office.processor, step_index=1)
    assert refused.value.code == "consult_target"
    assert selectors.case_for(office.outsider, case.dossier_id) is None
    services.forward(case, office.processor, step_index=1, consult_agency=office.other, note="Xin xác nhận")
    case.refresh_from_db()
    assert case.acting_agency == office.other and case.step_kind == StepKind.CONSULT
    assert case in selectors.worklist(office.outsider, Worklist.PROCESS)
    assert case not in selectors.worklist(office.processor, Worklist.PROCESS)
    services.forward(case, office.outsider, step_index=2, note="Đã xác minh, đúng")
    case.refresh_from_db()
    assert case.acting_agency == office.agency and case.step_kind == StepKind.APPROVE
    assert selectors.case_for(office.outsider, case.dossier_id) is None


def test_a_transfer_to_another_agency_moves_the_dossier_out_of_reach(office, submit, django_capture_on_commit_callbacks):
    case = _case(submit())
    services.accept(case, office.receiver, step_index=0)
    with django_capture_on_commit_callbacks(execute=True):
        services.transfer(case, office.approver, agency=office.other, reason="Thuộc thẩm quyền xã khác")
    case.refresh_from_db()
    dossier = case.dossier
    dossier.refresh_from_db()
    assert dossier.agency == office.other and case.agency == office.other and case.step_kind == StepKind.PROCESS
    assert selectors.case_for(office.processor, dossier.pk) is None
    assert case in selectors.worklist(office.outsider, Worklist.PROCESS)
    assert dossier.events.filter(kind=ActivityKind.TRANSFERRED, public=True).exists()
    assert dossier.status == DossierStatus.PROCESSING


def test_performance_counts_steps_per_official_and_the_on_time_rate(office, submit):
    case = _case(submit())
    services.accept(case, office.receiver, step_index=0)
    services.refuse(case, office.processor, reason_code="duplicate", text="Đã nộp hồ sơ khác", step_index=1)
    report = selectors.performance(office.agency.pk, since=timezone.now() - timedelta(days=1))
    assert report.closed == 1 and report.on_time == 1 and report.on_time_rate == 1.0
    done = {row["official__full_name"]: row["done"] for row in report.per_official}
    assert done == {"tiepnhan": 1, "xuly": 1}
    assert {row["kind"] for row in report.per_step} == {StepKind.RECEIVE, StepKind.PROCESS}


def test_the_deadline_check_runs_from_the_command_line(office, submit, capsys):
    from django.core.management import call_command

    case = _case(submit())
    Case.objects.filter(pk=case.pk).update(due_at=timezone.now() - timedelta(minutes=5))
    call_command("check_deadlines")
    assert "late (escalated, apology sent): 1" in capsys.readouterr().out
    assert case.dossier.events.filter(kind=ActivityKind.APOLOGY).exists()
