"""What verification finds in tampered, foreign, revoked and junk files (C4)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from io import BytesIO

import httpx
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

from dichvucong.core.pdf import official_document
from dichvucong.datastore.models import StoredDocument
from dichvucong.pki.agency_signing import AgencySigner, signer_for
from dichvucong.results.services import revoke_result
from dichvucong.results.signing import sign_result_pdf
from dichvucong.results.verification import verify_result_pdf
from tests.pki import set_fault
from tests.results import (  # noqa: F401 - fixtures
    issued_fixture,
    official_fixture,
    pki_fixture,
    results_env_fixture,
    sim_ca_dir_fixture,
)

pytestmark = pytest.mark.django_db


def _plain_pdf() -> bytes:
    return official_document(title="Giấy tờ", document_title="Giấy tờ", rows=[("Số", "1")],
                             qr="https://example.org", footer="")


def test_one_changed_byte_is_a_modification(issued):
    _result, content = issued
    # A byte of the page's own content (before the signature), same length: offsets stay valid.
    position = content.index(b"/Title") + 8
    tampered = content[:position] + bytes([content[position] ^ 0x01]) + content[position + 1:]
    assert verify_result_pdf(tampered).code == "modified"


def test_an_incremental_update_after_the_signature_is_a_modification(issued):
    _result, content = issued
    writer = IncrementalPdfFileWriter(BytesIO(content))
    writer.trailer["/Info"] = writer.add_object(generic.DictionaryObject(
        {generic.NameObject("/Title"): generic.TextStringObject("Giấy tờ khác")}))
    output = BytesIO()
    writer.write(output)
    report = verify_result_pdf(output.getvalue())
    assert report.code == "modified" and not report.ok


def _self_made_signer() -> AgencySigner:
    now = datetime.now(UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Bộ Công an (giả)")])
    ca = (x509.CertificateBuilder().subject_name(ca_name).issuer_name(ca_name)
          .public_key(ca_key.public_key()).serial_number(x509.random_serial_number())
          .not_valid_before(now - timedelta(days=1)).not_valid_after(now + timedelta(days=30))
          .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
          .sign(ca_key, hashes.SHA256()))
    key = ec.generate_private_key(ec.SECP256R1())
    leaf = (x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Bộ Công an")]))
            .issuer_name(ca_name).public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - timedelta(days=1)).not_valid_after(now + timedelta(days=30))
            .add_extension(x509.KeyUsage(True, True, False, False, False, False, False, False, False),
                           critical=True)
            .sign(ca_key, hashes.SHA256()))
    return AgencySigner(agency_code="FAKE", certificate=leaf, chain=[ca], _private_key=key)


def test_a_pdf_signed_under_a_self_made_ca_is_untrusted(results_env):
    from pyhanko.sign import fields, signers

    signer = _self_made_signer()
    writer = IncrementalPdfFileWriter(BytesIO(_plain_pdf()))
    signed = signers.PdfSigner(
        signers.PdfSignatureMetadata(field_name="Sig", subfilter=fields.SigSeedSubFilter.PADES),
        signer=signer.pyhanko_signer(),
    ).sign_pdf(writer).getvalue()
    report = verify_result_pdf(signed)
    # A self-made certificate may carry any agency's name: it is not repeated to the reader.
    assert report.code == "untrusted_chain" and report.signer_name == ""


def test_a_revoked_agency_certificate_is_reported(issued, results_env):
    result, content = issued
    reply = httpx.post(f"{results_env}certificates/{result.signer_serial}/revoke",
                       json={"reason": "key_compromise"}, timeout=5)
    assert reply.status_code == 200
    report = verify_result_pdf(content)
    assert report.code == "certificate_revoked" and not report.ok


def test_no_revocation_answer_is_not_a_valid_result(issued, results_env):
    _result, content = issued
    set_fault(results_env, "revocation_down")
    try:
        assert verify_result_pdf(content).code == "revocation_unknown"
    finally:
        set_fault(results_env, "none")


def test_a_result_the_agency_revoked_is_reported_and_revoked_in_the_store(issued, official):
    result, content = issued
    revoke_result(result, reason="Cấp nhầm địa chỉ tạm trú", actor=official)
    report = verify_result_pdf(content)
    assert report.code == "result_revoked" and not report.ok
    assert report.revoked_reason == "Cấp nhầm địa chỉ tạm trú" and report.revoked_at is not None
    copy = StoredDocument.objects.get(result_reference=result.reference)
    assert copy.revoked_at is not None
    again = revoke_result(result, reason="lần nữa", actor=official)  # changes nothing
    assert again.revoked_reason == "Cấp nhầm địa chỉ tạm trú"


def test_a_genuine_agency_signature_on_a_file_the_portal_never_issued(issued):
    result, _content = issued
    signed = sign_result_pdf(_plain_pdf(), signer_for(result.agency), agency_name=result.agency.name,
                             reference="KQ-KHAC", signed_at=datetime.now(UTC))
    report = verify_result_pdf(signed)
    assert report.code == "unknown_result" and report.signer_serial == result.signer_serial


@pytest.mark.parametrize("content, code", [
    (b"", "not_pdf"),
    (b"hello, world", "not_pdf"),
    (b"%PDF-1.7\n" + b"\x00garbage" * 1000, "not_pdf"),
    (b"%PDF-1.4\n1 0 obj << /Type /Catalog >>\ntrailer << /Root 1 0 R >>\n%%EOF", "not_pdf"),
])
def test_junk_never_raises(content, code):
    assert verify_result_pdf(content).code == code


def test_an_unsigned_pdf_is_unsigned():
    assert verify_result_pdf(_plain_pdf()).code == "unsigned"


def test_a_truncated_signed_pdf_does_not_raise(issued):
    _result, content = issued
    assert verify_result_pdf(content[: len(content) // 2]).code in {"not_pdf", "unsigned", "modified",
                                                                   "invalid_signature"}


def test_an_oversize_file_is_refused_unread(settings):
    settings.RESULT_VERIFICATION_MAX_BYTES = 10
    assert verify_result_pdf(b"%PDF-1.7 and much more").code == "too_large"

