"""Sign-in with a digital-signature certificate (level of assurance 4).

The portal hands the user a random challenge (:func:`new_challenge`); their key (USB token,
smart card or a remote-signing provider) signs it; :func:`verify_signed_challenge` then
proves, in this order:

1. the certificate parses, and the signature over the challenge verifies with its key
   (possession of the private key);
2. a path runs from it to a configured trust anchor, every link verified by signature and
   every CA on the way allowed to issue certificates;
3. every certificate of the path is valid at ``at``;
4. the certificate may be used to sign in: not a CA, keyUsage digitalSignature, and
   clientAuth if it restricts its purposes;
5. no certificate of the path is revoked: OCSP first (signed by the issuer or its delegated
   responder, answering for exactly this certificate, fresh, nonce echoed if any), then the
   CRL (signed by the issuer, not past its nextUpdate). If neither answers the check fails:
   a sign-in at the highest level of assurance is refused rather than granted blind.

Network requests (step 5) are made only for certificates that already chain to a trust
anchor, so an attacker cannot make the portal fetch arbitrary URLs.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
from cryptography import x509
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa
from cryptography.x509 import ocsp
from cryptography.x509.oid import ExtendedKeyUsageOID, ExtensionOID, NameOID, SignatureAlgorithmOID
from django.conf import settings
from django.core.cache import cache
from prometheus_client import Counter

logger = logging.getLogger(__name__)

CERTIFICATE_CHECKS = Counter(
    "dvc_certificate_checks_total",
    "Certificate sign-in checks, by outcome (accepted or the rejection code).",
    ["outcome"],
)

REJECTION_CODES = (
    "bad_signature",
    "untrusted_chain",
    "expired",
    "not_yet_valid",
    "revoked",
    "revocation_unknown",
    "wrong_key_usage",
    "malformed",
)
IDENTIFIER_TYPES = ("CCCD", "MST", "MNS")

MAX_CHAIN_CERTIFICATES = 8
MAX_PATH_LENGTH = 6
MAX_CRL_BYTES = 10 * 1024 * 1024
# Clocks of token middleware, responders and this server drift; RFC 5019 suggests minutes.
CLOCK_SKEW = timedelta(minutes=5)
# An OCSP answer without nextUpdate and without our nonce is trusted this long after thisUpdate.
OCSP_MAX_AGE = timedelta(hours=1)
DEFAULT_CRL_CACHE_SECONDS = 300
_WEAK_HASHES = (hashes.MD5, hashes.SHA1)
_EC_CURVES = (ec.SECP256R1, ec.SECP384R1, ec.SECP521R1)
# Critical extensions this module understands; any other critical one makes a certificate
# unusable (RFC 5280 §4.2). Certificate policies are accepted without policy processing,
# as every Vietnamese public CA marks its own and the portal trusts by anchor, not policy.
_HANDLED_CRITICAL = {
    ExtensionOID.BASIC_CONSTRAINTS,
    ExtensionOID.KEY_USAGE,
    ExtensionOID.EXTENDED_KEY_USAGE,
    ExtensionOID.SUBJECT_ALTERNATIVE_NAME,
    ExtensionOID.CERTIFICATE_POLICIES,
}


class CertificateRejected(Exception):
    """The certificate or the signature is not accepted; ``code`` is one of REJECTION_CODES."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message


@dataclass(frozen=True)
class CertificateIdentity:
    """Who a verified certificate names. ``kind`` is a guess from the identifier and issuer."""

    kind: str  # "citizen" | "official" | "business" | "agency" | "unknown"
    identifier_type: str | None  # "CCCD" | "MST" | "MNS"
    identifier: str | None
    common_name: str
    serial_hex: str
    issuer_common_name: str
    not_after: datetime
    fingerprint_sha256: str


def new_challenge() -> str:
    """32 random bytes, URL-safe: what the user's key signs (as its UTF-8 bytes).

    The caller keeps it server-side (session), accepts one answer for it and forgets it, so
    a signature cannot be replayed.
    """
    return secrets.token_urlsafe(32)


