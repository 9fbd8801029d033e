"""An agency's signing credential for electronic results (C4).

:func:`signer_for` gives an :class:`AgencySigner`: the agency's certificate, the chain up
to its root, and a pyHanko signer that makes the signature. Everything that signs a PDF
goes through this interface, so the key can live elsewhere without the callers knowing.

Where the key comes from:

- **Files** (the default): ``settings.AGENCY_SIGNING_DIR / <agency code>/`` holds
  ``key.pem`` (PKCS#8, unencrypted, mode 0600), ``certificate.pem`` and ``chain.pem``
  (issuing CA first, root last). A real deployment mounts the agency's credential there
  (a Kubernetes secret or a read-only volume), issued by the government CA.
- **An HSM, a PKCS#11 token or a remote-signing service**: write a subclass of
  :class:`AgencySigner` whose :meth:`AgencySigner.pyhanko_signer` returns e.g.
  ``pyhanko.sign.pkcs11.PKCS11Signer`` or a remote ``signers.ExternalSigner``, and return it
  from :func:`signer_for`. The private key then never enters this process.
- **The CA simulator** (development and tests, ``SIMULATORS_ENABLED`` and not
  ``PRODUCTION``): a missing credential is requested from ``SIM_CA_BASE_URL``
  (``POST certificates``, kind ``agency``) and stored as files, once.

In production a missing credential is an error (:class:`AgencyCredentialMissing`): an
unsigned or self-signed result must never be issued in the State's name.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import re
import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import NameOID
from django.conf import settings

KEY_FILE = "key.pem"
CERTIFICATE_FILE = "certificate.pem"
CHAIN_FILE = "chain.pem"
# Subject attributes are at most 64 characters (RFC 5280 ub-common-name); agency names
# can be longer, the certificate carries the start and the MNS code identifies it.
SUBJECT_NAME_MAX = 64
_SAFE_CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9.\-]{0,39}$")


class AgencySigningError(Exception):
    """Base of the errors of this module; ``code`` is machine-readable."""

    code = "agency_signing_error"


class AgencyCredentialMissing(AgencySigningError):
    """No signing credential is installed for the agency and none may be provisioned."""

    code = "credential_missing"


class AgencyCredentialInvalid(AgencySigningError):
    """The installed credential cannot be read, or its key does not match its certificate."""

    code = "credential_invalid"


class AgencySigningUnavailable(AgencySigningError):
    """The CA simulator could not provision a credential (transport error or refusal)."""

    code = "provisioning_unavailable"


@dataclass
class AgencySigner:
    """One agency's credential: what signs, and the certificates that vouch for it."""

    agency_code: str
    certificate: x509.Certificate
    chain: list[x509.Certificate]
    _private_key: Any = field(default=None, repr=False)

    @property
    def serial_hex(self) -> str:
        return format(self.certificate.serial_number, "x")

    @property
    def subject(self) -> str:
        return self.certificate.subject.rfc4514_string()

    @property
    def common_name(self) -> str:
        values = self.certificate.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
        value = values[0].value if values else ""
        return value if isinstance(value, str) else value.decode("utf-8", "replace")

    def pyhanko_signer(self) -> Any:  # -> pyhanko.sign.signers.Signer
        """A pyHanko signer holding the key and the full chain (embedded in the signature).

        Subclasses for an HSM or remote signing override this and keep the key outside.
        """
        from pyhanko.keys.internal import (
            translate_pyca_cryptography_cert_to_asn1,
            translate_pyca_cryptography_key_to_asn1,
        )
        from pyhanko.sign import signers
        from pyhanko_certvalidator.registry import SimpleCertificateStore

        if self._private_key is None:
            raise AgencyCredentialInvalid(f"no private key for agency {self.agency_code}")
        return signers.SimpleSigner(
            signing_cert=translate_pyca_cryptography_cert_to_asn1(self.certificate),
            signing_key=translate_pyca_cryptography_key_to_asn1(self._private_key),
            cert_registry=SimpleCertificateStore.from_certs(
                [translate_pyca_cryptography_cert_to_asn1(cert) for cert in self.chain]
            ),
        )


def safe_code(agency_code: str) -> str:
    """The agency code as a directory name; ValueError for anything that could escape."""
    code = (agency_code or "").strip()
    if not _SAFE_CODE.match(code) or ".." in code:
        raise ValueError("agency code must be letters, digits, '.' and '-' (e.g. 000.00.00.G15)")
    return code


def credential_directory(agency_code: str) -> Path:
    return Path(settings.AGENCY_SIGNING_DIR) / safe_code(agency_code)


def signer_for(agency: Any) -> AgencySigner:  # agency: catalog.Agency
    """The signer of ``agency`` (a catalog.Agency), provisioning it from the CA simulator
    when simulators are on and nothing is installed yet.

    Raises :class:`AgencyCredentialMissing` (production, nothing installed),
    :class:`AgencyCredentialInvalid` (unreadable or mismatched files) or
    :class:`AgencySigningUnavailable` (the simulator did not answer).
    """
    directory = credential_directory(agency.code)
    if not _complete(directory):
        if settings.PRODUCTION or not settings.SIMULATORS_ENABLED:
            raise AgencyCredentialMissing(
                f"No signing credential for agency {agency.code}: install key.pem, "
                f"certificate.pem and chain.pem (issued by the government CA) in {directory}, "
                "or configure an HSM/remote signer (docs/results.md)."
            )
        provision_from_simulator(agency_code=agency.code, agency_name=agency.name)
    return _load(agency.code, directory)


