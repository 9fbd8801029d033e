"""Validity of stored documents (D1) and reminders before they expire (A7)."""

from __future__ import annotations

import hashlib
import io
from datetime import timedelta

import pytest
from django.conf import settings
from django.core.files.base import ContentFile
from django.utils import timezone
from pypdf import PdfWriter

from dichvucong.catalog.models import Procedure
from dichvucong.celery import app as celery_app
from dichvucong.datastore.constants import DocumentType, SignatureStatus
from dichvucong.datastore.models import StoredDocument
from dichvucong.datastore.services import (
    StoreRefused,
    offers_by_component,
    record_issued_result,
    remind_expiring_documents,
    reuse_in_dossier,
    set_validity,
)
from dichvucong.datastore.tasks import remind_expiring_documents as remind_task
from dichvucong.dossiers.services import create_draft
from tests.accounts.factories import verified_citizen
from tests.accounts.helpers import csrf_client
from tests.conftest import sign_in_at_level
from tests.datastore.test_reuse import component_index, token

pytestmark = pytest.mark.django_db

AUTHORISATION_COMPONENT = "Văn bản ủy quyền (được chứng thực)"


@pytest.fixture(autouse=True)
def _storage(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    settings.MALWARE_SCANNER = "eicar"
    settings.DATASTORE_EXPIRY_REMIND_DAYS = 30


def today():
    return timezone.localdate()


def days(n: int):
    return today() + timedelta(days=n)


def dmy(day) -> str:
    return day.strftime("%d/%m/%Y")


def distinct_pdf(tag: str) -> bytes:
    """A valid one-page PDF whose bytes (and so sha256) differ by ``tag``."""
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    writer.add_metadata({"/Title": tag})
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def kept(owner, *, title="Văn bản ủy quyền", document_type=DocumentType.AUTHORISATION, **fields) -> StoredDocument:
    """An upload kept in the owner's store, with a real file (so that it can be reused)."""
    serial = StoredDocument.objects.count()
    content = distinct_pdf(f"{title}-{owner.pk}-{serial}")
    document = StoredDocument(owner=owner, title=title, document_type=document_type,
                              original_name=f"giay-to-{owner.pk}-{serial}.pdf", content_type="application/pdf",
                              size=len(content), sha256=hashlib.sha256(content).hexdigest(), **fields)
    document.file.save("giay-to.pdf", ContentFile(content), save=True)
    return document


def issued(owner, **fields) -> StoredDocument:
    procedure = Procedure.objects.get(code="1.001193")
    values = {"title": "Giấy khai sinh", "document_type": DocumentType.BIRTH_CERTIFICATE,
              "issuing_agency": procedure.owner, "result_reference": f"KS-{owner.pk}/2026",
              "signature_status": SignatureStatus.VALID, "valid_from": days(-10), "valid_until": days(300)}
    return record_issued_result(owner, content=distinct_pdf(f"ks-{owner.pk}"), filename="khai-sinh.pdf",
                                **{**values, **fields})


def signed_in(user):
    client = csrf_client()
    sign_in_at_level(client, user, 2)
    return client


def post_validity(client, document, **data):
    url = f"/kho-du-lieu/{document.pk}/hieu-luc/"
    return client.post(url, {"csrfmiddlewaretoken": token(client, url), "valid_from": "", "valid_until": "", **data})


# --- the owner edits the dates ------------------------------------------------------------


def test_the_owner_sets_then_corrects_then_clears_the_dates_of_an_upload():
    owner = verified_citizen()
    document = kept(owner)
    client = signed_in(owner)
    page = client.get("/kho-du-lieu/").content.decode()
    assert "Không ghi thời hạn" in page and f"/kho-du-lieu/{document.pk}/hieu-luc/" in page

    response = post_validity(client, document, valid_from=days(-100).isoformat(), valid_until=days(200).isoformat())
    assert response.status_code == 302
    document.refresh_from_db()
    assert (document.valid_from, document.valid_until) == (days(-100), days(200))
    assert f"Còn hiệu lực đến {dmy(days(200))}" in client.get("/kho-du-lieu/").content.decode()

    # Typed the Vietnamese way (no date picker in the browser).
    post_validity(client, document, valid_from=dmy(days(-50)), valid_until=dmy(days(150)))
    document.refresh_from_db()
    assert (document.valid_from, document.valid_until) == (days(-50), days(150))

    post_validity(client, document)
    document.refresh_from_db()
    assert document.valid_from is None and document.valid_until is None


@pytest.mark.parametrize(("valid_from", "valid_until"), [
    ("2030-06-02", "2030-06-01"),  # ends before it starts
    ("", "31/02/2030"),  # no such day
    ("hôm qua", ""),
    ("2030-13-01", ""),
    ("", "2030-01-01'; DROP TABLE x"),
])
def test_bad_dates_are_refused_with_a_message_and_nothing_changes(valid_from, valid_until):
    owner = verified_citizen()
    document = kept(owner, valid_until=days(200))
    response = post_validity(signed_in(owner), document, valid_from=valid_from, valid_until=valid_until)
    assert response.status_code == 400
    page = response.content.decode()
    assert "Có lỗi cần sửa" in page and "error-text" in page
    document.refresh_from_db()
    assert document.valid_from is None and document.valid_until == days(200)


def test_the_service_refuses_dates_ending_before_they_start_and_the_database_too():
    owner = verified_citizen()
    document = kept(owner)
    with pytest.raises(StoreRefused) as refused:
        set_validity(document, owner=owner, valid_from=days(10), valid_until=days(9))
    assert refused.value.code == "ends_before_start"
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        StoredDocument.objects.filter(pk=document.pk).update(valid_from=days(10), valid_until=days(9))


def test_nobody_edits_someone_elses_document():
    owner, stranger = verified_citizen(), verified_citizen()
    document = kept(owner, valid_until=days(200))
    client = signed_in(stranger)
    url = f"/kho-du-lieu/{document.pk}/hieu-luc/"
    assert client.get(url).status_code == 404
    response = client.post(url, {"csrfmiddlewaretoken": token(client, "/kho-du-lieu/"), "valid_until": "2040-01-01"})
    assert response.status_code == 404
    with pytest.raises(StoreRefused):
        set_validity(document, owner=stranger, valid_from=None, valid_until=days(5))
    document.refresh_from_db()
    assert document.valid_until == days(200)


def test_an_issued_results_dates_are_the_agencys():
    owner = verified_citizen()
    result = issued(owner)
    client = signed_in(owner)
    page = client.get("/kho-du-lieu/").content.decode()
    assert f"/kho-du-lieu/{result.pk}/hieu-luc/" not in page
    assert f"Còn hiệu lực đến {dmy(days(300))}" in page

    url = f"/kho-du-lieu/{result.pk}/hieu-luc/"
    response = client.get(url, follow=True)
    assert response.redirect_chain and "cơ quan cấp" in response.content.decode()
    client.post(url, {"csrfmiddlewaretoken": token(client, "/kho-du-lieu/"), "valid_until": "2099-01-01"})
    with pytest.raises(StoreRefused) as refused:
        set_validity(result, owner=owner, valid_from=None, valid_until=days(1000))
    assert refused.value.code == "issued_result"
    result.refresh_from_db()
    assert (result.valid_from, result.valid_until) == (days(-10), days(300))


# --- the list shows where each document stands -------------------------------------------


def test_the_list_shows_validity_and_provenance():
    owner = verified_citizen()
    kept(owner, title="Còn lâu", valid_until=days(200))
    kept(owner, title="Sắp hết", valid_until=days(29))
    kept(owner, title="Hết rồi", valid_until=days(-1))
    kept(owner, title="Chưa tới", valid_from=days(3))
    revoked = kept(owner, title="Bị thu hồi", revoked_at=timezone.now(), revocation_reason="Cấp nhầm người")
    procedure = Procedure.objects.get(code="1.001193")
    dossier = create_draft(applicant=owner, procedure=procedure, agency=procedure.owner)
    result = issued(owner, source_dossier=dossier)

    page = signed_in(owner).get("/kho-du-lieu/").content.decode()
    assert f"Còn hiệu lực đến {dmy(days(200))}" in page
    assert "Sắp hết hạn" in page and f"Còn hiệu lực đến {dmy(days(29))}" in page
    assert "Hết hạn</strong>" in page and f"Hiệu lực đến hết ngày {dmy(days(-1))}" in page
    assert f"Có hiệu lực từ {dmy(days(3))}" in page
    assert "Đã thu hồi" in page and "Cấp nhầm người" in page
    assert f"/kho-du-lieu/{revoked.pk}/hieu-luc/" not in page  # past correcting
    # Provenance of the issued result: agency, reference, signature, the dossier it came from.
    assert procedure.owner.name in page and result.result_reference in page
    assert "Chữ ký số hợp lệ" in page and f'href="/ho-so/{dossier.pk}/"' in page
    assert "<script>" not in page.split("<main", 1)[-1] and "style=" not in page


def test_a_document_at_the_edge_of_the_window_is_expiring_and_stays_valid_on_its_last_day():
    owner = verified_citizen()
    kept(owner, title="Biên", valid_until=days(30))
    kept(owner, title="Ngoài", valid_until=days(31))
    kept(owner, title="Hôm nay", valid_until=days(0))
    offered = offers_by_component(owner, [AUTHORISATION_COMPONENT])[0]
    assert {d.title for d in offered} == {"Biên", "Ngoài", "Hôm nay"}
    assert remind_expiring_documents() == 2  # 30 days left and the last day; not 31


# --- expired and revoked documents are not reused -----------------------------------------


def test_expired_revoked_and_not_yet_valid_documents_are_neither_offered_nor_reusable():
    owner = verified_citizen()
    procedure = Procedure.objects.get(code="1.001193")
    index = component_index(procedure, DocumentType.AUTHORISATION)
    usable = kept(owner, title="Dùng được", valid_until=days(5))
    undated = kept(owner, title="Không thời hạn")
    expired = kept(owner, title="Hết hạn rồi", valid_until=days(-1))
    revoked = kept(owner, title="Thu hồi rồi", revoked_at=timezone.now(), revocation_reason="x")
    early = kept(owner, title="Chưa hiệu lực", valid_from=days(1))

    offered = offers_by_component(owner, [AUTHORISATION_COMPONENT, "Tờ khai"])
    assert {d.pk for d in offered[0]} == {usable.pk, undated.pk} and offered[1] == []

    draft = create_draft(applicant=owner, procedure=procedure, agency=procedure.owner)
    for document, code in ((expired, "expired"), (revoked, "revoked"), (early, "not_yet_valid")):
        with pytest.raises(StoreRefused) as refused:
            reuse_in_dossier(document, draft, applicant=owner, component_index=index)
        assert refused.value.code == code
    assert not draft.attachments.exists()

    client = signed_in(owner)
    page = client.get(f"/ho-so/{draft.pk}/").content.decode()
    assert usable.original_name in page and undated.original_name in page
    assert not any(d.original_name in page for d in (expired, revoked, early))
    for document in (expired, revoked):
        client.post(f"/ho-so/{draft.pk}/dung-lai/", {"csrfmiddlewaretoken": token(client, f"/ho-so/{draft.pk}/"),
                                                     "component": str(index), "document": str(document.pk)})
    assert not draft.attachments.exists()
    reuse_in_dossier(usable, draft, applicant=owner, component_index=index)
    assert draft.attachments.count() == 1


# --- reminders (A7) -----------------------------------------------------------------------


def test_the_owner_is_reminded_once_and_again_after_a_new_end_date(mailoutbox, django_capture_on_commit_callbacks):
    from dichvucong.notifications.models import Notification

    owner = verified_citizen()
    soon = kept(owner, title=f"Giấy ủy quyền của {owner.pin}", valid_until=days(20))
    kept(owner, title="Còn lâu", valid_until=days(90))
    kept(owner, title="Đã hết", valid_until=days(-3))
    kept(owner, title="Thu hồi", valid_until=days(10), revoked_at=timezone.now())

    with django_capture_on_commit_callbacks(execute=True):
        assert remind_task.delay().get() == {"reminded": 1}
    assert len(mailoutbox) == 1
    mail = mailoutbox[0]
    assert mail.to == [owner.email] and "sắp hết hạn" in mail.subject
    assert dmy(days(20)) in mail.body and "/kho-du-lieu/" in mail.body
    assert owner.pin not in mail.body and owner.pin not in mail.subject  # never an identification number
    assert Notification.objects.filter(recipient=owner, kind="reminder").count() == 1  # in the inbox too
    soon.refresh_from_db()
    assert soon.expiry_reminded_at is not None

    with django_capture_on_commit_callbacks(execute=True):
        assert remind_expiring_documents() == 0  # never twice
        set_validity(soon, owner=owner, valid_from=None, valid_until=days(20))  # same end date: nothing new
        assert remind_expiring_documents() == 0
        set_validity(soon, owner=owner, valid_from=None, valid_until=days(25))  # a new end date, reminded again
        soon.refresh_from_db()
        assert soon.expiry_reminded_at is None
        assert remind_expiring_documents() == 1
    assert len(mailoutbox) == 2 and dmy(days(25)) in mailoutbox[1].body


def test_without_a_confirmed_address_the_reminder_waits_in_the_inbox(mailoutbox, django_capture_on_commit_callbacks):
    from dichvucong.notifications.models import Notification

    owner = verified_citizen(email_confirmed_at=None)
    kept(owner, valid_until=days(10))
    with django_capture_on_commit_callbacks(execute=True):
        assert remind_expiring_documents() == 1
    assert mailoutbox == []
    notice = Notification.objects.get(recipient=owner, kind="reminder")
    assert "sắp hết hạn" in notice.subject and not notice.deliveries.exists()


def test_the_reminder_runs_daily_from_beat():
    entries = [entry for entry in settings.CELERY_BEAT_SCHEDULE.values()
               if entry["task"] == "datastore.remind_expiring_documents"]
    assert len(entries) == 1
    assert "datastore.remind_expiring_documents" in celery_app.tasks
