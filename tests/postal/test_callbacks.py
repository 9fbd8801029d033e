"""Tracking callbacks: verified first, applied once, in the carrier's order (F2)."""

import json
import time

import pytest
from django.test import Client

from dichvucong.dossiers.constants import ActivityKind, DossierStatus
from dichvucong.postal import client as postal_client
from dichvucong.postal import services
from dichvucong.postal.constants import ShipmentStatus
from dichvucong.postal.models import ShipmentEvent
from tests.postal.conftest import NOTIFY_PATH, deliver, dossier_at

pytestmark = pytest.mark.django_db


@pytest.fixture
def booked(carrier, citizen):
    return services.book_delivery(dossier_at(citizen[0], DossierStatus.RESULT_ISSUED))


def _postal_history(shipment):  # noqa: ANN001, ANN202
    return list(shipment.dossier.events.filter(kind=ActivityKind.POSTAL).values_list("details__status", flat=True))


def test_a_valid_callback_moves_the_shipment_and_shows_in_the_history(carrier, booked):
    carrier.advance(booked.reference)

    [answer] = deliver(Client(), carrier.outbox())

    assert answer.status_code == 200 and answer.json()["outcome"] == "applied"
    booked.refresh_from_db()
    assert (booked.status, booked.last_sequence) == (ShipmentStatus.ACCEPTED, 1)
    entry = booked.dossier.events.filter(kind=ActivityKind.POSTAL).last()
    assert entry.reason == "Bưu điện đã nhận yêu cầu" and entry.public
    assert entry.details["direction"] == "delivery" and entry.details["tracking_number"] == booked.tracking_number
    assert entry.details["at"]


def test_a_duplicate_callback_changes_nothing(carrier, booked):
    carrier.fault("callback_duplicated")
    carrier.advance(booked.reference)

    answers = deliver(Client(), carrier.outbox())

    assert [a.json()["outcome"] for a in answers] == ["applied", "duplicate"]
    assert ShipmentEvent.objects.filter(shipment=booked).count() == 1
    assert _postal_history(booked) == ["booked", "accepted"]


def test_an_event_arriving_late_never_takes_the_status_back(carrier, booked):
    carrier.advance(booked.reference)
    carrier.fault("callback_out_of_order")
    carrier.advance(booked.reference)  # picked_up then in_transit, in_transit sent first
    carrier.fault("none")

    answers = deliver(Client(), carrier.outbox())

    assert [a.json()["outcome"] for a in answers] == ["applied", "applied", "late"]
    booked.refresh_from_db()
    assert (booked.status, booked.last_sequence) == (ShipmentStatus.IN_TRANSIT, 3)
    assert _postal_history(booked) == ["booked", "accepted", "in_transit", "picked_up"]  # as it happened
    carrier.advance(booked.reference, "delivered")
    deliver(Client(), carrier.outbox())
    booked.refresh_from_db()
    assert booked.status == ShipmentStatus.DELIVERED


def test_a_failed_attempt_then_a_new_round_is_followed(carrier, booked):
    for status in ("accepted", "picked_up", "in_transit", "out_for_delivery", "failed_attempt", None):
        carrier.advance(booked.reference, status)
    deliver(Client(), carrier.outbox())
    booked.refresh_from_db()
    assert (booked.status, booked.last_sequence) == (ShipmentStatus.OUT_FOR_DELIVERY, 6)


def _signed(body: bytes, *, timestamp: int | None = None) -> dict:
    stamp = str(timestamp if timestamp is not None else int(time.time()))
    return {"X-Timestamp": stamp, "X-Signature": postal_client.sign_body(body, stamp)}


