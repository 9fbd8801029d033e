"""The postal service for dossiers (F2): quote the delivery fee, book pickups and deliveries,
and apply the carrier's tracking.

Bookings are idempotent: the ``Shipment`` row and its reference are written before the
carrier is called, and the reference is the carrier's idempotency key, so a booking retried
after a timeout (by the citizen, the Celery task or the recovery job) books once. Tracking
callbacks are verified before they are read, recorded once per carrier event id, and
ordered by the carrier's sequence number: a late event is kept in the history but never
takes the shipment's status back.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Mapping
from datetime import datetime, timedelta

from django.conf import settings
from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from dichvucong.catalog.models import Agency
from dichvucong.dossiers.constants import ActivityKind, Actor, DeliveryMethod, DossierStatus
from dichvucong.dossiers.fees import FeeLine
from dichvucong.dossiers.history import record_activity
from dichvucong.dossiers.models import Dossier
from dichvucong.postal import client
from dichvucong.postal.constants import (
    CALLBACK_STATUSES,
    CANCELLABLE_STATUSES,
    FINAL_STATUSES,
    HISTORY_REASONS,
    Direction,
    ShipmentStatus,
    WeightClass,
)
from dichvucong.postal.models import Shipment, ShipmentEvent

logger = logging.getLogger(__name__)

# While the dossier is with the agency, its originals may still be collected.
PICKUP_STATUSES = frozenset({DossierStatus.SUBMITTED, DossierStatus.RECEIVED, DossierStatus.PROCESSING})
# Central agencies have no province in the catalog; they sit in Hà Nội (code 1).
CENTRAL_AGENCY_PROVINCE = "1"
FALLBACK_QUOTE_SECONDS = 60  # a fallback is remembered briefly: the carrier may be back soon
RECOVERY_WINDOW = timedelta(days=7)


class ShipmentRefused(Exception):
    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


# --- addresses ----------------------------------------------------------------------------
def _answer(data: dict, *keys: str) -> str:
    return next((str(data[key]).strip()[:300] for key in keys if str(data.get(key) or "").strip()), "")


def citizen_address(dossier: Dossier) -> client.Address:
    """Where the result goes: a ``delivery`` section of the form when it has one, else the
    applicant's answers. Without a province in the form, the agency's is used (the person
    filed where they live); the carrier then routes by the written address."""
    data = dossier.data or {}
    province = _answer(data, "delivery__province", "applicant__province")
    commune = _answer(data, "delivery__commune", "applicant__commune") if province else ""
    return client.Address(
        name=_answer(data, "delivery__full_name", "applicant__full_name") or dossier.applicant.full_name,
        phone=_answer(data, "delivery__phone", "applicant__phone") or dossier.applicant.phone,
        address=_answer(data, "delivery__address", "applicant__address"),
        province=province or agency_address(dossier.agency).province, commune=commune,
    )


def agency_address(agency: Agency) -> client.Address:
    return client.Address(
        name=agency.name[:200], phone="", address=agency.name[:300],
        province=str(agency.province_code or CENTRAL_AGENCY_PROVINCE),
        commune=str(agency.ward_code or "") if agency.province_code else "",
    )


# --- the delivery fee ---------------------------------------------------------------------
def delivery_fee(dossier: Dossier) -> int | None:
    """The carrier's fee, in đồng, to bring the dossier's result to the citizen; ``None`` when
    the carrier cannot quote. Quotes are remembered for ``POSTAL_QUOTE_CACHE_SECONDS``, so
    the fee page and the payment opened from it show the same amount."""
    origin, destination = agency_address(dossier.agency), citizen_address(dossier)
    weight = settings.POSTAL_WEIGHT_CLASS
    key = f"postal:quote:{origin.province}:{origin.commune}:{destination.province}:{destination.commune}:{weight}"
    cached = cache.get(key)
    if cached is not None:
        return cached or None  # 0: the carrier could not quote a moment ago
    try:
        fee: int | None = client.quote(origin=origin, destination=destination, weight_class=weight).fee
    except client.CarrierError as error:
        logger.warning("postal quote unavailable (%s); the flat fee applies", error.code)
        cache.set(key, 0, FALLBACK_QUOTE_SECONDS)
        return None
    cache.set(key, fee, settings.POSTAL_QUOTE_CACHE_SECONDS)
    return fee


def delivery_fee_lines(dossier: Dossier) -> list[FeeLine]:
    """The fee provider registered in ``dossiers.fees``: one line when the result goes by post.

    A carrier that cannot quote never blocks a submission: the flat fee of the settings
    (``POSTAL_FLAT_FEE``, the published price of a document within the country) applies.
    """
    if dossier.delivery_method != DeliveryMethod.POST:
        return []
    fee = delivery_fee(dossier)
    return [FeeLine(label=_("Cước chuyển phát kết quả qua bưu chính"),
                    amount=fee if fee is not None else settings.POSTAL_FLAT_FEE)]


# --- booking ------------------------------------------------------------------------------
def _notify_url() -> str:
    return f"{settings.PUBLIC_BASE_URL}{reverse('postal-notify')}"


def _live_shipment(dossier: Dossier, direction: str, **fields: object) -> Shipment:
    """The dossier's live shipment in ``direction``, or a new one, its reference written now."""
    live = ~Q(status__in=[ShipmentStatus.CANCELLED, ShipmentStatus.BOOKING_FAILED])
    try:
        with transaction.atomic():
            existing = Shipment.objects.filter(live, dossier=dossier, direction=direction).first()
            if existing is not None:
                return existing
            return Shipment.objects.create(dossier=dossier, direction=direction,
                                           reference=f"PST-{secrets.token_hex(10).upper()}", **fields)
    except IntegrityError:
        # Another request created it meanwhile (the partial unique constraint): use that one.
        return Shipment.objects.get(live, dossier=dossier, direction=direction)


