"""Key material and issuance of the simulated certification authority (test only).

The hierarchy mirrors a Vietnamese public CA: one root and three issuing CAs
(``citizens``, ``businesses``, ``government``). Every key is ECDSA P-256: it is what
current smart cards and SIM-PKI providers generate, it is fast enough to issue
hundreds of certificates in a test run, and pyHanko signs PAdES with it. An RSA key
may still be handed to :func:`issue_certificate` to test RSA signatures.

Persistence (``settings.SIM_CA_DIR``, default ``BASE_DIR / "var" / "sim-ca"``)::

    root.key.pem  root.pem          the root, generated once
    <ca>.key.pem  <ca>.pem          each issuing CA
    issued.jsonl                    one line per certificate issued (serial, issuing CA)
    revocations.json                {serial hex: {ca, reason, revoked_at}}
    remote/<pin>.{key,cert}.pem      keys the SIM-PKI simulator holds for users
    .lock                           flock taken by every writer

Generation happens under an exclusive ``flock`` and every file is written to a temporary
name then renamed, so two processes starting at once agree on one root, and a crash never
leaves half a key. The private keys are stored unencrypted: this is a simulator, mounted only
when ``SIMULATORS_ENABLED``, and its keys must never be trusted outside tests.

Subject conventions (those of Vietnamese CAs' certificates): ``C=VN``, ``CN=<name>`` and the
identifier in the ``UID`` attribute (OID 0.9.2342.19200300.100.1.1) as ``CCCD:<12-digit
personal identification number>`` for citizens and officials, ``MST:<tax code>`` for
businesses and ``MNS:<budget-relationship code>`` for agencies.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import re
import tempfile
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Literal

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID, ObjectIdentifier
from django.conf import settings

Kind = Literal["citizen", "business", "official", "agency"]
KINDS: tuple[Kind, ...] = ("citizen", "business", "official", "agency")
ISSUING_CAS = ("citizens", "businesses", "government")
CA_FOR_KIND: dict[str, str] = {
    "citizen": "citizens",
    "business": "businesses",
    "official": "government",
    "agency": "government",
}
UID_PREFIX: dict[str, str] = {
    "citizen": "CCCD",
    "official": "CCCD",
    "business": "MST",
    "agency": "MNS",
}

ROOT_NAME = "Root CA giả lập — dichvucong (test only)"
CA_NAMES = {
    "citizens": "CA công dân giả lập — dichvucong (test only)",
    "businesses": "CA doanh nghiệp giả lập — dichvucong (test only)",
    "government": "CA cơ quan nhà nước giả lập — dichvucong (test only)",
}
ORGANIZATION = "dichvucong — giả lập (test only)"

# RFC 9336: the purpose a PDF signing certificate should carry.
DOCUMENT_SIGNING = ObjectIdentifier("1.3.6.1.5.5.7.3.36")

END_ENTITY_LIFETIME = timedelta(days=2 * 365)  # Vietnamese CAs sell 1–3 year certificates
CLOCK_SKEW = timedelta(minutes=5)

_PIN_RE = re.compile(r"^\d{12}$")
_TAX_CODE_RE = re.compile(r"^\d{10}(-\d{3})?$")
_AGENCY_CODE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9.\-]{0,31}$")

REVOCATION_REASONS = {flag.name: flag for flag in x509.ReasonFlags}


class UnknownCertificate(LookupError):
    """No certificate with that serial was issued by this simulator."""


@dataclass(frozen=True)
class IssuedCertificate:
    """A test certificate with its private key; ``chain_pems`` runs issuing CA → root."""

    certificate_pem: str
    private_key_pem: str
    chain_pems: list[str]
    serial: str  # lowercase hex, no prefix


@dataclass(frozen=True)
class CertificateAuthority:
    slug: str
    certificate: x509.Certificate
    key: ec.EllipticCurvePrivateKey

    @property
    def pem(self) -> str:
        return self.certificate.public_bytes(serialization.Encoding.PEM).decode()


@dataclass(frozen=True)
class Authority:
    directory: Path
    root: CertificateAuthority
    issuing: dict[str, CertificateAuthority]

    def all_cas(self) -> list[CertificateAuthority]:
        return [self.root, *self.issuing.values()]

    def ca(self, slug: str) -> CertificateAuthority:
        if slug == "root":
            return self.root
        return self.issuing[slug]


# --- settings --------------------------------------------------------------------------
def ca_directory() -> Path:
    default = Path(settings.BASE_DIR) / "var" / "sim-ca"
    return Path(getattr(settings, "SIM_CA_DIR", default))


def base_url() -> str:
    url = getattr(settings, "SIM_CA_BASE_URL", "http://127.0.0.1:8000/sim/ca/")
    return url if url.endswith("/") else url + "/"


_THREAD_LOCK = threading.RLock()
_LOCK_DEPTH = 0


# --- files -----------------------------------------------------------------------------
@contextlib.contextmanager
def _locked(directory: Path) -> Iterator[None]:
    """Exclusive lock across processes (and, with the module lock, across threads)."""
    global _LOCK_DEPTH
    with _THREAD_LOCK:
        # flock is held per open file: a nested acquisition by the same thread would
        # open a second handle and wait for itself, so only the outermost one locks.
        if _LOCK_DEPTH:
            _LOCK_DEPTH += 1
            try:
                yield
            finally:
                _LOCK_DEPTH -= 1
            return
        directory.mkdir(parents=True, exist_ok=True)
        with open(directory / ".lock", "a+b") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            _LOCK_DEPTH = 1
            try:
                yield
            finally:
                _LOCK_DEPTH = 0
                fcntl.flock(handle, fcntl.LOCK_UN)


def _write_atomically(path: Path, data: bytes, *, private: bool = False) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, 0o600 if private else 0o644)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def _key_pem(key: ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


def _cert_pem(cert: x509.Certificate) -> bytes:
    return cert.public_bytes(serialization.Encoding.PEM)


def _load_ca(directory: Path, slug: str) -> CertificateAuthority:
    key = serialization.load_pem_private_key((directory / f"{slug}.key.pem").read_bytes(), None)
    cert = x509.load_pem_x509_certificate((directory / f"{slug}.pem").read_bytes())
    assert isinstance(key, ec.EllipticCurvePrivateKey)  # only this module writes these files
    return CertificateAuthority(slug, cert, key)


# --- building certificates -------------------------------------------------------------
def _now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


def _ca_name(common_name: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "VN"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, ORGANIZATION),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )


def _revocation_pointers(
    builder: x509.CertificateBuilder, issuer_slug: str
) -> x509.CertificateBuilder:
    """AIA (OCSP + caIssuers) and CRL distribution point of the issuing CA ``issuer_slug``."""
    base = base_url()
    return builder.add_extension(
        x509.AuthorityInformationAccess(
            [
                x509.AccessDescription(
                    x509.AuthorityInformationAccessOID.OCSP,
                    x509.UniformResourceIdentifier(base + "ocsp"),
                ),
                # RFC 5280 §4.2.2.1: caIssuers points at a DER certificate.
                x509.AccessDescription(
                    x509.AuthorityInformationAccessOID.CA_ISSUERS,
                    x509.UniformResourceIdentifier(f"{base}{issuer_slug}.cer"),
                ),
            ]
        ),
        critical=False,
    ).add_extension(
        x509.CRLDistributionPoints(
            [
                x509.DistributionPoint(
                    full_name=[x509.UniformResourceIdentifier(f"{base}crl/{issuer_slug}.crl")],
                    relative_name=None,
                    reasons=None,
                    crl_issuer=None,
                )
            ]
        ),
        critical=False,
    )


def _ca_key_usage() -> x509.KeyUsage:
    # digitalSignature because the CAs sign their own OCSP responses (RFC 6960 §4.2.2.2).
    return x509.KeyUsage(
        digital_signature=True,
        content_commitment=False,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=True,
        crl_sign=True,
        encipher_only=False,
        decipher_only=False,
    )


def _generate(directory: Path) -> None:
    now = _now()
    root_key = ec.generate_private_key(ec.SECP256R1())
    root_name = _ca_name(ROOT_NAME)
    root_cert = (
        x509.CertificateBuilder()
        .subject_name(root_name)
        .issuer_name(root_name)
        .public_key(root_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=20 * 365))
        .add_extension(x509.BasicConstraints(ca=True, path_length=1), critical=True)
        .add_extension(_ca_key_usage(), critical=True)
        .add_extension(
            x509.SubjectKeyIdentifier.from_public_key(root_key.public_key()), critical=False
        )
        .sign(root_key, hashes.SHA256())
    )
    files: list[tuple[str, bytes, bool]] = [
        ("root.key.pem", _key_pem(root_key), True),
        ("root.pem", _cert_pem(root_cert), False),
    ]
    for slug in ISSUING_CAS:
        key = ec.generate_private_key(ec.SECP256R1())
        builder = (
            x509.CertificateBuilder()
            .subject_name(_ca_name(CA_NAMES[slug]))
            .issuer_name(root_name)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - timedelta(days=1))
            .not_valid_after(now + timedelta(days=10 * 365))
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(_ca_key_usage(), critical=True)
            .add_extension(
                x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False
            )
            .add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_public_key(root_key.public_key()),
                critical=False,
            )
        )
        cert = _revocation_pointers(builder, "root").sign(root_key, hashes.SHA256())
        files += [(f"{slug}.key.pem", _key_pem(key), True), (f"{slug}.pem", _cert_pem(cert), False)]
    # The root certificate is written last: its presence is what marks the set complete.
    for name, data, private in sorted(files, key=lambda item: item[0] == "root.pem"):
        _write_atomically(directory / name, data, private=private)


_LOADED: dict[Path, Authority] = {}


def authority() -> Authority:
    """The CA hierarchy of ``SIM_CA_DIR``, generated on first use and then read from disk."""
    directory = ca_directory().resolve()
    loaded = _LOADED.get(directory)
    if loaded is not None:
        return loaded
    with _locked(directory):
        if not (directory / "root.pem").exists():
            _generate(directory)
        loaded = Authority(
            directory=directory,
            root=_load_ca(directory, "root"),
            issuing={slug: _load_ca(directory, slug) for slug in ISSUING_CAS},
        )
        _LOADED[directory] = loaded
    return loaded


def root_certificate_pem() -> str:
    """The simulated root in PEM: the trust anchor of every simulator certificate."""
    return authority().root.pem


def ca_certificate_pem(slug: str) -> str:
    """PEM of ``root`` or an issuing CA; ``KeyError`` for any other name."""
    return authority().ca(slug).pem


# --- issuance --------------------------------------------------------------------------
def _validate_identifier(kind: str, identifier: str) -> str:
    identifier = identifier.strip()
    if kind in ("citizen", "official") and not _PIN_RE.match(identifier):
        raise ValueError("identifier must be a 12-digit personal identification number")
    if kind == "business" and not _TAX_CODE_RE.match(identifier):
        raise ValueError("identifier must be a tax code (10 digits, optionally -NNN)")
    if kind == "agency" and not _AGENCY_CODE_RE.match(identifier):
        raise ValueError("identifier must be an agency code (letters, digits, '.', '-')")
    return identifier


def _end_entity_subject(
    kind: str, subject_name: str, identifier: str, organization: str | None
) -> x509.Name:
    attributes = [x509.NameAttribute(NameOID.COUNTRY_NAME, "VN")]
    if kind in ("business", "agency"):
        attributes.append(
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, organization or subject_name)
        )
    elif organization:
        attributes.append(x509.NameAttribute(NameOID.ORGANIZATION_NAME, organization))
    attributes += [
        x509.NameAttribute(NameOID.COMMON_NAME, subject_name),
        x509.NameAttribute(NameOID.USER_ID, f"{UID_PREFIX[kind]}:{identifier}"),
    ]
    return x509.Name(attributes)


def issue_certificate(
    *,
    kind: Kind,
    subject_name: str,
    identifier: str,
    not_before: datetime | None = None,
    not_after: datetime | None = None,
    key: ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey | None = None,
    organization: str | None = None,
) -> IssuedCertificate:
    """Issue a test certificate from the issuing CA for ``kind``.

    Every certificate can sign in (clientAuth) and sign documents with legal effect
    (digitalSignature + nonRepudiation); officials' and agencies' also carry the
    documentSigning purpose that PDF results need. A new P-256 key is generated unless
    ``key`` is given.
    """
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {', '.join(KINDS)}")
    subject_name = subject_name.strip()
    if not subject_name or len(subject_name) > 64:  # ub-common-name in RFC 5280
        raise ValueError("subject_name must be 1–64 characters")
    identifier = _validate_identifier(kind, identifier)
    ca_slug = CA_FOR_KIND[kind]
    ca = authority().ca(ca_slug)
    key = key or ec.generate_private_key(ec.SECP256R1())
    not_before = not_before or _now() - CLOCK_SKEW
    not_after = not_after or not_before + END_ENTITY_LIFETIME
    if not_after <= not_before:
        raise ValueError("not_after must be later than not_before")

    purposes = [ExtendedKeyUsageOID.CLIENT_AUTH, ExtendedKeyUsageOID.EMAIL_PROTECTION]
    if kind in ("official", "agency"):
        purposes.append(DOCUMENT_SIGNING)
    serial = x509.random_serial_number()
    builder = (
        x509.CertificateBuilder()
        .subject_name(_end_entity_subject(kind, subject_name, identifier, organization))
        .issuer_name(ca.certificate.subject)
        .public_key(key.public_key())
        .serial_number(serial)
        .not_valid_before(not_before)
        .not_valid_after(not_after)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=True,
                # RSA keys also decrypt S/MIME session keys; EC keys cannot.
                key_encipherment=isinstance(key, rsa.RSAPrivateKey),
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.ExtendedKeyUsage(purposes), critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca.key.public_key()), critical=False
        )
    )
    cert = _revocation_pointers(builder, ca_slug).sign(ca.key, hashes.SHA256())
    _record_issued(format(serial, "x"), ca_slug)
    return IssuedCertificate(
        certificate_pem=_cert_pem(cert).decode(),
        private_key_pem=_key_pem(key).decode(),
        chain_pems=[ca.pem, authority().root.pem],
        serial=format(serial, "x"),
    )


# --- status: issued and revoked serials --------------------------------------------------
def _normalise_serial(serial: str | int) -> str:
    if isinstance(serial, int):
        return format(serial, "x")
    text = serial.strip().lower().removeprefix("0x").replace(":", "")
    if not text or not re.fullmatch(r"[0-9a-f]{1,64}", text):
        raise ValueError("serial must be hexadecimal")
    return format(int(text, 16), "x")


def _record_issued(serial: str, ca_slug: str) -> None:
    directory = authority().directory
    with _locked(directory), open(directory / "issued.jsonl", "a", encoding="utf-8") as handle:
        handle.write(json.dumps({"serial": serial, "ca": ca_slug}) + "\n")


def _issued() -> dict[str, str]:
    """serial → issuing CA slug, issuing CAs' own serials included (under "root")."""
    auth = authority()
    found = {format(ca.certificate.serial_number, "x"): "root" for ca in auth.issuing.values()}
    path = auth.directory / "issued.jsonl"
    if path.exists():
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                record = json.loads(line)
                found[record["serial"]] = record["ca"]
    return found


