"""Sending: nothing lost, nothing sent for rolled-back work, retries, dead letters, and a
trace no one can alter unnoticed (H2)."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import transaction
from django.utils import timezone
from jwcrypto import jwk

from dichvucong.exchange import outbox, trace
from dichvucong.exchange.constants import MessageType
from dichvucong.exchange.envelope import open_message, seal, token_digest
from dichvucong.exchange.keys import portal_key
from dichvucong.exchange.models import (
    MemberKey,
    MemberSystem,
    OutboxMessage,
    OutboxStatus,
    TraceEntry,
)
from tests.exchange.test_messages import STATUS, admin, post, province  # noqa: F401 - fixtures

pytestmark = pytest.mark.django_db
CODE = STATUS["dossier_code"]


@pytest.fixture
def member(province, receiver):  # noqa: F811
    MemberSystem.objects.filter(pk=province.system.pk).update(endpoint=receiver.url, token_endpoint=receiver.token_url)
    province.system.refresh_from_db()
    return province


def _due(message: OutboxMessage) -> None:
    OutboxMessage.objects.filter(pk=message.pk).update(next_attempt_at=timezone.now() - timedelta(seconds=1))


def test_a_message_leaves_after_the_commit(member, receiver, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        message = outbox.send(member.system, MessageType.STATUS_UPDATE, STATUS, correlation_id=CODE)
    message.refresh_from_db()
    assert message.status == OutboxStatus.DELIVERED and receiver.bodies == [message.token]
    assert [e.event for e in trace.journey(CODE)] == ["created", "sent", "delivered"]


def test_work_that_rolls_back_sends_nothing(member, receiver, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        try:
            with transaction.atomic():
                outbox.send(member.system, MessageType.HEARTBEAT, {"status": "ok"})
                raise RuntimeError("the work failed")
        except RuntimeError:
            pass
    assert not OutboxMessage.objects.exists() and receiver.bodies == []


def test_a_message_whose_process_died_before_sending_is_sent_by_the_beat_job(member, receiver):
    message = outbox.send(member.system, MessageType.HEARTBEAT, {"status": "ok"})  # on-commit never ran
    assert receiver.bodies == []
    assert outbox.deliver_pending() == 1
    message.refresh_from_db()
    assert message.status == OutboxStatus.DELIVERED and len(receiver.bodies) == 1


def test_a_member_down_is_retried_with_backoff_and_a_refusal_becomes_a_dead_letter(member, receiver, admin):  # noqa: F811
    receiver.answers = [503, 503]
    message = outbox.send(member.system, MessageType.HEARTBEAT, {"status": "ok"})
    assert outbox.deliver(message.pk) == OutboxStatus.PENDING
    message.refresh_from_db()
    assert message.attempts == 1 and message.next_attempt_at > timezone.now() + timedelta(seconds=25)
    assert outbox.deliver(message.pk) == "not_due"  # waits for its time
    _due(message)
    assert outbox.deliver(message.pk) == OutboxStatus.PENDING
    _due(message)
    assert outbox.deliver(message.pk) == OutboxStatus.DELIVERED
    assert len(receiver.bodies) == 3 and len(set(receiver.bodies)) == 1  # the same signed message each time

    receiver.answers = [401]
    refused = outbox.send(member.system, MessageType.HEARTBEAT, {"status": "degraded"})
    assert outbox.deliver(refused.pk) == OutboxStatus.DEAD
    refused.refresh_from_db()
    assert refused.last_error == "401 bad_signature"
    outbox.replay(refused, admin=admin)
    assert outbox.deliver(refused.pk) == OutboxStatus.DELIVERED
    events = [e.event for e in TraceEntry.objects.filter(message_id=str(refused.message_id))]
    assert events == ["created", "sent", "dead", "replayed", "sent", "delivered"]


def test_nothing_personal_goes_to_a_member_without_a_key_nor_a_type_it_does_not_receive(member):
    MemberKey.objects.filter(system=member.system).delete()
    with pytest.raises(outbox.CannotSend):
        outbox.send(member.system, MessageType.STATUS_UPDATE, STATUS)
    MemberSystem.objects.filter(pk=member.system.pk).update(may_receive=["heartbeat"])
    member.system.refresh_from_db()
    with pytest.raises(outbox.CannotSend):
        outbox.send(member.system, MessageType.STATISTICS_REPORT, {})


def test_the_trace_proves_itself_and_names_the_first_altered_entry(client, member, capsys):
    post(client, member.message())  # verified
    post(client, member.message(receiver="H01"))  # refused
    outbox.send(member.system, MessageType.HEARTBEAT, {"status": "ok"}, correlation_id=CODE)
    call_command("verify_exchange_trace", dossier=CODE)
    output = capsys.readouterr().out
    assert "trace intact: 3 entries" in output and "created" in output
    assert [e.event for e in TraceEntry.objects.order_by("seq")] == ["verified", "refused", "created"]
    TraceEntry.objects.filter(seq=2).update(detail="stale")  # someone rewrites history
    with pytest.raises(CommandError, match="entry #2"):
        call_command("verify_exchange_trace")
    TraceEntry.objects.filter(seq=2).update(detail="not_for_us")
    TraceEntry.objects.filter(seq=3).delete()  # or cuts off its end
    assert trace.verify().ok is False


def test_what_the_member_receives_is_signed_by_the_portal_and_opens_with_its_key(
    member, receiver, settings, admin  # noqa: F811
):
    outbox.deliver(outbox.send(member.system, MessageType.STATUS_UPDATE, STATUS, correlation_id=CODE).pk)
    # The member registered the portal's public key; it opens the message with its own private key.
    portal_public = json.loads(jwk.JWK.from_json(settings.EXCHANGE_KEY_FILE.read_text()).export_public())
    from dichvucong.exchange import services

    portal = services.register_member(code=settings.EXCHANGE_PORTAL_CODE, name="Cổng", kind="portal", admin=admin)
    system = MemberSystem.objects.create(member=portal, name="Cổng", may_send=list(MessageType.values))
    MemberKey.objects.create(system=system, kid=portal_public["kid"], public_jwk=portal_public)
    opened = open_message(receiver.bodies[0], receiver=member.member.code, decryption_key=member.key)
    assert opened.payload == STATUS and opened.sender == settings.EXCHANGE_PORTAL_CODE


def test_a_retry_after_a_long_outage_is_signed_again_and_a_replayed_answer_counts_as_delivered(member, receiver):
    from dichvucong.exchange.protocol import verified_envelope

    receiver.answers = [503]
    message = outbox.send(member.system, MessageType.HEARTBEAT, {"status": "ok"})
    assert outbox.deliver(message.pk) == OutboxStatus.PENDING
    # As if that first attempt was four minutes ago: its signature would be stale at the member.
    first = seal(sender=settings.EXCHANGE_PORTAL_CODE, receiver="H26", message_type="heartbeat",
                 payload={"status": "ok"}, signing_key=portal_key(), message_id=message.message_id,
                 now=timezone.now() - timedelta(minutes=4))
    OutboxMessage.objects.filter(pk=message.pk).update(token=first)
    _due(message)
    assert outbox.deliver(message.pk) == OutboxStatus.DELIVERED
    message.refresh_from_db()
    assert message.token != first and receiver.bodies[-1] == message.token
    portal = jwk.JWK(**json.loads(portal_key().export_public()))
    again, before = verified_envelope(message.token, portal), verified_envelope(first, portal)
    assert again["message_id"] == before["message_id"] and again["payload"] == before["payload"]
    assert again["timestamp"] > before["timestamp"]
    sent = [e for e in trace.journey("") if e.message_id == str(message.message_id) and e.event == "sent"]
    assert sent[-1].detail.endswith("signed again") and sent[-1].token_sha256 == token_digest(message.token)
    # The member already held the first signing: it says "replayed", which means delivered.
    receiver.answers = [(409, "replayed")]
    other = outbox.send(member.system, MessageType.HEARTBEAT, {"status": "ok"})
    assert outbox.deliver(other.pk) == OutboxStatus.DELIVERED


def test_a_member_that_no_longer_takes_our_token_gets_a_new_one(member, receiver):
    message = outbox.send(member.system, MessageType.HEARTBEAT, {"status": "ok"})
    receiver.answers = [(401, "invalid_token")]
    assert outbox.deliver(message.pk) == OutboxStatus.PENDING
    tokens_before = set(receiver.tokens)
    _due(message)
    assert outbox.deliver(message.pk) == OutboxStatus.DELIVERED
    assert receiver.tokens - tokens_before  # asked for a fresh one


def test_a_message_signed_by_an_earlier_portal_key_still_goes_as_it_was(member, receiver, settings, tmp_path):
    receiver.answers = [503]
    message = outbox.send(member.system, MessageType.HEARTBEAT, {"status": "ok"})
    assert outbox.deliver(message.pk) == OutboxStatus.PENDING
    settings.EXCHANGE_KEY_FILE = tmp_path / "rotated.jwk"  # the portal's key rotated meanwhile
    _due(message)
    assert outbox.deliver(message.pk) == OutboxStatus.DELIVERED
    assert receiver.bodies[-1] == message.token  # the member checks it against the key it registered then
