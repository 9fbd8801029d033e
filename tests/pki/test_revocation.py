"""Revocation is checked by OCSP, then by CRL; when neither answers the sign-in is refused."""

from __future__ import annotations

import httpx
import pytest

from dichvucong.pki.verification import CertificateRejected, verify_signed_challenge
from simulators.ca import authority
from tests.pki import PIN, pki_fixture, set_fault, sign, sim_ca_dir_fixture  # noqa: F401 - fixtures


def _issue():
    return authority.issue_certificate(
        kind="citizen", subject_name="Hoàng Văn Giang", identifier=PIN
    )


def _verify(issued):
    return verify_signed_challenge(
        challenge=b"challenge",
        signature=sign(issued.private_key_pem, b"challenge"),
        certificate_pem=issued.certificate_pem,
        chain_pems=issued.chain_pems,
    )


def _code(issued) -> str:
    with pytest.raises(CertificateRejected) as caught:
        _verify(issued)
    return caught.value.code


def test_ocsp_reports_a_revoked_certificate(pki):
    issued = _issue()
    assert _verify(issued).identifier == PIN
    reply = httpx.post(
        f"{pki}certificates/{issued.serial}/revoke", json={"reason": "key_compromise"}, timeout=5
    )
    assert reply.status_code == 200
    assert _code(issued) == "revoked"


def test_crl_is_used_when_ocsp_is_down(pki):
    good, revoked = _issue(), _issue()
    authority.revoke(revoked.serial, "superseded")
    set_fault(pki, "ocsp_down")
    assert _verify(good).identifier == PIN
    assert _code(revoked) == "revoked"


def test_crl_is_used_when_ocsp_does_not_know_the_certificate(pki):
    good, revoked = _issue(), _issue()
    authority.revoke(revoked.serial)
    set_fault(pki, "ocsp_unknown")
    assert _verify(good).identifier == PIN
    assert _code(revoked) == "revoked"


def test_ocsp_alone_suffices_when_crl_is_down(pki):
    set_fault(pki, "crl_down")
    assert _verify(_issue()).identifier == PIN


def test_no_revocation_answer_refuses_the_sign_in(pki):
    issued = _issue()
    set_fault(pki, "revocation_down")
    assert _code(issued) == "revocation_unknown"


def test_unreachable_responders_refuse_the_sign_in(pki, settings):
    # Issued while the URLs point at a closed port: the checks meet connection errors.
    settings.SIM_CA_BASE_URL = "http://127.0.0.1:9/sim/ca/"
    issued = _issue()
    assert _code(issued) == "revocation_unknown"
