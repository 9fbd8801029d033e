"""The administrators' exchange pages (H2, H3): a dossier's journey with its proof, a member's
page and the forms that change it, superusers only."""

from __future__ import annotations

import json
import uuid
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from jwcrypto import jwk

from dichvucong.accounts.models import AuditEvent
from dichvucong.exchange import outbox
from dichvucong.exchange.constants import KeyStatus, MemberStatus, MessageType
from dichvucong.exchange.models import (
    InboxMessage,
    Member,
    MemberKey,
    MemberSystem,
    OutboxMessage,
    OutboxStatus,
    TraceEntry,
)
from tests.accounts.factories import UserFactory
from tests.conftest import sign_in_at_level
from tests.exchange.test_messages import STATUS, admin, post, province  # noqa: F401 - fixtures

pytestmark = pytest.mark.django_db
CODE = STATUS["dossier_code"]
JOURNEY = f"/quan-tri/lien-thong/ho-so/{CODE}/"
MEMBER = "/quan-tri/lien-thong/thanh-vien/H26/"


@pytest.fixture
def superuser_client() -> Client:
    return sign_in_at_level(Client(), UserFactory(is_staff=True, is_superuser=True), 2)


@pytest.fixture
def member(province, receiver):  # noqa: F811
    MemberSystem.objects.filter(pk=province.system.pk).update(endpoint=receiver.url,
                                                              token_endpoint=getattr(receiver, "token_url", ""))
    province.system.refresh_from_db()
    return province


def _round(client, member) -> OutboxMessage:  # noqa: ANN001
    """The province sends a status update about the dossier; the portal answers it."""
    update = member.message(MessageType.STATUS_UPDATE, STATUS, encrypt=True, correlation_id=CODE)
    assert post(client, update).status_code == 202
    sent = outbox.send(member.system, MessageType.HEARTBEAT, {"status": "ok"}, correlation_id=CODE)
    assert outbox.deliver(sent.pk) == OutboxStatus.DELIVERED
    return sent


def _page(client: Client, url: str) -> str:
    answer = client.get(url)
    assert answer.status_code == 200
    return answer.content.decode()


# --- access ----------------------------------------------------------------------------------
def test_only_superusers_see_the_pages_and_use_the_forms(client, province):  # noqa: F811
    urls = [JOURNEY, MEMBER, "/quan-tri/lien-thong/ho-so/?ma=" + CODE]
    for url in urls:
        answer = client.get(url)
        assert answer.status_code == 302 and answer["Location"].startswith(reverse("accounts:sign-in")), url
    sign_in_at_level(client, UserFactory(is_staff=True), 2)
    for url in urls:
        assert client.get(url).status_code == 403, url
    for url in (JOURNEY, MEMBER + "trang-thai/", MEMBER + "khoa/",
                MEMBER + f"khoa/{province.registered.pk}/thu-hoi/"):
        assert client.post(url, {"status": "suspended", "reason": "x"}).status_code == 403, url
    assert Member.objects.get(code="H26").status == MemberStatus.ACTIVE
    assert not AuditEvent.objects.filter(action="exchange.trace_verified").exists()
    sign_in_at_level(client, UserFactory(is_staff=True, is_superuser=True), 2)
    assert client.get(JOURNEY).status_code == 200 and client.get(MEMBER).status_code == 200
    assert client.get("/quan-tri/lien-thong/thanh-vien/NOPE/").status_code == 404
    assert client.get(MEMBER + "trang-thai/").status_code == 405  # changes are POSTs only


def test_the_monitor_links_each_member_and_finds_a_dossiers_journey(superuser_client, province):  # noqa: F811
    page = _page(superuser_client, "/quan-tri/giam-sat-lien-thong/")
    assert f'href="{MEMBER}"' in page and 'action="/quan-tri/lien-thong/ho-so/"' in page and 'name="ma"' in page
    answer = superuser_client.get("/quan-tri/lien-thong/ho-so/", {"ma": f"  {CODE} "})
    assert answer.status_code == 302 and answer["Location"] == JOURNEY
    assert superuser_client.get("/quan-tri/lien-thong/ho-so/", {"ma": ""})["Location"] == \
        "/quan-tri/giam-sat-lien-thong/"
    assert "Không có thông điệp liên thông nào" in _page(superuser_client, "/quan-tri/lien-thong/ho-so/KHONG-CO/")


