"""Issuing a signed result: the PDF, its signature, the store copy and the history (C4)."""

from __future__ import annotations

from io import BytesIO

import pytest
from pyhanko.pdf_utils.reader import PdfFileReader
from pypdf import PdfReader

from dichvucong.datastore.constants import DocumentType, SignatureStatus
from dichvucong.datastore.models import StoredDocument
from dichvucong.dossiers.constants import ActivityKind, DossierStatus
from dichvucong.dossiers.models import DossierEvent
from dichvucong.results.constants import SIGNATURE_FIELD
from dichvucong.results.models import IssuedResult
from dichvucong.results.services import ResultRefused, issue_result
from dichvucong.results.verification import verify_result_pdf
from tests.results import (  # noqa: F401 - fixtures
    GENERIC_PROCEDURE,
    PUBLIC_BASE_URL,
    issued_fixture,
    official_fixture,
    pki_fixture,
    results_env_fixture,
    sim_ca_dir_fixture,
    submitted_dossier,
)

pytestmark = pytest.mark.django_db


def test_the_result_is_signed_by_the_agency_and_verifies(issued):
    result, content = issued
    report = verify_result_pdf(content)
    assert report.ok and report.code == "valid"
    assert report.reference == result.reference == f"KQ-{result.dossier.code}"
    assert report.agency_name == result.agency.name
    assert result.signer_serial == report.signer_serial
    assert "UID=MNS:" in result.signer_subject or "MNS:" in result.signer_subject


def test_the_pdf_is_a_formal_document_with_a_visible_signature_and_the_dss(issued):
    result, content = issued
    text = PdfReader(BytesIO(content)).pages[0].extract_text()
    for expected in ("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc",
                     "XÁC NHẬN ĐĂNG KÝ TẠM TRÚ", "Trần Thị Lan", "Số 12 ngõ 34 Nguyễn Trãi",
                     f"Số: {result.reference}", "24 tháng", result.agency.name.upper()[:20]):
        assert expected in text, expected
    assert f"{PUBLIC_BASE_URL}/kiem-tra-ket-qua/{result.verification_token}/" in text.replace("\n", "")
    reader = PdfFileReader(BytesIO(content))
    (signature,) = reader.embedded_signatures
    assert signature.field_name == SIGNATURE_FIELD
    widget = signature.sig_field
    x1, y1, x2, y2 = (float(v) for v in widget["/Rect"])
    assert x2 - x1 > 100 and y2 - y1 > 50  # visible, not a zero-size field
    assert signature.sig_object["/SubFilter"] == "/ETSI.CAdES.detached"
    assert len(reader.root["/DSS"]["/OCSPs"]) >= 1  # validation data embedded at signing
    assert len(reader.root["/DSS"]["/Certs"]) >= 2


def test_the_applicant_store_holds_the_result_and_the_history_says_so(issued, official):
    result, content = issued
    dossier = result.dossier
    copy = StoredDocument.objects.get(owner=dossier.applicant, result_reference=result.reference)
    assert copy.is_issued_result and copy.sha256 == result.sha256
    assert copy.signature_status == SignatureStatus.VALID
    assert copy.document_type == DocumentType.RESIDENCE_PROOF
    assert copy.source_dossier_id == dossier.pk and copy.issuing_agency_id == result.agency_id
    assert copy.valid_until is not None  # 24 months of temporary residence
    entry = DossierEvent.objects.get(dossier=dossier, kind=ActivityKind.RESULT)
    assert entry.details["reference"] == result.reference and entry.actor == official
    assert result.approved_by == official


def test_issuing_does_not_change_the_dossier_status(issued):
    result, _content = issued
    result.dossier.refresh_from_db()
    assert result.dossier.status == DossierStatus.SUBMITTED


def test_issuing_twice_returns_the_same_result(issued, official):
    result, _content = issued
    again = issue_result(result.dossier, official=official)
    assert again.pk == result.pk and again.sha256 == result.sha256
    assert IssuedResult.objects.filter(dossier=result.dossier).count() == 1
    assert StoredDocument.objects.filter(result_reference=result.reference).count() == 1
    assert DossierEvent.objects.filter(dossier=result.dossier, kind=ActivityKind.RESULT).count() == 1


def test_a_procedure_without_a_template_gets_the_generic_result(results_env, official):
    dossier = submitted_dossier(GENERIC_PROCEDURE)
    result = issue_result(dossier, official=official)
    assert result.result_type == "generic"
    with result.file.open("rb") as handle:
        text = PdfReader(handle).pages[0].extract_text()
    assert "KẾT QUẢ GIẢI QUYẾT THỦ TỤC HÀNH CHÍNH" in text
    assert dossier.code in text and dossier.procedure.name[:30] in text.replace("\n", " ")


def test_a_draft_has_no_result(results_env, official):
    from dichvucong.catalog.models import Procedure
    from dichvucong.dossiers.services import create_draft
    from tests.accounts.factories import verified_citizen

    applicant = verified_citizen()
    procedure = Procedure.objects.get(code=GENERIC_PROCEDURE)
    draft = create_draft(applicant=applicant, procedure=procedure, agency=procedure.owner)
    with pytest.raises(ResultRefused) as refused:
        issue_result(draft, official=official)
    assert refused.value.code == "not_submitted"