def _revocations() -> dict[str, dict[str, str]]:
    path = authority().directory / "revocations.json"
    if not path.exists():
        return {}
    return json.loads(path.read_text(encoding="utf-8"))


def revoke(serial: str | int, reason: str | x509.ReasonFlags = "unspecified") -> None:
    """Revoke a certificate this simulator issued; revoking twice keeps the first record."""
    serial = _normalise_serial(serial)
    if isinstance(reason, str):
        if reason not in REVOCATION_REASONS or reason == "remove_from_crl":
            raise ValueError(f"reason must be one of {', '.join(sorted(REVOCATION_REASONS))}")
        reason = REVOCATION_REASONS[reason]
    issued = _issued()
    if serial not in issued:
        raise UnknownCertificate(serial)
    directory = authority().directory
    with _locked(directory):
        revocations = _revocations()
        revocations.setdefault(
            serial, {"ca": issued[serial], "reason": reason.name, "revoked_at": _now().isoformat()}
        )
        _write_atomically(
            directory / "revocations.json", json.dumps(revocations, indent=1).encode()
        )


@dataclass(frozen=True)
class Status:
    state: Literal["good", "revoked", "unknown"]
    revoked_at: datetime | None = None
    reason: x509.ReasonFlags | None = None


def certificate_status(ca_slug: str, serial: int) -> Status:
    """What the OCSP responder of ``ca_slug`` says about ``serial``."""
    key = format(serial, "x")
    if _issued().get(key) != ca_slug:
        return Status("unknown")
    record = _revocations().get(key)
    if record is None:
        return Status("good")
    return Status(
        "revoked",
        datetime.fromisoformat(record["revoked_at"]),
        REVOCATION_REASONS[record["reason"]],
    )