# --- a dossier's journey ---------------------------------------------------------------------
def test_the_journey_shows_every_step_and_each_signature_checked_again(client, member, superuser_client):
    sent = _round(client, member)
    received = InboxMessage.objects.get(correlation_id=CODE)
    page = _page(superuser_client, JOURNEY)
    assert 'id="exchange-journey"' in page
    events = [entry.event for entry in TraceEntry.objects.filter(correlation_id=CODE)]
    assert events == ["verified", "created", "sent", "delivered"]
    for label in ("Đã kiểm tra chữ ký, tiếp nhận", "Tạo thông điệp", "Gửi đi", "Bên nhận đã nhận",
                  "Cập nhật trạng thái", "Kiểm tra kết nối"):
        assert label in page
    first = TraceEntry.objects.filter(correlation_id=CODE).first()
    assert f'title="{first.hash}"' in page and f'title="{first.token_sha256}"' in page
    assert "Phòng Hộ tịch" not in page  # the payload is never shown
    for message in (received, sent):
        assert (f'data-message="{message.message_id}" data-signature="valid" data-digest="match"') in page
    assert page.count("Chữ ký hợp lệ") == 2 and "H26-1" in page

    # Someone rewrites a stored token: its check fails, and it no longer matches the trace.
    head, body, signature = received.token.split(".")
    swapped = signature[:10] + ("A" if signature[10] != "A" else "B") + signature[11:]
    InboxMessage.objects.filter(pk=received.pk).update(token=f"{head}.{body}.{swapped}")
    page = _page(superuser_client, JOURNEY)
    assert f'data-message="{received.message_id}" data-signature="bad_signature" data-digest="mismatch"' in page
    assert f'data-message="{sent.message_id}" data-signature="valid" data-digest="match"' in page
    assert "Chữ ký không hợp lệ" in page


def test_a_message_from_an_unknown_key_or_another_message_fails_its_check(client, member, superuser_client):
    _round(client, member)
    received = InboxMessage.objects.get(correlation_id=CODE)
    MemberKey.objects.filter(kid="H26-1").update(kid="H26-old")
    assert 'data-signature="unknown_key"' in _page(superuser_client, JOURNEY)
    MemberKey.objects.filter(kid="H26-old").update(kid="H26-1")
    other = member.message(MessageType.HEARTBEAT, correlation_id=CODE)  # validly signed, another message
    InboxMessage.objects.filter(pk=received.pk).update(token=other)
    assert 'data-signature="other_message"' in _page(superuser_client, JOURNEY)


def test_the_trace_check_says_intact_then_names_the_altered_entry_and_is_audited(client, member, superuser_client):
    _round(client, member)
    answer = superuser_client.post(JOURNEY)
    assert answer.status_code == 302 and answer["Location"] == JOURNEY
    page = _page(superuser_client, JOURNEY)
    last = TraceEntry.objects.order_by("-seq").first()
    assert 'id="trace-verification" role="status" data-ok="yes"' in page
    assert f"Đã kiểm tra {last.seq} bước." in page and last.hash in page
    assert 'id="trace-verification"' not in _page(superuser_client, JOURNEY)  # shown once, after the check
    event = AuditEvent.objects.get(action="exchange.trace_verified")
    assert event.details["ok"] is True and event.details["entries"] == last.seq and event.user.is_superuser

    TraceEntry.objects.filter(seq=2).update(detail="rewritten")  # someone rewrites history
    assert superuser_client.post(JOURNEY).status_code == 302
    page = _page(superuser_client, JOURNEY)
    assert 'data-ok="no"' in page and "Nhật ký đã bị sửa đổi tại bước số 2." in page
    altered = AuditEvent.objects.filter(action="exchange.trace_verified").order_by("-pk").first()
    assert altered.details["ok"] is False and altered.outcome == "failure" and altered.details["first_bad_seq"] == 2


# --- a member --------------------------------------------------------------------------------
def test_the_member_page_shows_systems_keys_procedures_and_dead_letters(member, superuser_client):
    from dichvucong.catalog.models import Procedure
    from dichvucong.exchange.models import MemberProcedure

    MemberSystem.objects.filter(pk=member.system.pk).update(token_endpoint="https://h26.example.vn/token")
    MemberKey.objects.filter(pk=member.registered.pk).update(expires_at=timezone.now() + timedelta(days=10, hours=1))
    procedure = Procedure.objects.create(code="9.999001", name="Đăng ký thử nghiệm liên thông")
    MemberProcedure.objects.create(member=member.member, procedure=procedure, online=False,
                                   published_at=timezone.now(), message_id=uuid.uuid4())
    page = _page(superuser_client, MEMBER)
    assert "Tỉnh thử H26" in page and "Tỉnh, thành phố" in page and "https://h26.example.vn/token" in page
    assert 'data-kid="H26-1" data-key-status="active"' in page and "10 ngày" in page and "sắp hết hạn" in page
    assert "Đổi khóa: đăng ký khóa mới trước" in page
    assert "9.999001" in page and "Đăng ký thử nghiệm liên thông" in page
    assert "Không có thông điệp nào." in page
    for heading in ("Hệ thống", "Khóa ký", "Thủ tục đã công bố", "Thông điệp không gửi được"):
        assert f">{heading}</h2>" in page