def verify_signed_challenge(
    *,
    challenge: bytes,
    signature: bytes,
    certificate_pem: str,
    chain_pems: Sequence[str] = (),
    at: datetime | None = None,
) -> CertificateIdentity:
    """Verify that ``certificate_pem``'s key signed ``challenge`` and that the certificate is trustworthy.

    Returns the identity it names, or raises :class:`CertificateRejected`. ``chain_pems``
    may hold the intermediate CAs (in any order, the root optional); ``at`` is the moment
    the certificates must be valid at (now by default).
    """
    try:
        identity = _verify(challenge, signature, certificate_pem, chain_pems, at)
    except CertificateRejected as rejected:
        CERTIFICATE_CHECKS.labels(outcome=rejected.code).inc()
        # The reason only: names and identifiers in certificates are personal data.
        logger.info("certificate sign-in rejected: %s", rejected.code)
        raise
    CERTIFICATE_CHECKS.labels(outcome="accepted").inc()
    return identity


def _verify(
    challenge: bytes,
    signature: bytes,
    certificate_pem: str,
    chain_pems: Sequence[str],
    at: datetime | None,
) -> CertificateIdentity:
    moment = _aware(at) if at is not None else datetime.now(UTC)
    leaf = _load_one(certificate_pem)
    intermediates = [cert for pem in chain_pems for cert in _load_many(pem)]
    if len(intermediates) > MAX_CHAIN_CERTIFICATES:
        raise CertificateRejected("malformed", "too many chain certificates")
    if (
        not isinstance(challenge, bytes)
        or not challenge
        or not isinstance(signature, bytes)
        or not signature
    ):
        raise CertificateRejected("malformed", "challenge and signature must be non-empty bytes")

    _verify_challenge_signature(leaf, challenge, signature)
    path = _build_path(leaf, intermediates, _trust_anchors())
    _check_validity(path, moment)
    _check_sign_in_usage(leaf)
    for position, cert in enumerate(path[:-1]):
        # The leaf must be checkable; a CA certificate without pointers is vouched for by its
        # issuer's inclusion in the trust store (its revocation is then the operator's watch).
        _check_revocation(cert, path[position + 1], required=position == 0)
    return _identity(leaf)


# --- parsing ---------------------------------------------------------------------------
def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _load_one(pem: str) -> x509.Certificate:
    certificates = _load_many(pem)
    if len(certificates) != 1:
        raise CertificateRejected("malformed", "expected exactly one certificate")
    return certificates[0]


def _load_many(pem: str) -> list[x509.Certificate]:
    if not isinstance(pem, str) or "-----BEGIN CERTIFICATE-----" not in pem:
        raise CertificateRejected("malformed", "not a PEM certificate")
    try:
        return x509.load_pem_x509_certificates(pem.encode("ascii"))
    except (ValueError, UnicodeEncodeError) as exc:
        raise CertificateRejected("malformed", "certificate cannot be parsed") from exc


# --- signatures ------------------------------------------------------------------------
def _verify_challenge_signature(leaf: x509.Certificate, challenge: bytes, signature: bytes) -> None:
    """ECDSA-SHA256 or RSA (PKCS#1 v1.5, then PSS) SHA-256, as the key type dictates."""
    try:
        key = leaf.public_key()
    except (ValueError, UnsupportedAlgorithm) as exc:
        raise CertificateRejected("malformed", "unsupported public key") from exc
    try:
        if isinstance(key, ec.EllipticCurvePublicKey):
            if not isinstance(key.curve, _EC_CURVES):
                raise CertificateRejected("malformed", "unsupported elliptic curve")
            key.verify(signature, challenge, ec.ECDSA(hashes.SHA256()))
        elif isinstance(key, rsa.RSAPublicKey):
            if key.key_size < 2048:
                raise CertificateRejected("malformed", "RSA key shorter than 2048 bits")
            try:
                key.verify(signature, challenge, padding.PKCS1v15(), hashes.SHA256())
            except InvalidSignature:
                # Tokens differ in which RSA scheme their middleware uses; the key decides
                # nothing here, so both standard SHA-256 schemes are accepted.
                key.verify(
                    signature,
                    challenge,
                    padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=padding.PSS.AUTO),
                    hashes.SHA256(),
                )
        else:
            raise CertificateRejected("malformed", "unsupported key type for sign-in")
    except InvalidSignature as exc:
        raise CertificateRejected(
            "bad_signature", "signature does not match the challenge"
        ) from exc


