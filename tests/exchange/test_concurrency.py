"""Senders racing (PostgreSQL): messages to the same member are each claimed by one worker,
and one worker's claim never hides another message of the same member."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from threading import Barrier

import pytest
from django.db import connection

from tests.exchange.conftest import forget_member

RACERS = 4


@pytest.mark.django_db
def test_concurrent_workers_deliver_every_message_of_one_member_once(committed, receiver, settings, tmp_path):
    if connection.vendor != "postgresql":
        pytest.skip("row locks across connections need PostgreSQL (CI runs it)")
    settings.EXCHANGE_KEY_FILE = tmp_path / "portal.jwk"

    @committed
    def arrange() -> list[int]:
        import json
        import uuid

        from django.utils import timezone
        from jwcrypto import jwk

        from dichvucong.exchange.models import Member, MemberKey, MemberSystem, OutboxMessage

        member = Member.objects.create(code="RACE", name="Race", kind="province")
        system = MemberSystem.objects.create(member=member, name="Một cửa", endpoint=receiver.url, token_endpoint=receiver.token_url,
                                             may_receive=["heartbeat", "status_update"])
        key = jwk.JWK.generate(kty="EC", crv="P-256", kid="race-1")
        MemberKey.objects.create(system=system, kid="race-1", public_jwk=json.loads(key.export_public()))
        # Written outside any transaction of ours: nothing posts them before the race.
        return [OutboxMessage.objects.create(
            message_id=uuid.uuid4(), system=system, message_type="heartbeat", token=f"token-{n}",
            next_attempt_at=timezone.now(),
        ).pk for n in range(RACERS)]

    barrier = Barrier(RACERS)

    @committed
    def race(outbox_id: int) -> str:
        from dichvucong.exchange import outbox

        barrier.wait()
        return outbox.deliver(outbox_id)

    @committed
    def clean_up() -> None:
        forget_member("RACE")

    with ThreadPoolExecutor(max_workers=1) as pool:
        ids = pool.submit(arrange).result()
    try:
        with ThreadPoolExecutor(max_workers=RACERS) as pool:
            outcomes = list(pool.map(race, ids))
        assert outcomes == ["delivered"] * RACERS
        assert sorted(receiver.bodies) == sorted(f"token-{n}" for n in range(RACERS))
    finally:
        with ThreadPoolExecutor(max_workers=1) as pool:
            pool.submit(clean_up).result()
