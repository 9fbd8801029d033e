"""The applicant's dossier commands (C3, C5): draft, submit, withdraw, cancel."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils import timezone

from dichvucong.catalog.models import Agency, Procedure
from dichvucong.dossiers import calendar
from dichvucong.dossiers.codes import next_dossier_code
from dichvucong.dossiers.constants import Actor, DeliveryMethod, DossierStatus
from dichvucong.dossiers.models import Dossier, DossierEvent
from dichvucong.dossiers.state_machine import TransitionRefused, transition


class PlaceRefused(Exception):
    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


def start_dossier(*, applicant, procedure: Procedure, province: str = "", commune: str = "") -> Dossier:  # noqa: ANN001
    """A draft for the agency that receives the procedure at the person's chosen place."""
    from dichvucong.dossiers.eforms import commune_in_province
    from dichvucong.dossiers.selectors import receiving_agency, receiving_level

    if receiving_level(procedure) == "commune" and province and commune and not commune_in_province(commune, province):
        raise PlaceRefused("commune_not_in_province")
    agency = receiving_agency(procedure, province=province, commune=commune)
    if agency is None:
        raise PlaceRefused("place_missing")
    return create_draft(applicant=applicant, procedure=procedure, agency=agency)


def create_draft(*, applicant, procedure: Procedure, agency: Agency) -> Dossier:  # noqa: ANN001
    dossier = Dossier.objects.create(
        applicant=applicant, procedure=procedure, procedure_version=procedure.current, agency=agency
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
    channels = dossier.procedure_version.channels or []
    chosen = next((c for c in channels if c.get("channel") == "online"), channels[0] if channels else None)
    if not chosen or chosen.get("time") is None:
        return None
    return chosen["time"], chosen["time_unit"]


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
    if dossier.applicant_id != applicant.pk:
        raise TransitionRefused("not_permitted", "not the applicant's dossier")
    now = timezone.now()
    received_on = calendar.day_of_receipt(now)
    limit = processing_time(dossier)
    due = calendar.due_at(now, *limit) if limit else None
    try:
        with transaction.atomic():
            code = next_dossier_code(dossier.agency.code, received_on)
            changes = {"data": data} if data is not None else {}
            return transition(
                dossier, DossierStatus.SUBMITTED, actor_kind=Actor.APPLICANT, actor=applicant,
                code=code, submitted_at=now, received_on=received_on, due_at=due,
                submission_key=submission_key, delivery_method=delivery_method, **changes,
            )
    except IntegrityError:
        # The same key won a race in another request: that submission stands.
        return Dossier.objects.get(applicant=applicant, submission_key=submission_key)


def withdraw_dossier(dossier: Dossier, *, applicant, reason: str = "") -> Dossier:  # noqa: ANN001
    if dossier.applicant_id != applicant.pk:
        raise TransitionRefused("not_permitted", "not the applicant's dossier")
    return transition(dossier, DossierStatus.WITHDRAWN, actor_kind=Actor.APPLICANT, actor=applicant, reason=reason)


def cancel_draft(dossier: Dossier, *, applicant) -> Dossier:  # noqa: ANN001
    if dossier.applicant_id != applicant.pk:
        raise TransitionRefused("not_permitted", "not the applicant's dossier")
    return transition(dossier, DossierStatus.CANCELLED, actor_kind=Actor.APPLICANT, actor=applicant)
