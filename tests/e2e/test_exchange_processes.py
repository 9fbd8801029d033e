"""The exchange between processes: two provinces' one-stop systems (the simulator, each its
own process, key and database) and the portal's live server, over real HTTP.

Đắk Lắk (H66) and Đà Nẵng (H48) both publish "Cấp thẻ tư vấn viên pháp luật" (1.000426) at
their Department of Justice; each gets only the dossiers filed there, and the portal follows
what each reports, whatever the network does to the messages (sent twice, out of order, a
system down, a signature spoiled). No browser: ``in_db`` and ``wait_until`` (tests/e2e/onestop.py)
reach the database from the test as the live server sees it, on SQLite and on PostgreSQL.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from tests.e2e.onestop import (  # noqa: F401 - fixtures
    LEGAL_ADVISER,
    OneStopProcess,
    dak_lak,
    exchange_site,
    in_db,
    settle,
    wait_until,
)
from tests.e2e.test_backoffice_journey import backoffice_site, signing  # noqa: F401 - fixtures
from tests.e2e.test_identity_journey import identity_site  # noqa: F401 - a fixture

pytestmark = [pytest.mark.e2e, pytest.mark.django_db]
DAK_LAK_JUSTICE, DA_NANG_JUSTICE = "000.02.00.H66", "000.02.00.H48"
RECEIVING_OFFICIAL = "Nguyễn Thị Hồng Nhung"  # the simulator's receiving official



@pytest.fixture
def da_nang(exchange_site, tmp_path) -> Iterator[OneStopProcess]:  # noqa: F811 - the fixture
    catalog = tmp_path / "da-nang.json"
    catalog.write_text(json.dumps({"procedures": [
        {"code": LEGAL_ADVISER, "name": "Cấp thẻ tư vấn viên pháp luật", "agency_code": DA_NANG_JUSTICE,
         "online": True, "field": "Tư vấn pháp luật"},
    ]}, ensure_ascii=False))
    with OneStopProcess(exchange_site, tmp_path / "onestop", code="H48", agency="000.00.00.H48", catalog=catalog,
                        name="Hệ thống một cửa điện tử thành phố Đà Nẵng", member_name="Thành phố Đà Nẵng",
                        ).running(LEGAL_ADVISER) as system:
        yield system


# --- the portal's side, in the database ------------------------------------------------------
def _submit(agency_code: str) -> str:
    """A citizen files a dossier of 1.000426 at ``agency_code`` (as the form does); its code."""
    from dichvucong.catalog.models import Agency, Procedure
    from dichvucong.dossiers import services
    from tests.accounts.factories import verified_citizen

    citizen = verified_citizen()
    draft = services.create_draft(applicant=citizen, procedure=Procedure.objects.get(code=LEGAL_ADVISER),
                                  agency=Agency.objects.get(code=agency_code))
    return services.submit_dossier(draft, applicant=citizen, submission_key=f"lien-thong-{draft.pk}",
                                   delivery_method="online", data={}).code


def submit(agency_code: str) -> str:
    code = in_db(_submit, agency_code)
    settle()  # the hand-over, queued for after the commit
    return code


def dossier(code: str) -> dict:
    """The portal's dossier: its status, who handles it, its statuses in order, its stored result."""
    from dichvucong.datastore.models import StoredDocument
    from dichvucong.dossiers.models import Dossier

    found = Dossier.objects.get(code=code)
    return {"status": found.status, "processing_system": found.processing_system, "handler": found.handler_name,
            "statuses": list(found.events.filter(kind="status").values_list("to_status", flat=True)),
            "results": list(StoredDocument.objects.filter(source_dossier=found)
                            .values_list("signature_status", flat=True))}


def reaches(code: str, status: str) -> dict | None:
    state = in_db(dossier, code)
    return state if state["status"] == status else None


def handovers(code: str) -> list[dict]:
    from dichvucong.exchange.models import OutboxMessage

    return list(OutboxMessage.objects.filter(correlation_id=code, message_type="dossier_handover")
                .values("status", "attempts", "pk"))


def journey_events(code: str) -> set[str]:
    from dichvucong.exchange import trace

    return {entry.event for entry in trace.journey(code)}


def refusals_traced(party: str) -> list[str]:
    from dichvucong.exchange.models import TraceEntry

    return list(TraceEntry.objects.filter(event="refused", party=party).values_list("detail", flat=True).distinct())


def trace_ok() -> bool:
    from dichvucong.exchange import trace

    return trace.verify().ok


