"""Defects a review of the back office found, each kept fixed by a test."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from dichvucong.backoffice import services
from dichvucong.backoffice.models import Case
from dichvucong.backoffice.workflows import InvalidWorkflow, parse_steps
from dichvucong.dossiers.constants import ActivityKind, DossierStatus
from dichvucong.dossiers.history import record_activity
from tests.backoffice.test_deadlines_and_workflows import CONSULTING
from tests.conftest import sign_in_at_level
from tests.results import pki_fixture, results_env_fixture, sim_ca_dir_fixture  # noqa: F401 - fixtures

pytestmark = pytest.mark.django_db


def _case(dossier) -> Case:  # noqa: ANN001
    return Case.objects.get(dossier=dossier)


def test_only_a_leader_of_the_owning_agency_transfers_and_never_during_a_consultation(office, submit):
    services.publish_workflow(office.agency, admin=office.admin, steps=CONSULTING)
    case = _case(submit())
    with pytest.raises(services.ActionRefused) as refused:  # a receiver is not a leader
        services.transfer(case, office.receiver, agency=office.other, reason="x", step_index=0)
    assert refused.value.code == "not_permitted"
    services.accept(case, office.receiver, step_index=0)
    services.take(case, office.processor, step_index=1)
    services.forward(case, office.processor, step_index=1, consult_agency=office.other)
    for official in (office.outsider, office.outsider_leader):  # the consulted agency
        with pytest.raises(services.ActionRefused) as refused:
            services.transfer(case, official, agency=office.other, reason="x", step_index=2)
        assert refused.value.code == "not_permitted"
    with pytest.raises(services.ActionRefused) as refused:  # the owner's leader, mid-consultation
        services.transfer(case, office.approver, agency=office.other, reason="x", step_index=2)
    assert refused.value.code == "wrong_step"
    case.refresh_from_db()
    assert case.agency == office.agency and case.dossier.agency == office.agency


def _to_sign(office, case):  # noqa: ANN001, ANN202
    services.accept(case, office.receiver, step_index=0)
    services.take(case, office.processor, step_index=1)
    services.forward(case, office.processor, step_index=1)
    services.forward(case, office.approver, step_index=2)


def test_a_result_waiting_at_the_counter_is_never_late_and_the_post_closes_its_return(
    office, submit, results_env, django_capture_on_commit_callbacks
):
    dossier = submit()
    type(dossier).objects.filter(pk=dossier.pk).update(delivery_method="in_person")
    case = _case(dossier)
    _to_sign(office, case)
    services.sign(case, office.approver, step_index=3)
    case.refresh_from_db()
    assert case.step_kind == "return" and case.closed_at is None
    for days in (60, 120):
        services.check_deadlines(timezone.now() + timedelta(days=days))
    case.refresh_from_db()
    assert case.late_since is None
    assert not dossier.events.filter(kind__in=[ActivityKind.APOLOGY, ActivityKind.OVERDUE]).exists()
    with django_capture_on_commit_callbacks(execute=True):
        record_activity(dossier, kind=ActivityKind.POSTAL, details={"direction": "delivery", "status": "delivered"})
    case.refresh_from_db()
    assert case.closed_at is not None


def test_signing_without_a_credential_is_refused_not_a_server_error(client, office, submit, settings, tmp_path):
    settings.AGENCY_SIGNING_DIR = tmp_path / "none"
    settings.SIM_CA_BASE_URL = "http://127.0.0.1:9/sim/ca/"  # the CA cannot be reached
    dossier = submit()
    _to_sign(office, _case(dossier))
    sign_in_at_level(client, office.approver, 1)
    response = client.post(reverse("backoffice:act", args=[dossier.pk, "ky-so"]), {"step_index": 3}, follow=True)
    assert response.status_code == 200 and "signing_unavailable" in response.content.decode()
    dossier.refresh_from_db()
    assert dossier.status == DossierStatus.PROCESSING and _case(dossier).step_index == 3


def test_a_post_without_its_step_acts_on_nothing(client, office, submit):
    dossier = submit()
    sign_in_at_level(client, office.receiver, 1)
    client.post(reverse("backoffice:act", args=[dossier.pk, "tiep-nhan"]), {})
    dossier.refresh_from_db()
    assert dossier.status == DossierStatus.SUBMITTED


def test_approval_before_any_processing_is_not_a_workflow():
    steps = [CONSULTING[0], {**CONSULTING[3], "share": 20}, {**CONSULTING[1], "share": 60},
             CONSULTING[4], CONSULTING[5]]
    with pytest.raises(InvalidWorkflow) as invalid:
        parse_steps(steps)
    assert invalid.value.code == "approve_before_process"


def test_a_paused_dossier_is_not_reassigned_and_a_lost_resume_is_repaired(office, submit):
    dossier = submit()
    case = _case(dossier)
    services.accept(case, office.receiver, step_index=0)
    services.take(case, office.processor, step_index=1)
    services.request_supplement(case, office.processor, text="Thiếu giấy tờ", step_index=1)
    with pytest.raises(services.ActionRefused) as refused:
        services.assign(case, office.approver, assignee=office.processor2, step_index=1)
    assert refused.value.code == "paused"
    # The applicant supplied, but the listener that restarts the clock never ran.
    type(dossier).objects.filter(pk=dossier.pk).update(status=DossierStatus.PROCESSING)
    services.check_deadlines()
    case.refresh_from_db()
    assert case.paused_at is None


def test_a_leader_sets_a_new_date_and_a_late_dossier_gets_the_apology_with_the_reason(
    client, office, submit, django_capture_on_commit_callbacks
):
    from dichvucong.dossiers import calendar

    dossier = submit()
    case = _case(dossier)
    day = calendar.next_working_day(timezone.localdate() + timedelta(days=10))
    with pytest.raises(services.ActionRefused) as refused:
        services.reschedule(case, office.processor, day=day, reason="x", step_index=0)
    assert refused.value.code == "not_permitted"
    with pytest.raises(services.ActionRefused) as refused:
        services.reschedule(case, office.approver, day=day, reason=" ", step_index=0)
    assert refused.value.code == "reason_required"
    with pytest.raises(services.ActionRefused) as refused:  # a working day, but in the past
        services.reschedule(case, office.approver, day=date(2026, 11, 27), reason="x", step_index=0)
    assert refused.value.code == "not_later"
    saturday = day + timedelta(days=(5 - day.weekday()) % 7 or 7)
    with pytest.raises(services.ActionRefused) as refused:
        services.reschedule(case, office.approver, day=saturday, reason="x", step_index=0)
    assert refused.value.code == "not_a_working_day"

    late = timezone.now() - timedelta(hours=1)
    type(dossier).objects.filter(pk=dossier.pk).update(due_at=late)
    Case.objects.filter(pk=case.pk).update(due_at=late)
    sign_in_at_level(client, office.approver, 1)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("backoffice:act", args=[dossier.pk, "hen-lai"]),
                    {"step_index": 0, "due_date": day.isoformat(), "note": "Chờ xác minh của công an xã"})
    dossier.refresh_from_db()
    assert dossier.due_at == calendar.close_of(day)
    apology = dossier.events.get(kind=ActivityKind.APOLOGY)
    assert "xin lỗi" in apology.reason and "Chờ xác minh" in apology.reason and apology.actor == office.approver
    assert _case(dossier).late_since is not None