def _verify_with(
    public_key: object,
    signature: bytes,
    data: bytes,
    algorithm_oid: x509.ObjectIdentifier,
    hash_algorithm: hashes.HashAlgorithm | None,
) -> bool:
    """Verify a signature made by a CA or responder (OCSP response); False if it does not hold."""
    try:
        if isinstance(public_key, ec.EllipticCurvePublicKey) and hash_algorithm is not None:
            public_key.verify(signature, data, ec.ECDSA(hash_algorithm))
        elif isinstance(public_key, rsa.RSAPublicKey) and hash_algorithm is not None:
            scheme: padding.AsymmetricPadding = (
                padding.PSS(mgf=padding.MGF1(hash_algorithm), salt_length=padding.PSS.AUTO)
                if algorithm_oid == SignatureAlgorithmOID.RSASSA_PSS
                else padding.PKCS1v15()
            )
            public_key.verify(signature, data, scheme, hash_algorithm)
        elif isinstance(public_key, ed25519.Ed25519PublicKey):
            public_key.verify(signature, data)
        else:
            return False
    except (InvalidSignature, ValueError, TypeError):
        return False
    return True


# --- usage and path ----------------------------------------------------------------------
def _extension(
    cert: x509.Certificate, extension_type: type[x509.ExtensionType]
) -> x509.ExtensionType | None:
    try:
        return cert.extensions.get_extension_for_class(extension_type).value
    except x509.ExtensionNotFound:
        return None
    except ValueError as exc:  # duplicate or undecodable extension
        raise CertificateRejected("malformed", "certificate extensions cannot be parsed") from exc


def _has_unhandled_critical(cert: x509.Certificate) -> bool:
    try:
        return any(ext.critical and ext.oid not in _HANDLED_CRITICAL for ext in cert.extensions)
    except ValueError as exc:
        raise CertificateRejected("malformed", "certificate extensions cannot be parsed") from exc


def _check_sign_in_usage(leaf: x509.Certificate) -> None:
    constraints = _extension(leaf, x509.BasicConstraints)
    if isinstance(constraints, x509.BasicConstraints) and constraints.ca:
        raise CertificateRejected("wrong_key_usage", "a CA certificate cannot sign in")
    usage = _extension(leaf, x509.KeyUsage)
    # At level 4 the key's purpose must be stated, not assumed.
    if not isinstance(usage, x509.KeyUsage) or not usage.digital_signature:
        raise CertificateRejected("wrong_key_usage", "keyUsage lacks digitalSignature")
    purposes = _extension(leaf, x509.ExtendedKeyUsage)
    if isinstance(purposes, x509.ExtendedKeyUsage) and not (
        ExtendedKeyUsageOID.CLIENT_AUTH in purposes
        or ExtendedKeyUsageOID.ANY_EXTENDED_KEY_USAGE in purposes
    ):
        raise CertificateRejected("wrong_key_usage", "extendedKeyUsage lacks clientAuth")
    if _has_unhandled_critical(leaf):
        raise CertificateRejected(
            "wrong_key_usage", "certificate has a critical extension not understood here"
        )


def _trust_anchors() -> list[x509.Certificate]:
    files = list(getattr(settings, "PKI_TRUST_ANCHOR_FILES", None) or [])
    anchors: list[x509.Certificate] = []
    for name in files:
        try:
            anchors += x509.load_pem_x509_certificates(Path(name).read_bytes())
        except (OSError, ValueError):
            # A broken anchor file is a deployment error, not the user's: say so loudly.
            logger.error("trust anchor file cannot be read: %s", name)
    if not files and getattr(settings, "SIMULATORS_ENABLED", False):
        from simulators.ca.authority import root_certificate_pem

        anchors = x509.load_pem_x509_certificates(root_certificate_pem().encode())
    if not anchors:
        logger.error("no PKI trust anchors configured; every certificate sign-in will fail")
    return anchors


def _issued_by(child: x509.Certificate, issuer: x509.Certificate) -> bool:
    try:
        child.verify_directly_issued_by(issuer)
    except (InvalidSignature, ValueError, TypeError, UnsupportedAlgorithm):
        return False
    return True


def _may_issue(ca: x509.Certificate) -> bool:
    constraints = _extension(ca, x509.BasicConstraints)
    if not isinstance(constraints, x509.BasicConstraints) or not constraints.ca:
        return False
    usage = _extension(ca, x509.KeyUsage)
    if isinstance(usage, x509.KeyUsage) and not usage.key_cert_sign:
        return False
    return not _has_unhandled_critical(ca) and not isinstance(
        ca.signature_hash_algorithm, _WEAK_HASHES
    )