def provision_from_simulator(*, agency_code: str, agency_name: str, replace: bool = False) -> Path:
    """Ask the CA simulator for an ``agency`` certificate and store it; returns its directory.

    Safe when several processes race: one holds a lock while it asks, the others find the
    credential when they get the lock. Files appear at once (a directory renamed into place),
    so a reader never sees a key without its certificate. Never in production.
    """
    if settings.PRODUCTION or not settings.SIMULATORS_ENABLED:
        raise AgencyCredentialMissing("the CA simulator is not available in this deployment")
    directory = credential_directory(agency_code)
    with _locked(directory.parent, directory.name):
        if _complete(directory) and not replace:
            return directory
        issued = _request_certificate(agency_code, agency_name)
        _install(
            directory,
            key_pem=issued["private_key_pem"].encode(),
            certificate_pem=issued["certificate_pem"].encode(),
            chain_pem="".join(issued["chain_pems"]).encode(),
        )
    return directory


def install_credential(
    *, agency_code: str, key_pem: bytes, certificate_pem: bytes, chain_pem: bytes
) -> Path:
    """Install a credential given as PEM (a test CA's, or a real one copied in by an operator)."""
    directory = credential_directory(agency_code)
    _check_pair(key_pem, certificate_pem)
    with _locked(directory.parent, directory.name):
        _install(directory, key_pem=key_pem, certificate_pem=certificate_pem, chain_pem=chain_pem)
    return directory


# --- files ---------------------------------------------------------------------------------
def _complete(directory: Path) -> bool:
    return all((directory / name).is_file() for name in (KEY_FILE, CERTIFICATE_FILE, CHAIN_FILE))


@contextlib.contextmanager
def _locked(parent: Path, name: str) -> Iterator[None]:
    """Exclusive across processes (flock), per agency."""
    parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    with open(parent / f".{name}.lock", "a+b") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _install(directory: Path, *, key_pem: bytes, certificate_pem: bytes, chain_pem: bytes) -> None:
    staging = Path(tempfile.mkdtemp(dir=directory.parent, prefix=f".{directory.name}."))
    try:
        for name, data, mode in (
            (KEY_FILE, key_pem, 0o600),
            (CERTIFICATE_FILE, certificate_pem, 0o600),
            (CHAIN_FILE, chain_pem, 0o600),
        ):
            fd = os.open(staging / name, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
        os.chmod(staging, 0o700)
        if directory.exists():  # replacing (re-provisioning): the old one goes aside first
            retired = Path(tempfile.mkdtemp(dir=directory.parent, prefix=f".{directory.name}.old."))
            os.replace(directory, retired / "credential")
            shutil.rmtree(retired, ignore_errors=True)
        os.replace(staging, directory)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise


def _check_pair(key_pem: bytes, certificate_pem: bytes) -> tuple[Any, x509.Certificate]:
    try:
        key = serialization.load_pem_private_key(key_pem, password=None)
        certificate = x509.load_pem_x509_certificate(certificate_pem)
    except (ValueError, TypeError) as exc:
        raise AgencyCredentialInvalid("key or certificate cannot be parsed") from exc
    if not isinstance(key, ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey):
        raise AgencyCredentialInvalid("only ECDSA and RSA keys can sign results")
    public = serialization.PublicFormat.SubjectPublicKeyInfo
    if key.public_key().public_bytes(
        serialization.Encoding.DER, public
    ) != certificate.public_key().public_bytes(serialization.Encoding.DER, public):
        raise AgencyCredentialInvalid("the private key does not match the certificate")
    return key, certificate


def _load(agency_code: str, directory: Path) -> AgencySigner:
    try:
        key_pem = (directory / KEY_FILE).read_bytes()
        certificate_pem = (directory / CERTIFICATE_FILE).read_bytes()
        chain_pem = (directory / CHAIN_FILE).read_bytes()
    except OSError as exc:
        raise AgencyCredentialInvalid(f"credential of {agency_code} cannot be read") from exc
    key, certificate = _check_pair(key_pem, certificate_pem)
    try:
        chain = x509.load_pem_x509_certificates(chain_pem) if chain_pem.strip() else []
    except ValueError as exc:
        raise AgencyCredentialInvalid("chain.pem cannot be parsed") from exc
    return AgencySigner(
        agency_code=agency_code, certificate=certificate, chain=chain, _private_key=key
    )


# --- the CA simulator ------------------------------------------------------------------------
def _request_certificate(agency_code: str, agency_name: str) -> dict[str, Any]:
    base = settings.SIM_CA_BASE_URL
    base = base if base.endswith("/") else base + "/"
    name = " ".join(agency_name.split())[:SUBJECT_NAME_MAX] or agency_code
    try:
        reply = httpx.post(
            base + "certificates",
            json={
                "kind": "agency",
                "subject_name": name,
                "identifier": agency_code,
                "organization": name,
            },
            timeout=float(getattr(settings, "AGENCY_SIGNING_TIMEOUT_SECONDS", 10)),
        )
    except httpx.HTTPError as exc:
        raise AgencySigningUnavailable(f"CA simulator unreachable: {type(exc).__name__}") from exc
    if reply.status_code != 201:
        raise AgencySigningUnavailable(f"CA simulator refused: HTTP {reply.status_code}")
    try:
        body = reply.json()
        if not (
            isinstance(body.get("private_key_pem"), str)
            and isinstance(body.get("certificate_pem"), str)
            and isinstance(body.get("chain_pems"), list)
        ):
            raise ValueError("missing fields")
    except ValueError as exc:
        raise AgencySigningUnavailable("CA simulator answered something else") from exc
    return body