def _book(shipment: Shipment) -> Shipment:
    """Ask the carrier for ``shipment`` (again, with the same reference, if an attempt failed)."""
    if shipment.status != ShipmentStatus.REQUESTED:
        return shipment
    Shipment.objects.filter(pk=shipment.pk).update(attempts=F("attempts") + 1)
    try:
        booked = client.book(
            reference=shipment.reference, direction=shipment.direction,
            sender=client.Address(**shipment.sender), recipient=client.Address(**shipment.recipient),
            weight_class=shipment.weight_class, notify_url=_notify_url(),
            note=f"Hồ sơ {shipment.dossier.code or shipment.dossier_id}",
        )
    except client.CarrierRefused as refused:
        # Our data or our configuration: retrying the same request cannot help.
        Shipment.objects.filter(pk=shipment.pk, status=ShipmentStatus.REQUESTED).update(
            status=ShipmentStatus.BOOKING_FAILED, last_error=refused.code)
        raise
    except client.CarrierUnavailable as error:
        Shipment.objects.filter(pk=shipment.pk).update(last_error=error.code)
        raise
    with transaction.atomic():
        current = Shipment.objects.select_for_update().get(pk=shipment.pk)
        first_answer = current.status == ShipmentStatus.REQUESTED
        current.tracking_number, current.fee, current.last_error = booked.tracking_number, booked.fee, ""
        current.booked_at = current.booked_at or timezone.now()
        if first_answer:  # tracking may have moved it on already; never take it back
            current.status = ShipmentStatus.BOOKED
        current.save()
        if first_answer:
            record_activity(
                current.dossier, kind=ActivityKind.POSTAL, actor_kind=Actor.SYSTEM,
                reason=("Đã đặt dịch vụ chuyển phát kết quả" if current.direction == Direction.DELIVERY
                        else "Đã đặt dịch vụ thu gom giấy tờ gốc"),
                details={"direction": current.direction, "status": ShipmentStatus.BOOKED,
                         "tracking_number": current.tracking_number, "at": current.booked_at.isoformat()},
            )
    return current


def book_delivery(dossier: Dossier) -> Shipment:
    """Book the result's delivery to the citizen, once, whatever the number of calls.

    ``client.CarrierUnavailable`` leaves the shipment ``requested`` for a retry (the task's,
    then the recovery job's); ``client.CarrierRefused`` marks it ``booking_failed``.
    """
    if dossier.delivery_method != DeliveryMethod.POST:
        raise ShipmentRefused("not_by_post")
    if dossier.status != DossierStatus.RESULT_ISSUED:
        raise ShipmentRefused("no_result_yet")
    shipment = _live_shipment(
        dossier, Direction.DELIVERY, sender=agency_address(dossier.agency).as_json(),
        recipient=citizen_address(dossier).as_json(), weight_class=settings.POSTAL_WEIGHT_CLASS,
    )
    return _book(shipment)


def pickup_allowed(dossier: Dossier, user) -> bool:  # noqa: ANN001 - accounts.User
    return dossier.applicant_id == getattr(user, "pk", None) and dossier.status in PICKUP_STATUSES