def revoked_by(ca_slug: str) -> list[tuple[int, datetime, x509.ReasonFlags]]:
    """Entries of the CRL of ``ca_slug``."""
    return [
        (
            int(serial, 16),
            datetime.fromisoformat(record["revoked_at"]),
            REVOCATION_REASONS[record["reason"]],
        )
        for serial, record in sorted(_revocations().items())
        if record["ca"] == ca_slug
    ]


# --- keys held for SIM-PKI users ---------------------------------------------------------
def remote_signing_credential(
    pin: str, subject_name: str
) -> tuple[ec.EllipticCurvePrivateKey, IssuedCertificate]:
    """The key and citizen certificate the SIM-PKI simulator holds for ``pin``, made on first use."""
    pin = _validate_identifier("citizen", pin)
    auth = authority()
    key_path = auth.directory / "remote" / f"{pin}.key.pem"
    cert_path = auth.directory / "remote" / f"{pin}.cert.pem"
    with _locked(auth.directory):
        if not cert_path.exists():
            issued = issue_certificate(kind="citizen", subject_name=subject_name, identifier=pin)
            _write_atomically(key_path, issued.private_key_pem.encode(), private=True)
            _write_atomically(cert_path, issued.certificate_pem.encode())
    key = serialization.load_pem_private_key(key_path.read_bytes(), None)
    assert isinstance(key, ec.EllipticCurvePrivateKey)
    cert = x509.load_pem_x509_certificate(cert_path.read_bytes())
    return key, IssuedCertificate(
        certificate_pem=cert_path.read_text(),
        private_key_pem="",  # the whole point of remote signing: the key never leaves
        chain_pems=[auth.ca("citizens").pem, auth.root.pem],
        serial=format(cert.serial_number, "x"),
    )
