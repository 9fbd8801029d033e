"""The personal data store (D1): keep an upload with consent, reuse it in another dossier, delete."""

import re

import pytest

from dichvucong.catalog.models import Procedure
from dichvucong.datastore.constants import DocumentType
from dichvucong.datastore.models import StoredDocument
from dichvucong.datastore.services import document_type_for
from dichvucong.dossiers.services import create_draft
from tests.accounts.factories import verified_citizen
from tests.accounts.helpers import csrf_client
from tests.conftest import sign_in_at_level
from tests.dossiers.test_attachments import pdf, upload

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _storage(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    settings.MALWARE_SCANNER = "eicar"


def token(client, url):
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', client.get(url).content.decode()).group(1)


def component_index(procedure: Procedure, document_type: str) -> int:
    return next(i for i, c in enumerate(procedure.current.components) if document_type_for(c["name"]) == document_type)


def test_component_names_point_at_document_types():
    assert document_type_for("Bản sao Giấy khai sinh của người con") == DocumentType.BIRTH_CERTIFICATE
    assert document_type_for("Giấy chứng sinh do cơ sở y tế cấp") == DocumentType.BIRTH_NOTICE
    assert document_type_for("Văn bản ủy quyền (được chứng thực)") == DocumentType.AUTHORISATION
    assert document_type_for("Tờ khai theo mẫu") == DocumentType.OTHER


def test_an_upload_kept_with_consent_is_offered_and_reused_in_the_next_dossier():
    user = verified_citizen()
    procedure = Procedure.objects.get(code="1.001193")
    index = component_index(procedure, DocumentType.AUTHORISATION)
    first = create_draft(applicant=user, procedure=procedure, agency=procedure.owner)
    client = csrf_client()
    sign_in_at_level(client, user, 2)
    client.post(f"/ho-so/{first.pk}/dinh-kem/", {"csrfmiddlewaretoken": token(client, f"/ho-so/{first.pk}/"),
                                                "component": str(index), "file": upload("uy-quyen.pdf", pdf()),
                                                "keep": "on"})
    kept = StoredDocument.objects.get(owner=user)
    assert kept.document_type == DocumentType.AUTHORISATION and kept.source_dossier == first

    second = create_draft(applicant=user, procedure=procedure, agency=procedure.owner)
    page = client.get(f"/ho-so/{second.pk}/").content.decode()
    assert "Dùng giấy tờ này" in page and "uy-quyen.pdf" in page
    client.post(f"/ho-so/{second.pk}/dung-lai/", {"csrfmiddlewaretoken": token(client, f"/ho-so/{second.pk}/"),
                                                 "component": str(index), "document": str(kept.pk)})
    reused = second.attachments.get()
    assert reused.sha256 == kept.sha256 and reused.component_index == index


def test_without_consent_nothing_is_kept_and_nobody_reuses_anothers_document():
    owner, stranger = verified_citizen(), verified_citizen()
    procedure = Procedure.objects.get(code="1.001193")
    draft = create_draft(applicant=owner, procedure=procedure, agency=procedure.owner)
    client = csrf_client()
    sign_in_at_level(client, owner, 2)
    client.post(f"/ho-so/{draft.pk}/dinh-kem/", {"csrfmiddlewaretoken": token(client, f"/ho-so/{draft.pk}/"),
                                                "component": "0", "file": upload("a.pdf", pdf())})
    assert not StoredDocument.objects.exists()
    document = StoredDocument.objects.create(owner=owner, title="x", original_name="x.pdf",
                                             content_type="application/pdf", size=1, sha256="0")
    theirs = create_draft(applicant=stranger, procedure=procedure, agency=procedure.owner)
    other = csrf_client()
    sign_in_at_level(other, stranger, 2)
    response = other.post(f"/ho-so/{theirs.pk}/dung-lai/", {
        "csrfmiddlewaretoken": token(other, f"/ho-so/{theirs.pk}/"), "component": "0", "document": str(document.pk)})
    assert response.status_code == 404 and not theirs.attachments.exists()
    assert other.get(f"/kho-du-lieu/{document.pk}/").status_code == 404


def test_uploads_can_be_deleted_but_issued_results_are_kept():
    owner = verified_citizen()
    client = csrf_client()
    sign_in_at_level(client, owner, 2)
    upload_doc = StoredDocument.objects.create(owner=owner, title="x", original_name="x.pdf",
                                               content_type="application/pdf", size=1, sha256="0")
    result = StoredDocument.objects.create(owner=owner, title="Giấy khai sinh", original_name="kq.pdf",
                                           content_type="application/pdf", size=1, sha256="1", is_issued_result=True)
    client.post(f"/kho-du-lieu/{upload_doc.pk}/xoa/", {"csrfmiddlewaretoken": token(client, "/kho-du-lieu/")})
    client.post(f"/kho-du-lieu/{result.pk}/xoa/", {"csrfmiddlewaretoken": token(client, "/kho-du-lieu/")})
    assert list(StoredDocument.objects.filter(owner=owner)) == [result]
