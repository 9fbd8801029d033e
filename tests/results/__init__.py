"""Tests of signed electronic results (dichvucong.results, dichvucong.pki.agency_signing).

Fixtures are shared from here (this package has no conftest of its own): test modules
import the ``*_fixture`` functions and pytest finds them by their ``name``.
"""

from __future__ import annotations

import itertools

import pytest

from dichvucong.catalog.models import Procedure
from dichvucong.dossiers.constants import DeliveryMethod, DossierStatus
from dichvucong.dossiers.services import complete_paid_submission, create_draft, submit_dossier
from tests.accounts.factories import verified_citizen
from tests.pki import pki_fixture, sim_ca_dir_fixture  # noqa: F401 - fixtures

TEMPORARY_RESIDENCE = "1.004194"
GENERIC_PROCEDURE = "1.001193"  # birth registration, no fee, no result template of its own
PUBLIC_BASE_URL = "https://dichvucong.example"
_keys = itertools.count()

RESIDENCE_DATA = {
    "applicant.full_name": "Trần Thị Lan",
    "applicant.date_of_birth": "1992-04-17",
    "applicant.address": "Số 5 Hàng Bông, Phường Hoàn Kiếm, Thành phố Hà Nội",
    "residence.street_address": "Số 12 ngõ 34 Nguyễn Trãi",
    "residence.months": "24",
    "residence.reason": "work",
}


@pytest.fixture(name="results_env")
def results_env_fixture(pki, settings, tmp_path):  # noqa: F811 - pki is the fixture imported above
    """The CA simulator on the loopback server, fresh agency credentials and media per test."""
    settings.AGENCY_SIGNING_DIR = tmp_path / "agency-signing"
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.PUBLIC_BASE_URL = PUBLIC_BASE_URL
    settings.PRODUCTION = False
    return pki


@pytest.fixture(name="official")
def official_fixture():
    return verified_citizen()


def submitted_dossier(procedure_code: str = GENERIC_PROCEDURE, data: dict | None = None, applicant=None):
    applicant = applicant or verified_citizen()
    procedure = Procedure.objects.get(code=procedure_code)
    draft = create_draft(applicant=applicant, procedure=procedure, agency=procedure.owner)
    dossier = submit_dossier(
        draft, applicant=applicant, submission_key=f"k{next(_keys)}",
        delivery_method=DeliveryMethod.ONLINE, data=data,
    )
    if dossier.status == DossierStatus.AWAITING_PAYMENT:  # temporary residence has a fee
        dossier = complete_paid_submission(dossier, reason="Đã thanh toán phí")
    assert dossier.code
    return dossier


@pytest.fixture(name="issued")
def issued_fixture(results_env, official):
    """A temporary-residence result, issued and signed; returns (result, its PDF bytes)."""
    from dichvucong.results.services import issue_result

    result = issue_result(submitted_dossier(TEMPORARY_RESIDENCE, RESIDENCE_DATA), official=official)
    with result.file.open("rb") as handle:
        return result, handle.read()