def _build_path(
    leaf: x509.Certificate, intermediates: list[x509.Certificate], anchors: list[x509.Certificate]
) -> list[x509.Certificate]:
    """leaf → … → anchor, searched depth first so a wrong candidate (same name, other key) is skipped."""
    if isinstance(leaf.signature_hash_algorithm, _WEAK_HASHES):
        raise CertificateRejected("untrusted_chain", "certificate signed with a weak hash")

    def extend(path: list[x509.Certificate]) -> list[x509.Certificate] | None:
        current = path[-1]
        for anchor in anchors:
            if anchor.subject == current.issuer and _issued_by(current, anchor):
                return [*path, anchor]
        if len(path) >= MAX_PATH_LENGTH:
            return None
        for candidate in intermediates:
            if (
                candidate.subject == current.issuer
                and all(candidate != seen for seen in path)
                and _may_issue(candidate)
                and _issued_by(current, candidate)
            ):
                found = extend([*path, candidate])
                if found:
                    return found
        return None

    path = extend([leaf])
    if path is None:
        raise CertificateRejected("untrusted_chain", "no path to a trusted certification authority")
    # pathLenConstraint: how many CAs may stand between each CA and the leaf.
    for position, ca in enumerate(path[1:], start=1):
        constraints = _extension(ca, x509.BasicConstraints)
        below = position - 1
        if (
            isinstance(constraints, x509.BasicConstraints)
            and constraints.path_length is not None
            and below > constraints.path_length
        ):
            raise CertificateRejected("untrusted_chain", "path length constraint exceeded")
    return path


def _check_validity(path: list[x509.Certificate], moment: datetime) -> None:
    for cert in path:
        if moment < cert.not_valid_before_utc:
            raise CertificateRejected(
                "not_yet_valid", "a certificate of the chain is not valid yet"
            )
        if moment > cert.not_valid_after_utc:
            raise CertificateRejected("expired", "a certificate of the chain has expired")


# --- revocation ------------------------------------------------------------------------
def _timeout() -> float:
    return float(getattr(settings, "PKI_OCSP_TIMEOUT_SECONDS", 5))


def _http_urls(names: list[x509.GeneralName]) -> list[str]:
    return [
        name.value
        for name in names
        if isinstance(name, x509.UniformResourceIdentifier)
        and name.value.lower().startswith(("http://", "https://"))
    ]


def _ocsp_urls(cert: x509.Certificate) -> list[str]:
    access = _extension(cert, x509.AuthorityInformationAccess)
    if not isinstance(access, x509.AuthorityInformationAccess):
        return []
    return _http_urls(
        [
            d.access_location
            for d in access
            if d.access_method == x509.AuthorityInformationAccessOID.OCSP
        ]
    )


def _crl_urls(cert: x509.Certificate) -> list[str]:
    points = _extension(cert, x509.CRLDistributionPoints)
    if not isinstance(points, x509.CRLDistributionPoints):
        return []
    # Points limited to some reasons or issued by another CA are not full CRLs of the issuer.
    return _http_urls(
        [
            name
            for point in points
            if point.full_name and not point.reasons and not point.crl_issuer
            for name in point.full_name
        ]
    )


def _check_revocation(cert: x509.Certificate, issuer: x509.Certificate, *, required: bool) -> None:
    ocsp_urls, crl_urls = _ocsp_urls(cert), _crl_urls(cert)
    if not ocsp_urls and not crl_urls:
        if required:
            raise CertificateRejected(
                "revocation_unknown", "certificate names no OCSP responder or CRL"
            )
        return
    for url in ocsp_urls:
        status = _ask_ocsp(url, cert, issuer)
        if status == ocsp.OCSPCertStatus.REVOKED:
            raise CertificateRejected("revoked", "certificate is revoked (OCSP)")
        if status == ocsp.OCSPCertStatus.GOOD:
            return
        # No answer, an invalid one, or "unknown": the issuer's CRL is the authoritative list.
    for url in crl_urls:
        crl = _fetch_crl(url, issuer, is_ca=_is_ca(cert))
        if crl is None:
            continue
        entry = crl.get_revoked_certificate_by_serial_number(cert.serial_number)
        if entry is not None:
            raise CertificateRejected("revoked", "certificate is revoked (CRL)")
        return
    raise CertificateRejected("revocation_unknown", "neither OCSP nor CRL gave a usable answer")


def _is_ca(cert: x509.Certificate) -> bool:
    constraints = _extension(cert, x509.BasicConstraints)
    return isinstance(constraints, x509.BasicConstraints) and constraints.ca