def test_suspending_and_reinstating_a_member_needs_a_reason_and_is_audited(member, superuser_client):
    url = MEMBER + "trang-thai/"
    superuser_client.post(url, {"status": MemberStatus.SUSPENDED, "reason": "  "})
    assert Member.objects.get(code="H26").status == MemberStatus.ACTIVE
    answer = superuser_client.post(url, {"status": MemberStatus.SUSPENDED, "reason": "Hết hạn thỏa thuận"}, follow=True)
    assert Member.objects.get(code="H26").status == MemberStatus.SUSPENDED
    assert "Đã tạm ngừng kết nối" in answer.content.decode() and 'data-action="reinstate"' in answer.content.decode()
    event = AuditEvent.objects.filter(action="exchange.member_status").latest("pk")
    assert event.details == {"member": "H26", "status": "suspended", "reason": "Hết hạn thỏa thuận"}
    superuser_client.post(url, {"status": MemberStatus.ACTIVE, "reason": "Gia hạn"})
    assert Member.objects.get(code="H26").status == MemberStatus.ACTIVE


def test_a_key_is_added_only_when_public_p256_and_new(member, superuser_client):
    url = MEMBER + "khoa/"

    def add(text: str, **extra) -> str:  # noqa: ANN003
        answer = superuser_client.post(url, {"system": member.system.pk, "public_jwk": text, **extra}, follow=True)
        assert answer.redirect_chain[-1][0] == MEMBER
        return answer.content.decode()

    fresh = jwk.JWK.generate(kty="EC", crv="P-256", kid="H26-2")
    expiry = (timezone.localdate() + timedelta(days=365)).isoformat()
    page = add(fresh.export_public(), expires_on=expiry)
    added = MemberKey.objects.get(kid="H26-2")
    assert "Đã đăng ký khóa H26-2." in page and added.status == KeyStatus.ACTIVE and "d" not in added.public_jwk
    assert timezone.localtime(added.expires_at).date().isoformat() == expiry
    assert AuditEvent.objects.filter(action="exchange.key_added", details__kid="H26-2").exists()

    private = jwk.JWK.generate(kty="EC", crv="P-256", kid="H26-3")
    assert "chỉ đăng ký khóa công khai" in add(private.export_private())
    assert "Không đọc được khóa" in add("not json {")
    assert "Không đọc được khóa" in add('["a list"]')
    assert "Không đọc được khóa" in add('{"kty": "EC", "crv": "P-256", "x": "abc", "y": "def"}')
    assert "đường cong P-256" in add(jwk.JWK.generate(kty="EC", crv="P-384", kid="H26-4").export_public())
    assert "đã được đăng ký" in add(json.dumps({**json.loads(fresh.export_public())}))  # the same kid again
    assert "sau hôm nay" in add(jwk.JWK.generate(kty="EC", crv="P-256", kid="H26-5").export_public(),
                                expires_on=(timezone.localdate() - timedelta(days=1)).isoformat())
    assert set(MemberKey.objects.values_list("kid", flat=True)) == {"H26-1", "H26-2"}


def test_revoking_a_key_needs_a_reason_and_stops_its_messages(client, member, superuser_client):
    url = MEMBER + f"khoa/{member.registered.pk}/thu-hoi/"
    superuser_client.post(url, {"reason": ""})
    assert MemberKey.objects.get(kid="H26-1").status == KeyStatus.ACTIVE
    page = superuser_client.post(url, {"reason": "Lộ khóa"}, follow=True).content.decode()
    revoked = MemberKey.objects.get(kid="H26-1")
    assert revoked.status == KeyStatus.REVOKED and revoked.revoked_at is not None and "Đã thu hồi khóa H26-1" in page
    assert AuditEvent.objects.filter(action="exchange.key_revoked", details__kid="H26-1").exists()
    superuser_client.post(url, {"reason": "again"})
    assert MemberKey.objects.get(kid="H26-1").revoked_at == revoked.revoked_at  # the first date stands
    # A key of another member is not reachable through this member's page.
    other = Member.objects.create(code="H79", name="Tỉnh khác", kind="province")
    assert superuser_client.post(f"/quan-tri/lien-thong/thanh-vien/{other.code}/khoa/{member.registered.pk}/thu-hoi/",
                                 {"reason": "x"}).status_code == 404


def test_a_dead_letter_is_listed_and_replayed(member, receiver, superuser_client):
    message = outbox.send(member.system, MessageType.HEARTBEAT, {"status": "ok"}, correlation_id=CODE)
    OutboxMessage.objects.filter(pk=message.pk).update(status=OutboxStatus.DEAD, last_error="401 bad_signature")
    page = _page(superuser_client, MEMBER)
    assert f'data-outbox="{message.pk}"' in page and "401 bad_signature" in page and 'data-action="replay"' in page
    answer = superuser_client.post(MEMBER + f"gui-lai/{message.pk}/")
    assert answer.status_code == 302 and answer["Location"] == MEMBER + "#dead-letters"
    message.refresh_from_db()
    assert message.status == OutboxStatus.PENDING and message.attempts == 0
    assert TraceEntry.objects.filter(message_id=str(message.message_id), event="replayed").exists()
    assert AuditEvent.objects.filter(action="exchange.replayed").count() == 1
    superuser_client.post(MEMBER + f"gui-lai/{message.pk}/")  # no longer dead: nothing happens
    assert AuditEvent.objects.filter(action="exchange.replayed").count() == 1
    assert outbox.deliver(message.pk) == OutboxStatus.DELIVERED
