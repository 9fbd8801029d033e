"""Attachments (C2): checked by content, size and pages, scanned by clamd, served to the owner only."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from pypdf import PdfWriter

from dichvucong.catalog.models import Procedure
from dichvucong.dossiers.attachments import AttachmentRefused, attach_file
from dichvucong.dossiers.scanning import EICAR
from dichvucong.dossiers.services import create_draft
from simulators import clamd
from tests.accounts.factories import verified_citizen
from tests.accounts.helpers import csrf_client
from tests.conftest import sign_in_at_level

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def clamd_server():
    server = clamd.start()
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture(autouse=True)
def _storage_and_scanner(settings, tmp_path, clamd_server):
    settings.MEDIA_ROOT = tmp_path
    settings.MALWARE_SCANNER = "clamd"
    settings.CLAMD_HOST, settings.CLAMD_PORT = clamd_server.server_address
    settings.CLAMD_TIMEOUT_SECONDS = 2
    clamd_server.mode = "normal"


@pytest.fixture
def draft():
    procedure = Procedure.objects.get(code="1.001193")
    return create_draft(applicant=verified_citizen(), procedure=procedure, agency=procedure.owner)


def pdf(pages: int = 1) -> bytes:
    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(width=595, height=842)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def upload(name: str, data: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type="application/octet-stream")


def test_a_clean_pdf_is_stored_under_a_random_name(draft):
    attachment = attach_file(draft, applicant=draft.applicant, component_index=0, upload=upload("giay-chung-sinh.pdf", pdf(2)))
    assert attachment.content_type == "application/pdf" and attachment.pages == 2
    assert "giay-chung-sinh" not in attachment.file.name and attachment.file.name.endswith(".pdf")
    assert attachment.original_name == "giay-chung-sinh.pdf"


@pytest.mark.parametrize(
    ("name", "data", "code"),
    [
        ("virus.pdf", b"MZ\x90\x00 executable", "type_not_allowed"),  # the name says PDF, the content does not
        ("eicar.pdf", b"%PDF-1.4\n" + EICAR, "unreadable"),  # not a PDF a reader can open
        ("eicar.png", b"\x89PNG\r\n\x1a\n" + EICAR, "malware"),  # clamd finds it
    ],
)
def test_content_decides_and_malware_is_refused(draft, name, data, code):
    with pytest.raises(AttachmentRefused) as refused:
        attach_file(draft, applicant=draft.applicant, component_index=0, upload=upload(name, data))
    assert refused.value.code == code
    assert not draft.attachments.exists()


def test_size_and_page_limits(draft, settings):
    settings.ATTACHMENT_MAX_PAGES = 3
    with pytest.raises(AttachmentRefused, match="too_many_pages"):
        attach_file(draft, applicant=draft.applicant, component_index=0, upload=upload("a.pdf", pdf(4)))
    settings.ATTACHMENT_MAX_BYTES = 1000
    with pytest.raises(AttachmentRefused, match="too_large"):
        attach_file(draft, applicant=draft.applicant, component_index=0, upload=upload("b.png", b"\x89PNG\r\n\x1a\n" + b"0" * 2000))


def test_a_scanner_that_cannot_answer_refuses_the_file(draft, settings, clamd_server):
    clamd_server.mode = "hang_up"
    with pytest.raises(AttachmentRefused, match="scanner_unavailable"):
        attach_file(draft, applicant=draft.applicant, component_index=0, upload=upload("a.pdf", pdf()))
    settings.CLAMD_PORT = 9  # nothing listens
    with pytest.raises(AttachmentRefused, match="scanner_unavailable"):
        attach_file(draft, applicant=draft.applicant, component_index=0, upload=upload("a.pdf", pdf()))


def test_upload_and_download_through_the_pages_for_the_owner_only(draft):
    client = csrf_client()
    sign_in_at_level(client, draft.applicant, 2)
    page = client.get(f"/ho-so/{draft.pk}/").content.decode()
    import re

    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    response = client.post(f"/ho-so/{draft.pk}/dinh-kem/", {
        "csrfmiddlewaretoken": token, "component": "0", "file": upload("to-khai.pdf", pdf())})
    assert response.status_code == 302
    attachment = draft.attachments.get()
    download = client.get(f"/ho-so/{draft.pk}/dinh-kem/{attachment.pk}/")
    assert download.status_code == 200 and b"".join(download.streaming_content).startswith(b"%PDF")
    assert "attachment" in download["Content-Disposition"] and download["Cache-Control"] == "private, no-store"
    stranger = csrf_client()
    sign_in_at_level(stranger, verified_citizen(), 3)
    assert stranger.get(f"/ho-so/{draft.pk}/dinh-kem/{attachment.pk}/").status_code == 404