def _ask_ocsp(
    url: str, cert: x509.Certificate, issuer: x509.Certificate
) -> ocsp.OCSPCertStatus | None:
    """The responder's verified answer about ``cert``, or None when it gives none that can be trusted."""
    nonce = secrets.token_bytes(16)
    # SHA-1 in CertID only identifies the certificate (RFC 5019); every responder supports it.
    request = (
        ocsp.OCSPRequestBuilder()
        .add_certificate(cert, issuer, hashes.SHA1())  # noqa: S303 - identification, not security
        .add_extension(x509.OCSPNonce(nonce), critical=False)
        .build()
    )
    try:
        reply = httpx.post(
            url,
            content=request.public_bytes(serialization.Encoding.DER),
            headers={
                "Content-Type": "application/ocsp-request",
                "Accept": "application/ocsp-response",
            },
            timeout=_timeout(),
        )
    except httpx.HTTPError as exc:
        logger.warning("OCSP responder unreachable (%s): %s", url, type(exc).__name__)
        return None
    if reply.status_code != 200:
        logger.warning("OCSP responder answered HTTP %s (%s)", reply.status_code, url)
        return None
    try:
        response = ocsp.load_der_ocsp_response(reply.content)
    except ValueError:
        logger.warning("OCSP response cannot be parsed (%s)", url)
        return None
    if response.response_status != ocsp.OCSPResponseStatus.SUCCESSFUL:
        logger.warning("OCSP responder refused: %s (%s)", response.response_status.name, url)
        return None
    try:
        if not _ocsp_signature_valid(response, issuer):
            logger.warning("OCSP response signature invalid (%s)", url)
            return None
        return _ocsp_status_for(response, request, nonce)
    except ValueError:
        logger.warning("OCSP response malformed (%s)", url)
        return None


def _ocsp_signature_valid(response: ocsp.OCSPResponse, issuer: x509.Certificate) -> bool:
    issuer_key_hash = x509.SubjectKeyIdentifier.from_public_key(issuer.public_key()).digest
    if response.responder_name == issuer.subject or response.responder_key_hash == issuer_key_hash:
        signer = issuer
    else:
        # RFC 6960 §4.2.2.2: a delegated responder, certified by the issuer for OCSP signing.
        now = datetime.now(UTC)
        signer = next(
            (
                candidate
                for candidate in response.certificates
                if (
                    candidate.subject == response.responder_name
                    or x509.SubjectKeyIdentifier.from_public_key(candidate.public_key()).digest
                    == response.responder_key_hash
                )
                and _issued_by(candidate, issuer)
                and isinstance(
                    purposes := _extension(candidate, x509.ExtendedKeyUsage), x509.ExtendedKeyUsage
                )
                and ExtendedKeyUsageOID.OCSP_SIGNING in purposes
                and candidate.not_valid_before_utc <= now <= candidate.not_valid_after_utc
            ),
            None,
        )
        if signer is None:
            return False
    return _verify_with(
        signer.public_key(),
        response.signature,
        response.tbs_response_bytes,
        response.signature_algorithm_oid,
        response.signature_hash_algorithm,
    )


def _ocsp_status_for(
    response: ocsp.OCSPResponse, request: ocsp.OCSPRequest, nonce: bytes
) -> ocsp.OCSPCertStatus | None:
    for extension in response.extensions:
        if isinstance(extension.value, x509.OCSPNonce) and extension.value.nonce != nonce:
            return None  # an answer to someone else's question, or a replay
    now = datetime.now(UTC)
    for single in response.responses:
        if (
            single.serial_number != request.serial_number
            or single.issuer_key_hash != request.issuer_key_hash
            or single.issuer_name_hash != request.issuer_name_hash
        ):
            continue
        if single.this_update_utc > now + CLOCK_SKEW:
            return None
        if single.next_update_utc is not None:
            if single.next_update_utc < now - CLOCK_SKEW:
                return None
        elif single.this_update_utc < now - OCSP_MAX_AGE:
            return None
        return single.certificate_status
    return None


