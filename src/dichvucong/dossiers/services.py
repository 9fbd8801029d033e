"""The applicant's dossier commands (B1, C3, C5): draft (for themselves or a business they
act for), submit, supplement, withdraw, cancel."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import IntegrityError, transaction
from django.utils import timezone

from dichvucong.accounts import services as accounts
from dichvucong.accounts.constants import DelegatedPermission
from dichvucong.catalog.models import Agency, Procedure
from dichvucong.dossiers import calendar
from dichvucong.dossiers.codes import next_dossier_code
from dichvucong.dossiers.constants import Actor, DeliveryMethod, DossierStatus
from dichvucong.dossiers.fees import fees_due, online_channel
from dichvucong.dossiers.models import Dossier, DossierEvent
from dichvucong.dossiers.state_machine import TransitionRefused, transition

if TYPE_CHECKING:
    from dichvucong.accounts.models import Business


class PlaceRefused(Exception):
    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


class FilingRefused(TransitionRefused):
    """The person may not file this dossier, or act on it, for the business it names (B1).

    A ``TransitionRefused``, so that whoever already handles refused commands handles it.
    """

    def __init__(self, code: str, message: str = ""):
        super().__init__(code, message or code)


def start_dossier(  # noqa: ANN001
    *, applicant, procedure: Procedure, province: str = "", commune: str = "", business: Business | None = None
) -> Dossier:
    """A draft for the agency that receives the procedure at the person's chosen place,
    filed for the person or for ``business``, if the procedure is for organisations and
    they may act for it (``can_act_for``); else ``FilingRefused`` and no draft."""
    from dichvucong.dossiers.eforms import commune_in_province
    from dichvucong.dossiers.selectors import (
        filed_by_organisations,
        receiving_agency,
        receiving_level,
    )

    if business is not None:
        if not filed_by_organisations(procedure):
            raise FilingRefused("procedure_not_for_businesses", "this procedure is not filed by organisations")
        if not accounts.can_act_for(applicant, business, DelegatedPermission.SUBMIT_DOSSIERS):
            raise FilingRefused("not_allowed_for_business", "the person may not file for this business")
    if receiving_level(procedure) == "commune" and province and commune and not commune_in_province(commune, province):
        raise PlaceRefused("commune_not_in_province")
    agency = receiving_agency(procedure, province=province, commune=commune)
    if agency is None:
        raise PlaceRefused("place_missing")
    return create_draft(applicant=applicant, procedure=procedure, agency=agency, business=business)


def create_draft(  # noqa: ANN001
    *, applicant, procedure: Procedure, agency: Agency, business: Business | None = None
) -> Dossier:
    dossier = Dossier.objects.create(
        applicant=applicant, procedure=procedure, procedure_version=procedure.current, agency=agency,
        business=business,
    )
    DossierEvent.objects.create(dossier=dossier, to_status=DossierStatus.DRAFT, actor_kind=Actor.APPLICANT,
                                actor=applicant)
    return dossier


def save_draft(dossier: Dossier, *, applicant, data: dict) -> Dossier:  # noqa: ANN001
    """Keep what was typed so far (drafts survive sign-out and resume on another device)."""
    if dossier.applicant_id != applicant.pk or dossier.status != DossierStatus.DRAFT:
        raise TransitionRefused("not_permitted", "only the applicant's draft can be saved")
    dossier.data = data
    dossier.draft_reminded_at = None  # the next reminder counts from this work
    dossier.save(update_fields=["data", "draft_reminded_at", "updated_at"])
    return dossier


def processing_time(dossier: Dossier) -> tuple[float, str] | None:
    """The online channel's time limit of the procedure version the dossier was filed under."""
    chosen = online_channel(dossier)
    if not chosen or chosen.get("time") is None:
        return None
    return chosen["time"], chosen["time_unit"]


def _receipt_fields(dossier: Dossier) -> dict:
    """Code and dates a dossier gets when it reaches the agency (C3): now, by the calendar."""
    now = timezone.now()
    received_on = calendar.day_of_receipt(now)
    limit = processing_time(dossier)
    return {
        "code": next_dossier_code(dossier.agency.code, received_on), "submitted_at": now,
        "received_on": received_on, "due_at": calendar.due_at(now, *limit) if limit else None,
    }


