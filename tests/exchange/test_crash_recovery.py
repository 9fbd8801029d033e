"""The sender dies between its commit and the post (PostgreSQL: a real second process on the
same database). The message was written with the work, so it still goes (H2)."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from django.db import connection

from tests.exchange.conftest import forget_member

ROOT = Path(__file__).resolve().parents[2]

# The sending process: it commits a hand-over-like message, then dies (SIGKILL-like _exit)
# before anything after the commit can post it.
SENDER = textwrap.dedent("""
    import os, django
    django.setup()
    from django.db import transaction
    from dichvucong.exchange import outbox
    from dichvucong.exchange.models import MemberSystem

    system = MemberSystem.objects.get(member__code="CRASH")
    with transaction.atomic():
        transaction.on_commit(lambda: os._exit(9))  # runs first: nothing after the commit happens
        message = outbox.send(system, "heartbeat", {"status": "ok"})
        print(message.message_id, flush=True)
""")


def _in_own_connection(function):  # noqa: ANN001, ANN201
    from django.db import connections

    def run():  # noqa: ANN202
        try:
            return function()
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(run).result()


@pytest.mark.django_db
def test_a_message_committed_by_a_sender_killed_before_posting_is_delivered_by_the_beat_job(
        committed, receiver, settings, tmp_path):
    if connection.vendor != "postgresql":
        pytest.skip("a second process on the same test database needs PostgreSQL (CI runs it)")
    settings.EXCHANGE_KEY_FILE = tmp_path / "portal.jwk"
    from dichvucong.exchange.keys import portal_key

    portal_key()  # created now, shared with the sender through the file

    @committed
    def arrange() -> None:
        from dichvucong.exchange.models import Member, MemberSystem

        member = Member.objects.create(code="CRASH", name="Tỉnh thử", kind="province")
        MemberSystem.objects.create(member=member, name="Một cửa", endpoint=receiver.url,
                                    token_endpoint=receiver.token_url, may_receive=["heartbeat"])

    @committed
    def deliver_pending() -> int:
        from dichvucong.exchange import outbox

        return outbox.deliver_pending()

    @committed
    def statuses() -> list[str]:
        from dichvucong.exchange.models import OutboxMessage

        return list(OutboxMessage.objects.filter(system__member__code="CRASH").values_list("status", flat=True))

    @committed
    def clean_up() -> None:
        forget_member("CRASH")

    settings_dict = connection.settings_dict
    database_url = (f"postgres://{settings_dict['USER']}@{settings_dict['HOST'] or '127.0.0.1'}:"
                    f"{settings_dict['PORT'] or 5432}/{settings_dict['NAME']}")
    _in_own_connection(arrange)
    try:
        env = {**os.environ, "DATABASE_URL": database_url, "EXCHANGE_KEY_FILE": str(settings.EXCHANGE_KEY_FILE),
               "CELERY_TASK_ALWAYS_EAGER": "1", "PYTHONPATH": str(ROOT / "src"),
               "DJANGO_SETTINGS_MODULE": "dichvucong.settings"}
        sender = subprocess.run([sys.executable, "-c", SENDER], env=env, cwd=ROOT, capture_output=True, text=True,
                                timeout=120)
        assert sender.returncode == 9, sender.stderr[-2000:]
        assert _in_own_connection(statuses) == ["pending"] and receiver.bodies == []  # committed, never posted
        assert _in_own_connection(deliver_pending) == 1
        assert _in_own_connection(statuses) == ["delivered"] and len(receiver.bodies) == 1
    finally:
        _in_own_connection(clean_up)
