"""A signed challenge is accepted only from a trusted, valid, unrevoked sign-in certificate."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from prometheus_client import REGISTRY

from dichvucong.pki.verification import (
    CertificateRejected,
    new_challenge,
    verify_signed_challenge,
)
from simulators.ca import authority
from tests.pki import PIN, pki_fixture, sign, sim_ca_dir_fixture  # noqa: F401 - fixtures


def _verify(issued, challenge: bytes, signature: bytes | None = None, **kwargs):
    return verify_signed_challenge(
        challenge=challenge,
        signature=signature if signature is not None else sign(issued.private_key_pem, challenge),
        certificate_pem=issued.certificate_pem,
        chain_pems=issued.chain_pems,
        **kwargs,
    )


def _rejected(code: str, call) -> CertificateRejected:
    with pytest.raises(CertificateRejected) as caught:
        call()
    assert caught.value.code == code, caught.value
    return caught.value


def test_citizen_certificate_signs_in_with_its_pin(pki):
    issued = authority.issue_certificate(
        kind="citizen", subject_name="Nguyễn Văn An", identifier=PIN
    )
    challenge = new_challenge().encode()
    before = REGISTRY.get_sample_value("dvc_certificate_checks_total", {"outcome": "accepted"}) or 0

    identity = _verify(issued, challenge)

    assert identity.kind == "citizen"
    assert (identity.identifier_type, identity.identifier) == ("CCCD", PIN)
    assert identity.common_name == "Nguyễn Văn An"
    assert identity.serial_hex == issued.serial
    assert identity.issuer_common_name == authority.CA_NAMES["citizens"]
    assert len(identity.fingerprint_sha256) == 64
    assert (
        REGISTRY.get_sample_value("dvc_certificate_checks_total", {"outcome": "accepted"})
        == before + 1
    )


@pytest.mark.parametrize(
    ("kind", "identifier", "identifier_type"),
    [("business", "0101234567", "MST"), ("agency", "1234567", "MNS"), ("official", PIN, "CCCD")],
)
def test_other_kinds_are_recognised(pki, kind, identifier, identifier_type):
    issued = authority.issue_certificate(
        kind=kind, subject_name="Đơn vị thử", identifier=identifier
    )
    identity = _verify(issued, b"challenge")
    assert (identity.kind, identity.identifier_type, identity.identifier) == (
        kind,
        identifier_type,
        identifier,
    )


@pytest.mark.parametrize("pss", [False, True])
def test_rsa_keys_sign_with_pkcs1_or_pss(pki, pss):
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    issued = authority.issue_certificate(
        kind="citizen", subject_name="Trần Thị Bình", identifier=PIN, key=key
    )
    challenge = new_challenge().encode()
    identity = _verify(issued, challenge, sign(issued.private_key_pem, challenge, pss=pss))
    assert identity.identifier == PIN


def test_signature_over_another_challenge_is_refused(pki):
    issued = authority.issue_certificate(
        kind="citizen", subject_name="Lê Văn Cường", identifier=PIN
    )
    signature = sign(issued.private_key_pem, b"challenge-1")
    before = (
        REGISTRY.get_sample_value("dvc_certificate_checks_total", {"outcome": "bad_signature"}) or 0
    )
    _rejected("bad_signature", lambda: _verify(issued, b"challenge-2", signature))
    assert (
        REGISTRY.get_sample_value("dvc_certificate_checks_total", {"outcome": "bad_signature"})
        == before + 1
    )


def _self_signed(name: str) -> tuple[ec.EllipticCurvePrivateKey, x509.Certificate]:
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=30))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    return key, cert


def _leaf_from(ca_key, ca_subject: x509.Name, **extensions) -> tuple[str, str]:
    key = ec.generate_private_key(ec.SECP256R1())
    now = datetime.now(UTC)
    builder = (
        x509.CertificateBuilder()
        .subject_name(
            x509.Name(
                [
                    x509.NameAttribute(NameOID.COMMON_NAME, "Kẻ giả mạo"),
                    x509.NameAttribute(NameOID.USER_ID, f"CCCD:{PIN}"),
                ]
            )
        )
        .issuer_name(ca_subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=30))
    )
    for extension in extensions.values():
        builder = builder.add_extension(extension, critical=True)
    cert = builder.sign(ca_key, hashes.SHA256())
    key_pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    return cert.public_bytes(serialization.Encoding.PEM).decode(), key_pem


def test_self_signed_certificate_is_untrusted(pki):
    key, cert = _self_signed("Tự ký")
    pem = cert.public_bytes(serialization.Encoding.PEM).decode()
    challenge = b"challenge"
    _rejected(
        "untrusted_chain",
        lambda: verify_signed_challenge(
            challenge=challenge,
            signature=key.sign(challenge, ec.ECDSA(hashes.SHA256())),
            certificate_pem=pem,
        ),
    )


def test_rogue_ca_with_the_trusted_ca_name_is_untrusted(pki):
    # Same subject as the real issuing CA, another key: only signatures make a chain.
    citizens = authority.authority().ca("citizens")
    rogue_key, rogue = _self_signed("placeholder")
    rogue = (
        x509.CertificateBuilder()
        .subject_name(citizens.certificate.subject)
        .issuer_name(authority.authority().root.certificate.subject)
        .public_key(rogue_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(rogue.not_valid_before_utc)
        .not_valid_after(rogue.not_valid_after_utc)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .sign(rogue_key, hashes.SHA256())
    )
    leaf_pem, leaf_key_pem = _leaf_from(
        rogue_key,
        citizens.certificate.subject,
        ku=x509.KeyUsage(True, True, False, False, False, False, False, False, False),
    )
    _rejected(
        "untrusted_chain",
        lambda: verify_signed_challenge(
            challenge=b"c",
            signature=sign(leaf_key_pem, b"c"),
            certificate_pem=leaf_pem,
            chain_pems=[
                rogue.public_bytes(serialization.Encoding.PEM).decode(),
                authority.root_certificate_pem(),
            ],
        ),
    )


def test_expired_certificate_is_refused(pki):
    now = datetime.now(UTC)
    issued = authority.issue_certificate(
        kind="citizen",
        subject_name="Phạm Thị Dung",
        identifier=PIN,
        not_before=now - timedelta(days=400),
        not_after=now - timedelta(days=1),
    )
    _rejected("expired", lambda: _verify(issued, b"challenge"))


def test_certificate_not_yet_valid_is_refused(pki):
    now = datetime.now(UTC)
    issued = authority.issue_certificate(
        kind="citizen",
        subject_name="Phạm Thị Dung",
        identifier=PIN,
        not_before=now + timedelta(days=1),
    )
    _rejected("not_yet_valid", lambda: _verify(issued, b"challenge"))


def test_certificate_without_client_auth_cannot_sign_in(pki):
    citizens = authority.authority().ca("citizens")
    leaf_pem, leaf_key_pem = _leaf_from(
        citizens.key,
        citizens.certificate.subject,
        ku=x509.KeyUsage(True, True, False, False, False, False, False, False, False),
        eku=x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CODE_SIGNING]),
    )
    _rejected(
        "wrong_key_usage",
        lambda: verify_signed_challenge(
            challenge=b"c",
            signature=sign(leaf_key_pem, b"c"),
            certificate_pem=leaf_pem,
            chain_pems=[citizens.pem],
        ),
    )


@pytest.mark.parametrize(
    "certificate_pem",
    ["", "not a certificate", "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"],
)
def test_malformed_certificate_is_refused(pki, certificate_pem):
    _rejected(
        "malformed",
        lambda: verify_signed_challenge(
            challenge=b"c", signature=b"s", certificate_pem=certificate_pem
        ),
    )


def test_configured_trust_anchors_replace_the_simulator_root(pki, settings, tmp_path):
    _, other_root = _self_signed("Another root")
    anchor_file = tmp_path / "anchors.pem"
    anchor_file.write_bytes(other_root.public_bytes(serialization.Encoding.PEM))
    settings.PKI_TRUST_ANCHOR_FILES = [str(anchor_file)]
    issued = authority.issue_certificate(kind="citizen", subject_name="Võ Văn Em", identifier=PIN)
    _rejected("untrusted_chain", lambda: _verify(issued, b"challenge"))
