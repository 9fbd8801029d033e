"""One state machine for every status change, with its history (C5, G1)."""

import pytest

from dichvucong.catalog.models import Procedure
from dichvucong.core import events
from dichvucong.dossiers.constants import Actor, DeliveryMethod, DossierStatus
from dichvucong.dossiers.services import (
    cancel_draft,
    create_draft,
    submit_dossier,
    withdraw_dossier,
)
from dichvucong.dossiers.state_machine import (
    STATUS_CHANGED,
    TransitionRefused,
    allowed_targets,
    transition,
)
from tests.accounts.factories import verified_citizen

pytestmark = pytest.mark.django_db


@pytest.fixture
def draft():
    procedure = Procedure.objects.get(code="1.001193")  # birth registration
    return create_draft(applicant=verified_citizen(), procedure=procedure, agency=procedure.owner)


def test_submission_gives_a_national_code_a_due_date_and_a_recorded_event(draft, django_capture_on_commit_callbacks):
    seen = []

    def handler(**payload):
        seen.append(payload)

    events.subscribe(STATUS_CHANGED, handler)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            dossier = submit_dossier(draft, applicant=draft.applicant, submission_key="k1",
                                     delivery_method=DeliveryMethod.ONLINE)
    finally:
        events.unsubscribe(STATUS_CHANGED, handler)
    assert dossier.status == DossierStatus.SUBMITTED
    agency = draft.agency.code
    assert dossier.code == f"{agency}-{dossier.received_on:%y%m%d}-0001"
    assert dossier.due_at > dossier.submitted_at
    history = list(dossier.events.values_list("from_status", "to_status", "actor_kind"))
    assert history == [("", "draft", "applicant"), ("draft", "submitted", "applicant")]
    assert seen and seen[-1]["to_status"] == "submitted"


def test_a_double_submission_makes_one_dossier(draft):
    first = submit_dossier(draft, applicant=draft.applicant, submission_key="same", delivery_method="online")
    again = submit_dossier(draft, applicant=draft.applicant, submission_key="same", delivery_method="online")
    assert first.pk == again.pk and first.code == again.code
    assert draft.events.filter(to_status="submitted").count() == 1


def test_codes_count_per_agency_and_day(draft):
    other = create_draft(applicant=draft.applicant, procedure=draft.procedure, agency=draft.agency)
    a = submit_dossier(draft, applicant=draft.applicant, submission_key="a", delivery_method="online")
    b = submit_dossier(other, applicant=draft.applicant, submission_key="b", delivery_method="online")
    assert {a.code[-4:], b.code[-4:]} == {"0001", "0002"}


def test_a_failure_during_submission_leaves_the_draft_intact(draft, monkeypatch):
    import dichvucong.dossiers.services as services

    def broken(*args, **kwargs):
        raise RuntimeError("sequence store down")

    monkeypatch.setattr(services, "next_dossier_code", broken)
    with pytest.raises(RuntimeError):
        submit_dossier(draft, applicant=draft.applicant, submission_key="k", delivery_method="online")
    draft.refresh_from_db()
    assert draft.status == DossierStatus.DRAFT and draft.code is None and draft.submission_key is None


def test_only_the_allowed_actor_may_make_a_transition(draft):
    with pytest.raises(TransitionRefused) as refused:
        transition(draft, DossierStatus.SUBMITTED, actor_kind=Actor.OFFICIAL)
    assert refused.value.code == "not_permitted"
    with pytest.raises(TransitionRefused) as refused:
        transition(draft, DossierStatus.RESULT_ISSUED, actor_kind=Actor.OFFICIAL)
    assert refused.value.code == "not_allowed"


def test_refusal_needs_a_reason_and_final_states_are_final(draft):
    dossier = submit_dossier(draft, applicant=draft.applicant, submission_key="r", delivery_method="online")
    with pytest.raises(TransitionRefused) as refused:
        transition(dossier, DossierStatus.REFUSED, actor_kind=Actor.OFFICIAL, reason="  ")
    assert refused.value.code == "reason_required"
    withdraw_dossier(dossier, applicant=draft.applicant, reason="Nộp nhầm thủ tục")
    assert allowed_targets(DossierStatus.WITHDRAWN, Actor.APPLICANT) == []
    with pytest.raises(TransitionRefused):
        transition(dossier, DossierStatus.PROCESSING, actor_kind=Actor.OFFICIAL)


def test_only_the_applicant_cancels_or_withdraws(draft):
    stranger = verified_citizen()
    with pytest.raises(TransitionRefused):
        cancel_draft(draft, applicant=stranger)
    cancel_draft(draft, applicant=draft.applicant)
    draft.refresh_from_db()
    assert draft.status == DossierStatus.CANCELLED
