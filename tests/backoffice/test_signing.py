"""The leader signs: the result is issued, verifiable, in the applicant's store (C4, G1)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from dichvucong.backoffice import services
from dichvucong.backoffice.constants import StepKind
from dichvucong.backoffice.models import Case
from dichvucong.datastore.models import StoredDocument
from dichvucong.dossiers.constants import DossierStatus
from dichvucong.results.models import IssuedResult
from dichvucong.results.verification import verify_result_pdf
from tests.conftest import sign_in_at_level
from tests.results import pki_fixture, results_env_fixture, sim_ca_dir_fixture  # noqa: F401 - fixtures

pytestmark = pytest.mark.django_db


def test_the_leader_signs_and_the_applicant_gets_a_verifiable_result(
    client, office, submit, results_env, django_capture_on_commit_callbacks
):
    dossier = submit()
    case = Case.objects.get(dossier=dossier)
    services.accept(case, office.receiver, step_index=0)
    services.take(case, office.processor, step_index=1)
    services.forward(case, office.processor, step_index=1)
    services.forward(case, office.approver, step_index=2)
    with pytest.raises(services.ActionRefused):
        services.sign(case, office.processor, step_index=3)  # a processor does not sign
    assert not IssuedResult.objects.filter(dossier=dossier).exists()

    sign_in_at_level(client, office.approver, 1)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("backoffice:act", args=[dossier.pk, "ky-so"]), {"step_index": 3})
    assert response.status_code == 302
    dossier.refresh_from_db()
    case.refresh_from_db()
    assert dossier.status == DossierStatus.RESULT_ISSUED
    assert case.closed_at is not None and case.closed_on_time and case.step_kind == StepKind.RETURN

    result = IssuedResult.objects.get(dossier=dossier)
    with result.file.open("rb") as handle:
        report = verify_result_pdf(handle.read())
    assert report.ok and report.code == "valid"
    stored = StoredDocument.objects.get(owner=office.citizen, source_dossier=dossier)
    assert stored.result_reference == result.reference

