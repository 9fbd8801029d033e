"""PAdES signing of result PDFs with an agency's credential, and the trust settings shared
with verification.

Profile: PAdES baseline (ETSI EN 319 142-1) with subfilter ETSI.CAdES.detached, SHA-256,
the signer's certificate and its full chain in the CMS, and the validation data (OCSP
answers and CRLs of the chain, fetched at signing time) in the document security store
(DSS) of the signed revision, so the signature covers the whole file. Without a time-stamping authority the signature is B-B
with LT data; a TSA (``PdfSigner(timestamper=...)``) would make it B-LT proper.
"""

from __future__ import annotations

import logging
from datetime import datetime
from io import BytesIO
from typing import Any
from zoneinfo import ZoneInfo

from cryptography.hazmat.primitives import serialization
from django.conf import settings

from dichvucong.core.pdf import FONTS
from dichvucong.pki.agency_signing import AgencySigner
from dichvucong.pki.verification import _trust_anchors

from .constants import SIGNATURE_FIELD
from .documents import SIGNATURE_BOX

LOCAL_TIME = ZoneInfo("Asia/Ho_Chi_Minh")
# fontTools logs every glyph it keeps when pyHanko subsets the stamp's font: dozens of INFO
# lines per signature that say nothing an operator needs.
logging.getLogger("fontTools").setLevel(logging.WARNING)


def trust_roots() -> list[Any]:
    """The portal's trust anchors (``PKI_TRUST_ANCHOR_FILES``, or the simulator's root), as
    asn1crypto certificates for pyHanko: the same anchors as certificate sign-in."""
    from asn1crypto import x509 as asn1_x509

    return [
        asn1_x509.Certificate.load(anchor.public_bytes(serialization.Encoding.DER))
        for anchor in _trust_anchors()
    ]


def validation_context(*, fetching: bool) -> Any:  # -> pyhanko_certvalidator.ValidationContext
    """A context trusting only our anchors. With ``fetching``, OCSP/CRL are fetched over
    HTTP (requests, our timeout) and a certificate without a revocation answer fails."""
    from pyhanko_certvalidator import ValidationContext

    if not fetching:
        return ValidationContext(
            trust_roots=trust_roots(), allow_fetching=False, revocation_mode="soft-fail"
        )
    from pyhanko_certvalidator.fetchers.requests_fetchers import RequestsFetcherBackend

    return ValidationContext(
        trust_roots=trust_roots(),
        allow_fetching=True,
        revocation_mode="hard-fail",
        fetcher_backend=RequestsFetcherBackend(
            per_request_timeout=float(getattr(settings, "PKI_OCSP_TIMEOUT_SECONDS", 5))
        ),
    )


def _stamp_style() -> Any:
    from pyhanko import stamp
    from pyhanko.pdf_utils.font.opentype import GlyphAccumulatorFactory
    from pyhanko.pdf_utils.text import TextBoxStyle

    # An embedded TrueType subset: pyHanko's default Courier has no Vietnamese letters.
    return stamp.TextStampStyle(
        stamp_text="Ký bởi: %(agency)s\nThời gian ký: %(signed)s\nChữ ký số hợp lệ được "
        "kiểm tra tại trang\nkiểm tra kết quả của Cổng Dịch vụ công",
        text_box_style=TextBoxStyle(
            font=GlyphAccumulatorFactory(str(FONTS / "DejaVuSans.ttf")), font_size=7
        ),
        border_width=1,
        background=None,
    )


def sign_result_pdf(
    pdf: bytes, signer: AgencySigner, *, agency_name: str, reference: str, signed_at: datetime
) -> bytes:
    """``pdf`` signed by ``signer`` with a visible signature in :data:`SIGNATURE_BOX`."""
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import fields, signers
    from pyhanko.sign.signers.pdf_signer import DSSContentSettings, SigDSSPlacementPreference

    writer = IncrementalPdfFileWriter(BytesIO(pdf))
    metadata = signers.PdfSignatureMetadata(
        field_name=SIGNATURE_FIELD,
        md_algorithm="sha256",
        subfilter=fields.SigSeedSubFilter.PADES,
        reason=f"Ban hành kết quả {reference}",
        name=agency_name,
        embed_validation_info=True,
        validation_context=validation_context(fetching=True),
        # The DSS goes into the signed revision itself: the signature then covers the whole
        # file, and verification can insist on that (nothing may follow the signature).
        dss_settings=DSSContentSettings(
            placement=SigDSSPlacementPreference.TOGETHER_WITH_SIGNATURE, include_vri=False
        ),
    )
    pdf_signer = signers.PdfSigner(
        metadata,
        signer=signer.pyhanko_signer(),
        stamp_style=_stamp_style(),
        new_field_spec=fields.SigFieldSpec(SIGNATURE_FIELD, box=SIGNATURE_BOX, on_page=0),
    )
    output = pdf_signer.sign_pdf(
        writer,
        appearance_text_params={
            "agency": agency_name,
            "signed": signed_at.astimezone(LOCAL_TIME).strftime("%d/%m/%Y %H:%M:%S"),
        },
    )
    return output.getvalue()