@pytest.mark.parametrize(("case", "code"), [
    ("bad_signature", "bad_signature"), ("stale", "stale"), ("no_timestamp", "bad_timestamp"),
    ("junk", "malformed"), ("not_json_object", "malformed"), ("unknown_status", "malformed"),
    ("naive_time", "malformed"),
])
def test_refused_callbacks_answer_400_with_a_code_and_change_nothing(carrier, booked, case, code):
    if case == "bad_signature":
        carrier.fault("bad_signature")
        carrier.advance(booked.reference)
        [entry] = carrier.outbox()
        body, headers = entry["body"].encode(), {k: v for k, v in entry["headers"].items() if k.startswith("X-")}
    else:
        event = {"event_id": "EV-X1", "reference": booked.reference, "tracking_number": booked.tracking_number,
                 "direction": "delivery", "status": "delivered", "sequence": 9,
                 "occurred_at": "2026-11-29T10:00:00+07:00", "location": ""}
        body = {
            "stale": json.dumps(event).encode(), "no_timestamp": json.dumps(event).encode(),
            "junk": b"\xff\xfe{not json", "not_json_object": b"[1, 2]",
            "unknown_status": json.dumps({**event, "status": "teleported"}).encode(),
            "naive_time": json.dumps({**event, "occurred_at": "2026-11-29T10:00:00"}).encode(),
        }[case]
        headers = _signed(body, timestamp=int(time.time()) - 301 if case == "stale" else None)
        if case == "no_timestamp":
            headers.pop("X-Timestamp")

    answer = Client().post(NOTIFY_PATH, data=body, content_type="application/json", headers=headers)

    assert answer.status_code == 400 and answer.json()["error"]["code"] == code
    booked.refresh_from_db()
    assert booked.status == ShipmentStatus.BOOKED and not ShipmentEvent.objects.exists()
    assert _postal_history(booked) == ["booked"]


def test_a_callback_for_an_unknown_shipment_is_acknowledged_and_ignored(carrier):
    body = json.dumps({"event_id": "EV-Y", "reference": "PST-NOPE", "status": "accepted", "sequence": 1,
                       "occurred_at": "2026-11-29T10:00:00+07:00"}).encode()
    answer = Client().post(NOTIFY_PATH, data=body, content_type="application/json", headers=_signed(body))
    assert answer.status_code == 200 and answer.json()["outcome"] == "unknown_shipment"


def test_the_dossier_page_partial_lists_shipments_and_tracking(carrier, booked, citizen):
    from django.template.loader import render_to_string
    from django.test import RequestFactory

    carrier.advance(booked.reference)
    deliver(Client(), carrier.outbox())
    request = RequestFactory().get("/")
    request.user = citizen[0]

    html = render_to_string("postal/_dossier_shipments.html", {"dossier": booked.dossier}, request=request)

    assert booked.tracking_number in html and "Bưu điện đã nhận yêu cầu" in html and "Chuyển phát kết quả" in html


def test_a_shipment_the_carrier_went_quiet_about_is_asked_for_and_caught_up(carrier, booked):
    from django.utils import timezone

    from dichvucong.postal.models import Shipment

    carrier.advance(booked.reference)
    carrier.advance(booked.reference)  # two callbacks the carrier then gave up on: never delivered
    carrier.outbox()
    assert services.refresh_stale()["asked"] == 0  # not quiet long enough yet
    Shipment.objects.filter(pk=booked.pk).update(updated_at=timezone.now() - timezone.timedelta(hours=7))

    assert services.refresh_stale() == {"asked": 1, "applied": 1, "failed": 0}
    booked.refresh_from_db()
    assert booked.status == ShipmentStatus.PICKED_UP and booked.last_sequence == 2
    assert _postal_history(booked)[-1] == "picked_up"
    # Asked again later with nothing new: nothing written twice.
    Shipment.objects.filter(pk=booked.pk).update(updated_at=timezone.now() - timezone.timedelta(hours=7))
    assert services.refresh_stale() == {"asked": 1, "applied": 0, "failed": 0}
    assert _postal_history(booked).count("picked_up") == 1
    # A carrier that cannot answer is asked again at the next run.
    Shipment.objects.filter(pk=booked.pk).update(updated_at=timezone.now() - timezone.timedelta(hours=7))
    carrier.fault("server_error")
    assert services.refresh_stale()["failed"] == 1