def _fetch_crl(
    url: str, issuer: x509.Certificate, *, is_ca: bool
) -> x509.CertificateRevocationList | None:
    """The issuer's current full CRL at ``url``, verified; None if unavailable or not trustworthy."""
    cache_key = f"pki:crl:{url}"
    data = cache.get(cache_key)
    if data is None:
        try:
            reply = httpx.get(url, timeout=_timeout())
        except httpx.HTTPError as exc:
            logger.warning("CRL unreachable (%s): %s", url, type(exc).__name__)
            return None
        if reply.status_code != 200 or len(reply.content) > MAX_CRL_BYTES:
            logger.warning("CRL not served: HTTP %s (%s)", reply.status_code, url)
            return None
        data = reply.content
    try:
        crl = (
            x509.load_pem_x509_crl(data)
            if data.lstrip().startswith(b"-----BEGIN")
            else x509.load_der_x509_crl(data)
        )
    except ValueError:
        logger.warning("CRL cannot be parsed (%s)", url)
        return None
    now = datetime.now(UTC)
    usage = _extension(issuer, x509.KeyUsage)
    if (
        crl.issuer != issuer.subject
        or (isinstance(usage, x509.KeyUsage) and not usage.crl_sign)
        or not crl.is_signature_valid(issuer.public_key())
    ):
        logger.warning("CRL not signed by the issuer (%s)", url)
        return None
    if (
        crl.next_update_utc is None
        or crl.next_update_utc < now - CLOCK_SKEW
        or crl.last_update_utc > now + CLOCK_SKEW
    ):
        logger.warning("CRL is stale (%s)", url)
        return None
    if not _crl_covers(crl, is_ca=is_ca):
        logger.warning("CRL is partial or a delta (%s)", url)
        return None
    lifetime = int((crl.next_update_utc - now).total_seconds())
    ttl = min(lifetime, int(getattr(settings, "PKI_CRL_CACHE_SECONDS", DEFAULT_CRL_CACHE_SECONDS)))
    if ttl > 0:
        cache.set(cache_key, data, ttl)
    return crl


def _crl_covers(crl: x509.CertificateRevocationList, *, is_ca: bool) -> bool:
    """Whether ``crl`` is a complete CRL for this kind of certificate (RFC 5280 §5.2.5)."""
    try:
        for extension in crl.extensions:
            if isinstance(extension.value, x509.DeltaCRLIndicator):
                return False
            if isinstance(extension.value, x509.IssuingDistributionPoint):
                scope = extension.value
                if (
                    scope.indirect_crl
                    or scope.only_some_reasons
                    or scope.only_contains_attribute_certs
                    or (scope.only_contains_ca_certs and not is_ca)
                    or (scope.only_contains_user_certs and is_ca)
                ):
                    return False
            elif extension.critical and not isinstance(extension.value, x509.CRLNumber):
                return False
    except ValueError:
        return False
    return True


# --- identity --------------------------------------------------------------------------
def _first(name: x509.Name, oid: x509.ObjectIdentifier) -> str:
    values = name.get_attributes_for_oid(oid)
    value = values[0].value if values else ""
    return value if isinstance(value, str) else value.decode("utf-8", "replace")


def _identity(leaf: x509.Certificate) -> CertificateIdentity:
    identifiers: dict[str, str] = {}
    for attribute in leaf.subject.get_attributes_for_oid(NameOID.USER_ID):
        value = (
            attribute.value
            if isinstance(attribute.value, str)
            else attribute.value.decode("utf-8", "replace")
        )
        prefix, _, rest = value.partition(":")
        if prefix.strip().upper() in IDENTIFIER_TYPES and rest.strip():
            identifiers.setdefault(prefix.strip().upper(), rest.strip())
    issuer_cn = _first(leaf.issuer, NameOID.COMMON_NAME)
    # An agency or a business may also carry its representative's CCCD; the organisation wins.
    identifier_type = next((kind for kind in ("MNS", "MST", "CCCD") if kind in identifiers), None)
    if identifier_type == "MNS":
        kind = "agency"
    elif identifier_type == "MST":
        kind = "business"
    elif identifier_type == "CCCD":
        government = any(
            word in issuer_cn.casefold() for word in ("nhà nước", "chính phủ", "government")
        )
        kind = "official" if government else "citizen"
    else:
        kind = "unknown"
    return CertificateIdentity(
        kind=kind,
        identifier_type=identifier_type,
        identifier=identifiers.get(identifier_type) if identifier_type else None,
        common_name=_first(leaf.subject, NameOID.COMMON_NAME),
        serial_hex=format(leaf.serial_number, "x"),
        issuer_common_name=issuer_cn,
        not_after=leaf.not_valid_after_utc,
        fingerprint_sha256=leaf.fingerprint(hashes.SHA256()).hex(),
    )