def book_pickup(  # noqa: ANN001 - applicant: accounts.User
    dossier: Dossier, *, applicant, name: str, phone: str, address: str, province: str, commune: str = "",
    weight_class: str = WeightClass.DOCUMENT,
) -> Shipment:
    """Have the citizen's paper originals collected at ``address`` and brought to the agency.

    Only the dossier's applicant, only while the agency has the dossier (submitted, received,
    processing). A second request while one is live answers that one. The pickup's fee is
    paid to the postman (docs/postal-contract.md); the carrier's answer says how much.
    """
    from dichvucong.dossiers.eforms import commune_in_province, is_province

    if dossier.applicant_id != applicant.pk:
        raise ShipmentRefused("not_permitted")
    if dossier.status not in PICKUP_STATUSES:
        raise ShipmentRefused("wrong_status")
    if not (name.strip() and phone.strip() and address.strip()) or not is_province(province) or (
            commune and not commune_in_province(commune, province)):
        raise ShipmentRefused("bad_address")
    if weight_class not in WeightClass.values:
        raise ShipmentRefused("bad_weight_class")
    citizen = client.Address(name=name.strip()[:200], phone=phone.strip()[:20], address=address.strip()[:300],
                             province=province, commune=commune)
    shipment = _live_shipment(
        dossier, Direction.PICKUP, sender=citizen.as_json(), recipient=agency_address(dossier.agency).as_json(),
        weight_class=weight_class, requested_by=applicant,
    )
    return _book(shipment)


def book_pending(*, older_than: timedelta = timedelta(minutes=2)) -> dict[str, int]:
    """The recovery job: book what the task gave up on, or what never reached it.

    Shipments still ``requested`` (the carrier was down) are asked again with their own
    reference; dossiers whose result went out by post lately without a delivery (an event
    lost before its task was queued) get one.
    """
    booked = failed = 0
    cutoff = timezone.now() - older_than
    for shipment in Shipment.objects.filter(status=ShipmentStatus.REQUESTED, updated_at__lte=cutoff).select_related(
            "dossier"):
        try:
            _book(shipment)
            booked += 1
        except client.CarrierError:
            failed += 1
    forgotten = Dossier.objects.filter(
        status=DossierStatus.RESULT_ISSUED, delivery_method=DeliveryMethod.POST,
        updated_at__gte=timezone.now() - RECOVERY_WINDOW, updated_at__lte=cutoff,
    ).exclude(shipments__direction=Direction.DELIVERY).select_related("agency", "applicant")
    for dossier in forgotten:
        try:
            book_delivery(dossier)
            booked += 1
        except (client.CarrierError, ShipmentRefused):
            failed += 1
    return {"booked": booked, "failed": failed}


def cancel_shipment(shipment: Shipment) -> Shipment:
    """Cancel a shipment the postman has not taken yet; ``ShipmentRefused`` once too late."""
    if shipment.status not in CANCELLABLE_STATUSES:
        raise ShipmentRefused("not_cancellable")
    if shipment.status != ShipmentStatus.REQUESTED or shipment.attempts:
        try:
            answer = client.cancel(shipment.reference)
        except client.CarrierRefused as refused:
            if refused.code != "not_found":  # never booked there: nothing to cancel
                raise ShipmentRefused(refused.code) from refused
            answer = None
        if answer is not None and answer.status != ShipmentStatus.CANCELLED:
            raise ShipmentRefused("not_cancellable")
    with transaction.atomic():
        current = Shipment.objects.select_for_update().get(pk=shipment.pk)
        current.status = ShipmentStatus.CANCELLED
        current.save(update_fields=["status", "updated_at"])
        record_activity(current.dossier, kind=ActivityKind.POSTAL, reason="Đã hủy dịch vụ bưu chính",
                        details={"direction": current.direction, "status": ShipmentStatus.CANCELLED,
                                 "tracking_number": current.tracking_number, "at": timezone.now().isoformat()})
    return current


def cancel_open_pickups(dossier: Dossier) -> None:
    """A withdrawn or refused dossier needs no collection; a postman already on the way finishes."""
    for shipment in dossier.shipments.filter(direction=Direction.PICKUP, status__in=CANCELLABLE_STATUSES):
        try:
            cancel_shipment(shipment)
        except (ShipmentRefused, client.CarrierError) as error:
            logger.warning("pickup %s not cancelled: %s", shipment.reference, getattr(error, "code", error))


# --- tracking -----------------------------------------------------------------------------
def _parse_event(payload: dict) -> dict:
    """The callback's fields, checked against the contract; ``ValueError`` for anything else."""
    event_id, reference = payload.get("event_id"), payload.get("reference")
    status, sequence = payload.get("status"), payload.get("sequence")
    if not isinstance(event_id, str) or not 0 < len(event_id) <= 64:
        raise ValueError("event_id")
    if not isinstance(reference, str) or not 0 < len(reference) <= 40:
        raise ValueError("reference")
    if status not in CALLBACK_STATUSES:
        raise ValueError("status")
    if isinstance(sequence, bool) or not isinstance(sequence, int) or not 0 < sequence < 2**31:
        raise ValueError("sequence")
    occurred_at = datetime.fromisoformat(str(payload.get("occurred_at")))
    if occurred_at.tzinfo is None:
        raise ValueError("occurred_at")
    return {"event_id": event_id, "reference": reference, "status": status, "sequence": sequence,
            "occurred_at": occurred_at, "tracking_number": str(payload.get("tracking_number") or "")[:32],
            "location": str(payload.get("location") or "")[:200]}


