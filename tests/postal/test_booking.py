"""Booking deliveries and pickups: once, whatever the retries (F2)."""

import pytest
from celery.exceptions import Retry
from django.test import Client

from dichvucong.dossiers.constants import ActivityKind, Actor, DossierStatus
from dichvucong.dossiers.state_machine import transition
from dichvucong.postal import client, services, tasks
from dichvucong.postal.constants import Direction, ShipmentStatus
from dichvucong.postal.models import Shipment
from tests.accounts.factories import verified_citizen
from tests.accounts.helpers import post_form
from tests.conftest import sign_in_at_level
from tests.postal.conftest import dossier_at, hanoi_commune

pytestmark = pytest.mark.django_db


def test_the_result_is_booked_for_delivery_when_it_is_issued(carrier, citizen, django_capture_on_commit_callbacks):
    dossier = dossier_at(citizen[0], DossierStatus.PROCESSING)

    with django_capture_on_commit_callbacks(execute=True):
        transition(dossier, DossierStatus.RESULT_ISSUED, actor_kind=Actor.OFFICIAL)

    shipment = Shipment.objects.get(dossier=dossier)
    assert (shipment.direction, shipment.status, shipment.fee) == (Direction.DELIVERY, ShipmentStatus.BOOKED, 22_000)
    assert shipment.tracking_number.startswith("EV")
    assert shipment.recipient["address"] == "Số 1 Tràng Tiền" and shipment.recipient["province"] == "1"
    assert len(carrier.shipments(shipment.reference)) == 1
    entry = dossier.events.get(kind=ActivityKind.POSTAL)
    assert entry.details["tracking_number"] == shipment.tracking_number and entry.public


def test_no_delivery_is_booked_for_a_result_collected_online(carrier, citizen, django_capture_on_commit_callbacks):
    dossier = dossier_at(citizen[0], DossierStatus.PROCESSING, delivery_method="online")
    with django_capture_on_commit_callbacks(execute=True):
        transition(dossier, DossierStatus.RESULT_ISSUED, actor_kind=Actor.OFFICIAL)
    assert not Shipment.objects.filter(dossier=dossier).exists()


def test_a_booking_retried_after_a_timeout_books_once(carrier, citizen, settings):
    dossier = dossier_at(citizen[0], DossierStatus.RESULT_ISSUED)
    settings.SIM_POST_TIMEOUT_SECONDS = 2.5
    settings.POSTAL_TIMEOUT = 1
    carrier.fault("timeout")  # the carrier books, but its answer is lost

    with pytest.raises(client.CarrierUnavailable):
        services.book_delivery(dossier)
    assert Shipment.objects.get(dossier=dossier).status == ShipmentStatus.REQUESTED

    carrier.fault("none")
    shipment = services.book_delivery(dossier)
    again = services.book_delivery(dossier)

    assert shipment.status == ShipmentStatus.BOOKED and again.pk == shipment.pk
    assert Shipment.objects.filter(dossier=dossier).count() == 1
    assert len(carrier.shipments(shipment.reference)) == 1
    assert shipment.attempts == 2


def test_a_carrier_down_leaves_the_booking_for_later_and_the_dossier_untouched(
        carrier, citizen, django_capture_on_commit_callbacks):
    dossier = dossier_at(citizen[0], DossierStatus.PROCESSING)
    carrier.fault("server_error")

    with django_capture_on_commit_callbacks(execute=True):
        transition(dossier, DossierStatus.RESULT_ISSUED, actor_kind=Actor.OFFICIAL)

    dossier.refresh_from_db()
    shipment = Shipment.objects.get(dossier=dossier)
    assert dossier.status == DossierStatus.RESULT_ISSUED
    assert (shipment.status, shipment.last_error, shipment.tracking_number) == (
        ShipmentStatus.REQUESTED, "server_error", "")
    # The task asks Celery to run it again later (with backoff); run again now, it asks again.
    with pytest.raises(Retry, match="Retry in 60s"):
        tasks.book_delivery_task.delay(dossier.pk)
    assert Shipment.objects.get(pk=shipment.pk).attempts == 2

    carrier.fault("none")
    from datetime import timedelta

    assert services.book_pending(older_than=timedelta(0)) == {"booked": 1, "failed": 0}
    shipment.refresh_from_db()
    assert shipment.status == ShipmentStatus.BOOKED
    assert len(carrier.shipments(shipment.reference)) == 1