def submit_dossier(  # noqa: ANN001
    dossier: Dossier, *, applicant, submission_key: str, delivery_method: str, data: dict | None = None
) -> Dossier:
    """Submit a draft once, whatever happens to the request.

    ``submission_key`` comes with the form the person saw: a double click or a retried
    request with the same key returns the dossier the first one submitted, never a
    second one. Everything happens in one transaction: if any step fails, the draft
    stays a draft, unchanged.
    """
    if delivery_method not in DeliveryMethod.values:
        raise TransitionRefused("bad_delivery", "unknown delivery method")
    already = Dossier.objects.filter(applicant=applicant, submission_key=submission_key).first()
    if already is not None and already.status != DossierStatus.DRAFT:
        return already
    ensure_may_file(dossier, applicant)  # the delegation to file for a business may have ended
    _refuse_revoked_attachments(dossier)
    try:
        with transaction.atomic():
            changes = {"data": data} if data is not None else {}
            # The fees are those of the dossier as submitted: a delivery by post adds its fee.
            dossier.delivery_method = delivery_method
            if data is not None:
                dossier.data = data
            if fees_due(dossier).total > 0:
                # Filed, but it reaches the agency (code, appointed date) once the fee is paid.
                return transition(
                    dossier, DossierStatus.AWAITING_PAYMENT, actor_kind=Actor.APPLICANT, actor=applicant,
                    submission_key=submission_key, delivery_method=delivery_method,
                    draft_reminded_at=None, **changes,  # the unpaid-fee reminder counts from now
                )
            return transition(
                dossier, DossierStatus.SUBMITTED, actor_kind=Actor.APPLICANT, actor=applicant,
                submission_key=submission_key, delivery_method=delivery_method, **changes,
                **_receipt_fields(dossier),
            )
    except IntegrityError:
        # The same key won a race in another request: that submission stands.
        return Dossier.objects.get(applicant=applicant, submission_key=submission_key)


def _refuse_revoked_attachments(dossier: Dossier) -> None:
    """A document attached while it was valid, and revoked by its issuing agency since, must
    not reach the agency as if it were still good (D1)."""
    from dichvucong.datastore.selectors import revoked_among

    if revoked_among(list(dossier.attachments.values_list("sha256", flat=True))):
        raise TransitionRefused("revoked_attachment", "an attached document has been revoked")


def complete_paid_submission(dossier: Dossier, *, reason: str) -> Dossier:
    """The payment platform confirmed the fees: the dossier reaches the agency now."""
    with transaction.atomic():
        return transition(dossier, DossierStatus.SUBMITTED, actor_kind=Actor.SYSTEM, reason=reason,
                          **_receipt_fields(dossier))


def withdraw_dossier(dossier: Dossier, *, applicant, reason: str = "") -> Dossier:  # noqa: ANN001
    ensure_may_file(dossier, applicant)
    return transition(dossier, DossierStatus.WITHDRAWN, actor_kind=Actor.APPLICANT, actor=applicant, reason=reason)


def cancel_draft(dossier: Dossier, *, applicant) -> Dossier:  # noqa: ANN001
    """Cancel a draft, or a filed dossier whose fee is still unpaid."""
    if dossier.applicant_id != applicant.pk:
        raise TransitionRefused("not_permitted", "not the applicant's dossier")
    return transition(dossier, DossierStatus.CANCELLED, actor_kind=Actor.APPLICANT, actor=applicant)


def may_file(dossier: Dossier, applicant) -> bool:  # noqa: ANN001 - accounts.User
    """Is ``dossier`` the applicant's and, when filed for a business, do they still act for it
    (legal representative, or a delegation in force to submit dossiers)?"""
    if dossier.applicant_id != applicant.pk:
        return False
    return dossier.business is None or accounts.can_act_for(
        applicant, dossier.business, DelegatedPermission.SUBMIT_DOSSIERS
    )


def ensure_may_file(dossier: Dossier, applicant) -> None:  # noqa: ANN001 - accounts.User
    """Refuse (``FilingRefused``) unless ``applicant`` may still file or act on ``dossier``.

    Checked again at each command, not only when the draft was started: a delegation
    revoked or expired in between stops the delegate from submitting, supplementing or
    withdrawing for the business. The dossier itself stays the filer's (they still see it).
    """
    if dossier.applicant_id != applicant.pk:
        raise FilingRefused("not_permitted", "not the applicant's dossier")
    if not may_file(dossier, applicant):
        raise FilingRefused("not_allowed_for_business", "the applicant no longer acts for this business")


def supply_supplement(dossier: Dossier, *, applicant, note: str = "") -> Dossier:  # noqa: ANN001
    """Send back what the agency asked for (C5): the files added since its request (marked
    with the request's round) and ``note`` go with the dossier, which returns to
    processing; the note is the transition's reason. Something must be supplied: at least
    one new file or a note (a request may ask only for an explanation)."""
    from dichvucong.dossiers.selectors import supplement_request, supplement_round

    ensure_may_file(dossier, applicant)
    note = note.strip()
    with transaction.atomic():
        # Locked, so that a file being attached now lands before or after, never during.
        current = Dossier.objects.select_for_update().get(pk=dossier.pk)
        if current.status != DossierStatus.AWAITING_SUPPLEMENT:
            raise TransitionRefused("not_allowed", "the dossier is not awaiting a supplement")
        supplied = current.attachments.filter(supplement_round=supplement_round(current))
        if not note and not supplied.exists():
            raise TransitionRefused("nothing_supplied", "add a file or a note")
        from dichvucong.datastore.selectors import revoked_among

        if revoked_among(list(supplied.values_list("sha256", flat=True))):
            raise TransitionRefused("revoked_attachment", "a supplied document has been revoked")
        # A dossier found incomplete at receipt goes back to be received; one asked for more
        # during processing goes back to processing.
        request = supplement_request(current)
        back_to = (DossierStatus.SUBMITTED if request and request.from_status == DossierStatus.SUBMITTED
                   else DossierStatus.PROCESSING)
        return transition(dossier, back_to, actor_kind=Actor.APPLICANT, actor=applicant, reason=note)
