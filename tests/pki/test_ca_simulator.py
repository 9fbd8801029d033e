"""The simulated CA: persistent hierarchy, published certificates, CRLs, OCSP and test issuance."""

from __future__ import annotations

import threading

import httpx
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.x509 import ocsp
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from simulators.ca import authority
from tests.pki import PIN, pki_fixture, sim_ca_dir_fixture  # noqa: F401 - fixtures


def test_key_material_persists_across_loads(pki):
    first = authority.root_certificate_pem()
    authority._LOADED.clear()  # what a restart does
    assert authority.root_certificate_pem() == first
    assert (authority.ca_directory() / "root.key.pem").stat().st_mode & 0o077 == 0


def test_concurrent_first_use_makes_one_root(settings, tmp_path):
    settings.SIM_CA_DIR = tmp_path / "fresh"
    roots: list[str] = []

    def load():
        roots.append(authority.root_certificate_pem())

    threads = [threading.Thread(target=load) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(set(roots)) == 1


def test_hierarchy_is_published(pki):
    root = x509.load_pem_x509_certificate(httpx.get(pki + "root.pem", timeout=5).content)
    assert root.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value == authority.ROOT_NAME
    for slug in authority.ISSUING_CAS:
        ca = x509.load_pem_x509_certificate(httpx.get(f"{pki}{slug}.pem", timeout=5).content)
        ca.verify_directly_issued_by(root)
        der = httpx.get(f"{pki}{slug}.cer", timeout=5)
        assert der.headers["content-type"] == "application/pkix-cert"
        assert x509.load_der_x509_certificate(der.content) == ca
    assert httpx.get(pki + "nobody.pem", timeout=5).status_code == 404


def test_agency_certificate_can_sign_pdf_results(pki):
    issued = authority.issue_certificate(
        kind="agency", subject_name="UBND xã Thử Nghiệm", identifier="1234567"
    )
    cert = x509.load_pem_x509_certificate(issued.certificate_pem.encode())
    usage = cert.extensions.get_extension_for_class(x509.KeyUsage).value
    assert usage.digital_signature and usage.content_commitment
    purposes = cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    assert authority.DOCUMENT_SIGNING in purposes and ExtendedKeyUsageOID.CLIENT_AUTH in purposes
    assert cert.subject.get_attributes_for_oid(NameOID.USER_ID)[0].value == "MNS:1234567"
    access = cert.extensions.get_extension_for_class(x509.AuthorityInformationAccess).value
    assert {d.access_location.value for d in access} == {pki + "ocsp", pki + "government.cer"}


def test_crl_is_signed_and_lists_revocations(pki):
    issued = authority.issue_certificate(kind="citizen", subject_name="Đỗ Thị Hoa", identifier=PIN)
    authority.revoke(issued.serial, "key_compromise")
    reply = httpx.get(pki + "crl/citizens.crl", timeout=5)
    assert reply.headers["content-type"] == "application/pkix-crl"
    crl = x509.load_der_x509_crl(reply.content)
    assert crl.is_signature_valid(authority.authority().ca("citizens").certificate.public_key())
    entry = crl.get_revoked_certificate_by_serial_number(int(issued.serial, 16))
    assert entry is not None
    assert (
        entry.extensions.get_extension_for_class(x509.CRLReason).value.reason
        == x509.ReasonFlags.key_compromise
    )


def _ocsp_ask(base: str, cert: x509.Certificate, issuer: x509.Certificate) -> ocsp.OCSPResponse:
    return _ocsp_post(
        base, ocsp.OCSPRequestBuilder().add_certificate(cert, issuer, hashes.SHA256()).build()
    )


def _ocsp_post(base: str, request: ocsp.OCSPRequest) -> ocsp.OCSPResponse:
    reply = httpx.post(
        base + "ocsp",
        content=request.public_bytes(serialization.Encoding.DER),
        headers={"Content-Type": "application/ocsp-request"},
        timeout=5,
    )
    assert reply.headers["content-type"] == "application/ocsp-response"
    return ocsp.load_der_ocsp_response(reply.content)


def test_ocsp_answers_good_revoked_and_unknown(pki):
    citizens = authority.authority().ca("citizens").certificate
    issued = authority.issue_certificate(
        kind="citizen", subject_name="Bùi Văn Khoa", identifier=PIN
    )
    cert = x509.load_pem_x509_certificate(issued.certificate_pem.encode())

    response = _ocsp_ask(pki, cert, citizens)
    assert response.certificate_status == ocsp.OCSPCertStatus.GOOD
    citizens.public_key().verify(response.signature, response.tbs_response_bytes, _ecdsa())

    authority.revoke(issued.serial, "cessation_of_operation")
    response = _ocsp_ask(pki, cert, citizens)
    assert response.certificate_status == ocsp.OCSPCertStatus.REVOKED
    assert response.revocation_reason == x509.ReasonFlags.cessation_of_operation

    # A serial this CA never issued is unknown to it.
    known = ocsp.OCSPRequestBuilder().add_certificate(cert, citizens, hashes.SHA256()).build()
    forged = (
        ocsp.OCSPRequestBuilder()
        .add_certificate_by_hash(
            known.issuer_name_hash, known.issuer_key_hash, known.serial_number + 1, hashes.SHA256()
        )
        .build()
    )
    response = _ocsp_post(pki, forged)
    assert response.certificate_status == ocsp.OCSPCertStatus.UNKNOWN

    # A CA outside the hierarchy is not this responder's to answer for.
    response = _ocsp_ask(pki, cert, authority.authority().ca("businesses").certificate)
    assert response.response_status == ocsp.OCSPResponseStatus.UNAUTHORIZED


def _ecdsa():
    from cryptography.hazmat.primitives.asymmetric import ec

    return ec.ECDSA(hashes.SHA256())


def test_ocsp_refuses_garbage(pki):
    reply = httpx.post(
        pki + "ocsp",
        content=b"nonsense",
        headers={"Content-Type": "application/ocsp-request"},
        timeout=5,
    )
    assert (
        ocsp.load_der_ocsp_response(reply.content).response_status
        == ocsp.OCSPResponseStatus.MALFORMED_REQUEST
    )


def test_test_certificates_are_issued_over_http(pki):
    reply = httpx.post(
        pki + "certificates",
        json={"kind": "business", "subject_name": "Công ty TNHH Thử", "identifier": "0101234567"},
        timeout=5,
    )
    assert reply.status_code == 201
    body = reply.json()
    cert = x509.load_pem_x509_certificate(body["certificate_pem"].encode())
    assert format(cert.serial_number, "x") == body["serial"]
    assert "PRIVATE KEY" in body["private_key_pem"] and "test" in body["warning"].lower()
    assert len(body["chain_pems"]) == 2


@pytest.mark.parametrize(
    "body",
    [
        {"kind": "citizen", "subject_name": "A", "identifier": "123"},
        {"kind": "emperor", "subject_name": "A", "identifier": PIN},
        {"kind": "citizen", "subject_name": "", "identifier": PIN},
    ],
)
def test_invalid_issue_requests_are_refused(pki, body):
    reply = httpx.post(pki + "certificates", json=body, timeout=5)
    assert reply.status_code == 400
    assert reply.json()["error"]["code"] == "invalid_request"


def test_revoking_an_unknown_serial_is_404(pki):
    reply = httpx.post(pki + "certificates/abcdef/revoke", json={}, timeout=5)
    assert reply.status_code == 404


def test_faults_are_validated(pki):
    assert httpx.post(pki + "faults", json={"mode": "explode"}, timeout=5).status_code == 400
    assert httpx.post(pki + "faults", json={"mode": "crl_down"}, timeout=5).json() == {
        "mode": "crl_down"
    }
    assert httpx.get(pki + "crl/root.crl", timeout=5).status_code == 503