def _pickup_form() -> dict:
    return {"name": "Nguyễn Văn An", "phone": "0912000888", "address": "Số 1 Tràng Tiền", "province": "1",
            "commune": hanoi_commune()}


def _ask_pickup(browser, dossier, **changes):  # noqa: ANN001, ANN202
    url = f"/buu-chinh/ho-so/{dossier.pk}/lay-giay-to/"
    return post_form(browser, url, {**_pickup_form(), **changes})


def test_the_applicant_has_the_originals_collected(carrier, citizen):
    user, browser = citizen
    dossier = dossier_at(user, DossierStatus.RECEIVED)

    answer = _ask_pickup(browser, dossier)
    again = _ask_pickup(browser, dossier)

    assert answer.status_code == 302 and again.status_code == 302
    shipment = Shipment.objects.get(dossier=dossier)
    assert (shipment.direction, shipment.status, shipment.requested_by) == (
        Direction.PICKUP, ShipmentStatus.BOOKED, user)
    assert shipment.sender["address"] == "Số 1 Tràng Tiền" and shipment.recipient["name"] == dossier.agency.name
    assert len(carrier.shipments(shipment.reference)) == 1


def test_someone_else_cannot_ask_for_a_pickup(carrier, citizen):
    dossier = dossier_at(citizen[0], DossierStatus.RECEIVED)
    stranger = Client()  # what is checked here is who asks, not the CSRF token
    sign_in_at_level(stranger, verified_citizen(phone="+84912000999"), 2)

    assert stranger.post(f"/buu-chinh/ho-so/{dossier.pk}/lay-giay-to/", _pickup_form()).status_code == 404
    assert stranger.get(f"/buu-chinh/ho-so/{dossier.pk}/lay-giay-to/").status_code == 404
    with pytest.raises(services.ShipmentRefused, match="not_permitted"):
        services.book_pickup(dossier, applicant=stranger_user(), **_pickup_form())
    assert not Shipment.objects.exists()


def stranger_user():  # noqa: ANN201
    return verified_citizen(phone="+84912000998")


@pytest.mark.parametrize("status", [DossierStatus.AWAITING_PAYMENT, DossierStatus.RESULT_ISSUED])
def test_a_pickup_is_refused_outside_the_agencys_handling(carrier, citizen, status):
    user, browser = citizen
    if status == DossierStatus.AWAITING_PAYMENT:
        from dichvucong.dossiers import services as dossier_services
        from tests.postal.conftest import post_draft

        draft = post_draft(user)
        dossier = dossier_services.submit_dossier(draft, applicant=user, submission_key="k-wait",
                                                  delivery_method="post")
    else:
        dossier = dossier_at(user, status)

    answer = _ask_pickup(browser, dossier)

    assert answer.status_code == 409
    assert "Chỉ có thể yêu cầu thu gom" in answer.content.decode()
    assert not Shipment.objects.filter(direction=Direction.PICKUP).exists()


def test_a_pickup_address_outside_its_province_is_refused(carrier, citizen):
    user, browser = citizen
    dossier = dossier_at(user, DossierStatus.PROCESSING)
    answer = _ask_pickup(browser, dossier, province="79")
    assert answer.status_code == 400
    assert not Shipment.objects.exists()


def test_a_withdrawn_dossier_cancels_the_pickup_not_yet_collected(carrier, citizen,
                                                                   django_capture_on_commit_callbacks):
    user, _ = citizen
    dossier = dossier_at(user, DossierStatus.PROCESSING)
    pickup = services.book_pickup(dossier, applicant=user, **_pickup_form())

    with django_capture_on_commit_callbacks(execute=True):
        transition(dossier, DossierStatus.WITHDRAWN, actor_kind=Actor.APPLICANT, actor=user)

    pickup.refresh_from_db()
    assert pickup.status == ShipmentStatus.CANCELLED
    assert carrier.shipments(pickup.reference)[0]["status"] == "cancelled"