# --- the tests ---------------------------------------------------------------------------------
def test_each_province_processes_its_own_dossiers_and_the_portal_follows_in_order(dak_lak, da_nang):  # noqa: F811
    in_dak_lak, in_da_nang = submit(DAK_LAK_JUSTICE), submit(DA_NANG_JUSTICE)

    # Each province's system holds its own dossier and no other.
    wait_until(lambda: dak_lak.dossier(in_dak_lak), what="the hand-over to H66")
    wait_until(lambda: da_nang.dossier(in_da_nang), what="the hand-over to H48")
    assert [d["code"] for d in dak_lak.state()["dossiers"]] == [in_dak_lak]
    assert [d["code"] for d in da_nang.state()["dossiers"]] == [in_da_nang]
    for code in (in_dak_lak, in_da_nang):
        received = wait_until(lambda code=code: reaches(code, "received"), what=f"{code} received")
        assert received["processing_system"] == "exchange" and received["handler"] == RECEIVING_OFFICIAL

    # Đắk Lắk's messages now arrive twice and newest first: each still counts once, in order.
    assert dak_lak.faults(duplicates=True, out_of_order=True)["duplicates"]
    assert dak_lak.advance(in_dak_lak) == "processing"
    assert dak_lak.advance(in_dak_lak) == "result_issued"
    done = wait_until(lambda: (found := reaches(in_dak_lak, "result_issued")) and found["results"] and found,
                      timeout=60, what="the result on the portal")
    # Each status once, in the province's order, whatever order the messages came in.
    assert done["statuses"] == ["draft", "submitted", "received", "processing", "result_issued"], done["statuses"]
    assert done["results"] == ["valid"]  # signed with the agency certificate of the CA simulator
    wait_until(lambda: dak_lak.state()["outbox"]["pending"] == 0, what="H66's outbox to empty")
    assert "duplicate" in in_db(journey_events, in_dak_lak)  # the second copies, acknowledged only
    assert in_db(dossier, in_da_nang)["status"] == "received"  # Đà Nẵng's dossier did not move

    assert in_db(trace_ok)
    events = in_db(journey_events, in_dak_lak)
    assert {"created", "sent", "delivered", "verified", "applied"} <= events, events


def test_a_province_down_or_signing_badly_loses_nothing(da_nang):
    from django.utils import timezone

    from dichvucong.exchange import outbox
    from dichvucong.exchange.models import OutboxMessage, RefusedMessage

    first = submit(DA_NANG_JUSTICE)
    wait_until(lambda: reaches(first, "received"), what="the first dossier received")

    # Down: the next hand-over waits in the portal's outbox, tried and due again later.
    assert da_nang.faults(down=True)["down"]
    second = submit(DA_NANG_JUSTICE)
    [waiting] = wait_until(lambda: [m for m in in_db(handovers, second) if m["attempts"]], what="a failed attempt")
    assert waiting["status"] == "pending" and waiting["attempts"] >= 1
    assert da_nang.dossier(second) is None

    # Up again, and due: the beat job's pass delivers it, once.
    assert not da_nang.reset()["down"]
    in_db(lambda: OutboxMessage.objects.filter(pk=waiting["pk"]).update(next_attempt_at=timezone.now()))
    assert in_db(outbox.deliver_pending) >= 1
    assert [m["status"] for m in in_db(handovers, second)] == ["delivered"]
    wait_until(lambda: reaches(second, "received"), what="the second dossier received")
    assert sorted(d["code"] for d in da_nang.state()["dossiers"]) == sorted([first, second])
    assert not in_db(lambda: list(OutboxMessage.objects.filter(correlation_id__in=[first, second])
                                  .exclude(status="delivered").values()))  # nothing lost, nothing dead

    # A spoiled signature: refused at the door, the dossier unmoved; after the reset the
    # simulator's retry is accepted.
    assert da_nang.faults(bad_signature=True)["bad_signature"]
    assert da_nang.advance(first) == "processing"
    refusal = wait_until(lambda: in_db(lambda: RefusedMessage.objects.filter(
        code="bad_signature", claimed_sender="H48").values("message_type", "kid", "message_id").first()),
        what="the refusal")
    # What an unverified envelope claims (its id, its type) is not believed, nor logged.
    assert refusal["kid"].startswith("H48-") and refusal["message_type"] == refusal["message_id"] == ""
    assert in_db(dossier, first)["status"] == "received"
    da_nang.reset()
    processing = wait_until(lambda: reaches(first, "processing"), what="the update accepted after the reset")
    assert processing["statuses"] == ["draft", "submitted", "received", "processing"]

    assert in_db(trace_ok)
    events = in_db(journey_events, first)
    assert {"created", "sent", "delivered", "verified", "applied"} <= events, events
    assert "bad_signature" in in_db(refusals_traced, "H48")  # traced too, without the dossier's code
    assert {"created", "sent", "failed", "delivered", "verified", "applied"} <= in_db(journey_events, second)