def record_callback(body: bytes, headers: Mapping[str, str]) -> str:
    """Verify and apply one tracking callback; the outcome: ``applied``, ``late`` (recorded,
    status kept), ``duplicate`` or ``unknown_shipment``. ``client.BadSignature`` (with its
    code) for a bad signature, a stale or missing timestamp, or a body the contract does not
    allow: nothing is applied and the caller answers 400."""
    try:
        payload = client.verify_callback(body, timestamp=headers.get("X-Timestamp", ""),
                                         signature=headers.get("X-Signature", ""))
        event = _parse_event(payload)
    except client.BadSignature as refused:
        logger.warning("postal callback refused: %s", refused.code)
        raise
    except (TypeError, ValueError) as error:
        logger.warning("postal callback refused: malformed (%s)", error)
        raise client.BadSignature("malformed") from error
    return _apply_event(event)


def _apply_event(event: dict) -> str:
    """One tracking event, from a callback or a status query: recorded once, in the history,
    and applied unless a later one was already (the carrier's sequence decides)."""
    with transaction.atomic():
        shipment = Shipment.objects.select_for_update(of=("self",)).select_related("dossier").filter(
            reference=event["reference"]).first()
        if shipment is None:
            logger.warning("postal callback for an unknown shipment")
            return "unknown_shipment"
        if ShipmentEvent.objects.filter(carrier_event_id=event["event_id"]).exists():
            return "duplicate"
        applied = event["sequence"] > shipment.last_sequence and shipment.status != ShipmentStatus.CANCELLED
        ShipmentEvent.objects.create(
            shipment=shipment, carrier_event_id=event["event_id"], status=event["status"],
            sequence=event["sequence"], occurred_at=event["occurred_at"], location=event["location"], applied=applied,
        )
        shipment.tracking_number = shipment.tracking_number or event["tracking_number"]
        if applied:
            shipment.status, shipment.last_sequence = event["status"], event["sequence"]
        shipment.save()
        # Late or not, it happened: the history shows it, at the carrier's time.
        record_activity(
            shipment.dossier, kind=ActivityKind.POSTAL, actor_kind=Actor.SYSTEM,
            reason=HISTORY_REASONS[event["status"]],
            details={"direction": shipment.direction, "status": event["status"],
                     "tracking_number": shipment.tracking_number, "at": event["occurred_at"].isoformat()},
        )
    return "applied" if applied else "late"


def refresh_stale(*, quiet_for: timedelta = timedelta(hours=6)) -> dict[str, int]:
    """Ask the carrier about open shipments it has said nothing of for ``quiet_for`` (its
    callbacks may have been given up on): a newer status is applied like a callback's.
    Celery beat runs it hourly."""
    counts = {"asked": 0, "applied": 0, "failed": 0}
    quiet = Shipment.objects.exclude(status__in=[*FINAL_STATUSES, ShipmentStatus.REQUESTED]).filter(
        updated_at__lt=timezone.now() - quiet_for)
    for shipment in quiet.order_by("updated_at")[:200]:
        counts["asked"] += 1
        try:
            answer = client.get_shipment(shipment.reference)
        except (client.CarrierUnavailable, client.CarrierRefused):
            counts["failed"] += 1
            continue
        if answer.sequence <= shipment.last_sequence or answer.status not in CALLBACK_STATUSES:
            Shipment.objects.filter(pk=shipment.pk).update(updated_at=timezone.now())  # asked: quiet again
            continue
        outcome = _apply_event({
            "event_id": f"query:{answer.reference}:{answer.sequence}", "reference": answer.reference,
            "status": answer.status, "sequence": answer.sequence, "occurred_at": timezone.now(),
            "tracking_number": answer.tracking_number, "location": "",
        })
        counts["applied"] += outcome == "applied"
    return counts


# --- events -------------------------------------------------------------------------------
def on_dossier_status_changed(*, dossier_id: int, to_status: str, **_: object) -> None:
    """Subscribed to ``dossiers.status_changed``: a result issued for post is booked (by a task,
    retried with backoff); a dossier that leaves the agency's hands cancels its open pickup."""
    from dichvucong.postal import tasks

    if to_status == DossierStatus.RESULT_ISSUED:
        if Dossier.objects.filter(pk=dossier_id, delivery_method=DeliveryMethod.POST).exists():
            tasks.book_delivery_task.delay(dossier_id)
    elif to_status in (DossierStatus.WITHDRAWN, DossierStatus.REFUSED):
        tasks.cancel_open_pickups_task.delay(dossier_id)
