"""Verifying a result PDF anyone uploads (C4): is it what an agency signed, and does it stand?

Checks, in order, each failure with its :class:`~.constants.VerificationCode`:

1. the bytes are a readable PDF of at most ``RESULT_VERIFICATION_MAX_BYTES`` (``not_pdf``,
   ``too_large``) with a signature (``unsigned``);
2. the signature's digest matches the signed bytes and it covers the whole file, with
   nothing appended after it (``modified``); the CMS signature verifies (``invalid_signature``);
3. the signer's certificate chains to our trust anchors, checked offline first
   (``untrusted_chain``), so that OCSP/CRL URLs are fetched only for certificates we
   already trust (an uploaded file must not make the portal call arbitrary addresses);
4. no certificate of the chain is revoked now, by OCSP or CRL fetched over HTTP
   (``certificate_revoked``; no answer: ``revocation_unknown``, fail closed);
5. the exact file (its SHA-256) is a result the portal issued (``unknown_result``) and the
   agency has not withdrawn it (``result_revoked``).
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import asdict, dataclass
from datetime import datetime
from io import BytesIO
from typing import Any

from django.conf import settings

from .constants import VerificationCode
from .models import IssuedResult
from .signing import validation_context

logger = logging.getLogger(__name__)

# PDF 2.0 §7.5.2 allows junk before the header; readers look in the first kilobyte.
HEADER_WINDOW = 1024


@dataclass(frozen=True)
class VerificationReport:
    ok: bool
    code: str
    message: str
    signer_name: str = ""
    signer_serial: str = ""
    signed_at: datetime | None = None
    reference: str = ""
    title: str = ""
    agency_name: str = ""
    issued_at: datetime | None = None
    revoked_at: datetime | None = None
    revoked_reason: str = ""
    verification_token: str = ""

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data.pop("verification_token")
        for key in ("signed_at", "issued_at", "revoked_at"):
            data[key] = data[key].isoformat() if data[key] else None
        return data


def make_report(code: VerificationCode, **details: Any) -> VerificationReport:
    return VerificationReport(
        ok=code == VerificationCode.VALID, code=code.value, message=str(code.label), **details
    )


def max_bytes() -> int:
    return int(getattr(settings, "RESULT_VERIFICATION_MAX_BYTES", 20 * 1024 * 1024))


def body_too_large(request: Any) -> bool:
    """Whether the request announces more than a result PDF can be, before reading any of it.

    The upload is refused on its Content-Length so that a huge body is never parsed into a
    temporary file; 64 KiB of slack covers the multipart envelope and the CSRF field.
    """
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return False
    return length > max_bytes() + 64 * 1024


def verify_result_pdf(content: bytes) -> VerificationReport:
    """Verify ``content`` as a result PDF; never raises for bad input, the report says it."""
    if len(content) > max_bytes():
        return make_report(VerificationCode.TOO_LARGE)
    if b"%PDF-" not in content[:HEADER_WINDOW]:
        return make_report(VerificationCode.NOT_PDF)
    try:
        signature = _first_signature(content)
    except Exception:  # noqa: BLE001 - any parser failure on untrusted bytes means "not a PDF"
        logger.info("uploaded result is not a readable PDF")
        return make_report(VerificationCode.NOT_PDF)
    if signature is None:
        return make_report(VerificationCode.UNSIGNED)
    return _verify_signature(content, signature)


def _first_signature(content: bytes) -> Any:
    from pyhanko.pdf_utils.reader import PdfFileReader

    reader = PdfFileReader(BytesIO(content), strict=False)
    signatures = reader.embedded_regular_signatures
    # The agency's signature is the first; anything signed after it is an appended change.
    return signatures[0] if signatures else None


def _verify_signature(content: bytes, signature: Any) -> VerificationReport:
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko.sign.validation.status import SignatureCoverageLevel

    try:
        offline = validate_pdf_signature(
            signature, signer_validation_context=validation_context(fetching=False), skip_diff=True
        )
    except Exception:  # noqa: BLE001 - malformed CMS, unsupported algorithms, broken byte ranges
        logger.info("result signature cannot be validated", exc_info=True)
        return make_report(VerificationCode.INVALID_SIGNATURE)
    # Who signed is said only once the signature holds and chains to a trusted CA: anybody
    # can put an agency's name in a certificate of their own making.
    if not offline.intact or offline.coverage != SignatureCoverageLevel.ENTIRE_FILE:
        return make_report(VerificationCode.MODIFIED)
    if not offline.valid:
        return make_report(VerificationCode.INVALID_SIGNATURE)
    if not offline.trusted:
        return make_report(VerificationCode.UNTRUSTED_CHAIN)
    signer = _signer_details(offline)

    try:
        online = validate_pdf_signature(
            signature, signer_validation_context=validation_context(fetching=True), skip_diff=True
        )
    except Exception:  # noqa: BLE001 - a fetch that fails in an unexpected way: status unknown
        logger.warning("revocation check of a result signature failed", exc_info=True)
        return make_report(VerificationCode.REVOCATION_UNKNOWN, **signer)
    if online.revoked:
        return make_report(VerificationCode.CERTIFICATE_REVOKED, **signer)
    if not online.trusted:
        logger.info("result signature: no revocation answer (%s)", online.trust_problem_indic)
        return make_report(VerificationCode.REVOCATION_UNKNOWN, **signer)
    return _check_record(content, signer)


def _check_record(content: bytes, signer: dict[str, Any]) -> VerificationReport:
    digest = hashlib.sha256(content).hexdigest()
    record = IssuedResult.objects.select_related("agency").filter(sha256=digest).first()
    if record is None:
        return make_report(VerificationCode.UNKNOWN_RESULT, **signer)
    details = {
        **signer,
        "reference": record.reference,
        "title": record.title,
        "agency_name": record.agency.name,
        "issued_at": record.issued_at,
        "verification_token": record.verification_token,
    }
    if record.revoked_at is not None:
        return make_report(
            VerificationCode.RESULT_REVOKED,
            revoked_at=record.revoked_at,
            revoked_reason=record.revoked_reason,
            **details,
        )
    return make_report(VerificationCode.VALID, **details)


def _signer_details(status: Any) -> dict[str, Any]:
    cert = status.signing_cert
    try:
        name = cert.subject.native.get("common_name", "")
    except Exception:  # noqa: BLE001 - an odd subject only loses the display name
        name = ""
    return {
        "signer_name": name if isinstance(name, str) else "",
        "signer_serial": format(cert.serial_number, "x"),
        "signed_at": status.signer_reported_dt,
    }
