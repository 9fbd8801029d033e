"""Issuing and revoking signed electronic results (C4). Every write is here."""

from __future__ import annotations

import calendar
import hashlib
import logging
from datetime import date
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone, translation

from dichvucong.datastore.constants import SignatureStatus
from dichvucong.datastore.services import record_issued_result, revoke_issued_result
from dichvucong.dossiers.constants import ActivityKind, Actor
from dichvucong.dossiers.history import record_activity
from dichvucong.dossiers.models import Dossier
from dichvucong.pki.agency_signing import signer_for

from .constants import REFERENCE_PREFIX
from .documents import ResultContent, render_result
from .models import IssuedResult, new_verification_token
from .result_types import template_for
from .signing import LOCAL_TIME, sign_result_pdf

logger = logging.getLogger(__name__)

REVOKED_REASON_MAX = IssuedResult._meta.get_field("revoked_reason").max_length


class ResultRefused(Exception):
    """The result cannot be issued or revoked; ``code`` says why."""

    def __init__(self, code: str, message: str = "") -> None:
        super().__init__(f"{code}: {message}" if message else code)
        self.code = code


def verification_url(token: str) -> str:
    """The public page the QR code points to (always the Vietnamese, unprefixed URL)."""
    with translation.override(settings.LANGUAGE_CODE):
        return settings.PUBLIC_BASE_URL + reverse("results:record", args=[token])


def result_reference(dossier: Dossier) -> str:
    return f"{REFERENCE_PREFIX}{dossier.code}"


@transaction.atomic
def issue_result(dossier: Dossier, *, official: Any) -> IssuedResult:
    """Render, sign (PAdES, the dossier's agency) and store the dossier's result; put a copy
    in the applicant's data store and write a history entry.

    Idempotent: when the dossier already has a result, that one is returned unchanged. The
    dossier's status is not touched: the back office changes it in the same transaction.
    Raises :class:`ResultRefused` (``not_submitted``) for a dossier without a code, and the
    errors of :func:`dichvucong.pki.agency_signing.signer_for` when the agency cannot sign.
    """
    existing = IssuedResult.objects.filter(dossier=dossier).first()
    if existing is not None:
        return existing
    if not dossier.code:
        raise ResultRefused("not_submitted", "a draft has no result")
    dossier = Dossier.objects.select_related("procedure", "agency__parent", "applicant").get(
        pk=dossier.pk
    )
    template = template_for(dossier.procedure.code)
    reference = result_reference(dossier)
    token = new_verification_token()
    signed_at = timezone.now()
    agency = dossier.agency
    signer = signer_for(agency)

    unsigned = render_result(
        ResultContent(
            agency_name=agency.name,
            parent_agency_name=agency.parent.name if agency.parent_id else "",
            reference=reference,
            place=_province_name(agency.province_code),
            issued_at=signed_at.astimezone(LOCAL_TIME),
            title=template.title,
            opening=template.opening,
            rows=[(label, value(dossier)) for label, value in template.rows],
            verification_url=verification_url(token),
        )
    )
    signed = sign_result_pdf(
        unsigned, signer, agency_name=agency.name, reference=reference, signed_at=signed_at
    )
    digest = hashlib.sha256(signed).hexdigest()
    result = IssuedResult(
        dossier=dossier,
        agency=agency,
        reference=reference,
        result_type=template.key,
        title=template.title,
        sha256=digest,
        signer_serial=signer.serial_hex,
        signer_subject=signer.subject[:500],
        approved_by=official,
        issued_at=signed_at,
        verification_token=token,
    )
    result.file.save(f"{reference}.pdf", ContentFile(signed), save=False)
    try:
        with transaction.atomic():
            result.save()
    except IntegrityError:
        # A concurrent call issued it first: theirs stands, this signed copy is dropped.
        result.file.delete(save=False)
        return IssuedResult.objects.get(dossier=dossier)

    issued_on = signed_at.astimezone(LOCAL_TIME).date()
    months = template.validity_months(dossier)
    record_issued_result(
        dossier.applicant,
        content=signed,
        filename=f"{reference}.pdf",
        title=template.title,
        document_type=template.document_type,
        issuing_agency=agency,
        result_reference=reference,
        source_dossier=dossier,
        valid_from=issued_on,
        valid_until=_add_months(issued_on, months) if months else None,
        signature_status=SignatureStatus.VALID,
    )
    record_activity(
        dossier,
        kind=ActivityKind.RESULT,
        actor_kind=Actor.OFFICIAL,
        actor=official,
        details={"reference": reference, "title": template.title, "result_id": result.pk},
    )
    logger.info("result issued: %s", reference)
    return result


@transaction.atomic
def revoke_result(result: IssuedResult, *, reason: str, actor: Any) -> IssuedResult:
    """The agency withdraws a result: marked revoked here and in every data store holding it,
    which the verification page and API then report. Revoking again changes nothing."""
    reason = " ".join((reason or "").split())
    if not reason:
        raise ResultRefused("no_reason", "a revocation needs a reason")
    locked = IssuedResult.objects.select_for_update(of=("self",)).select_related("agency", "dossier").get(
        pk=result.pk
    )
    if locked.revoked_at is not None:
        return locked
    locked.revoked_at = timezone.now()
    locked.revoked_reason = reason[:REVOKED_REASON_MAX]
    locked.save(update_fields=["revoked_at", "revoked_reason"])
    revoke_issued_result(
        issuing_agency=locked.agency, result_reference=locked.reference, reason=locked.revoked_reason
    )
    record_activity(
        locked.dossier,
        kind=ActivityKind.RESULT,
        actor_kind=Actor.OFFICIAL,
        actor=actor,
        reason=locked.revoked_reason,
        details={"reference": locked.reference, "revoked": True, "result_id": locked.pk},
    )
    logger.info("result revoked: %s", locked.reference)
    return locked


def _province_name(code: int | None) -> str:
    if not code:
        return ""
    from dichvucong.dossiers.eforms import province_choices

    name = dict(province_choices()).get(str(code), "")
    # "Thành phố Hà Nội" → "Hà Nội": the place line of a document names the place only.
    for prefix in ("Thành phố ", "Tỉnh "):
        name = name.removeprefix(prefix)
    return name


def _add_months(start: date, months: int) -> date:
    month_index = start.month - 1 + months
    year, month = start.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(start.day, calendar.monthrange(year, month)[1]))
