"""Supplementing a dossier (C5): the agency asks, the applicant uploads and sends; history is kept."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from dichvucong.catalog.models import Procedure
from dichvucong.dossiers import state_machine
from dichvucong.dossiers.attachments import AttachmentRefused, attach_file
from dichvucong.dossiers.constants import Actor, DossierStatus
from dichvucong.dossiers.scanning import EICAR
from dichvucong.dossiers.services import create_draft, supply_supplement
from dichvucong.dossiers.state_machine import TransitionRefused
from tests.accounts.factories import verified_citizen
from tests.accounts.helpers import csrf_client, post_form
from tests.conftest import sign_in_at_level
from tests.dossiers.test_attachments import pdf

pytestmark = pytest.mark.django_db
REASON = "Thiếu bản sao giấy chứng sinh có chứng thực"


@pytest.fixture(autouse=True)
def _storage(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    settings.MALWARE_SCANNER = "eicar"


def upload(name: str, data: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type="application/octet-stream")


def ask_for_more(dossier, reason: str = REASON):
    return state_machine.transition(dossier, DossierStatus.AWAITING_SUPPLEMENT, actor_kind=Actor.OFFICIAL,
                                    reason=reason)


def filed_dossier(applicant=None, *, status: str = DossierStatus.AWAITING_SUPPLEMENT):
    """A birth registration filed with one document, received, then (by default) asked for more."""
    applicant = applicant or verified_citizen()
    procedure = Procedure.objects.get(code="1.001193")
    dossier = create_draft(applicant=applicant, procedure=procedure, agency=procedure.owner)
    attach_file(dossier, applicant=applicant, component_index=0, upload=upload("to-khai.pdf", pdf()))
    state_machine.transition(dossier, DossierStatus.SUBMITTED, actor_kind=Actor.APPLICANT, actor=applicant)
    state_machine.transition(dossier, DossierStatus.RECEIVED, actor_kind=Actor.OFFICIAL)
    if status == DossierStatus.AWAITING_SUPPLEMENT:
        ask_for_more(dossier)
    elif status == DossierStatus.PROCESSING:
        state_machine.transition(dossier, DossierStatus.PROCESSING, actor_kind=Actor.OFFICIAL)
    return dossier


@pytest.fixture
def applicant():
    user = verified_citizen()
    client = csrf_client()
    sign_in_at_level(client, user, 2)
    return user, client


def test_the_applicant_sees_the_request_uploads_and_sends_the_supplement(applicant):
    user, client = applicant
    dossier = filed_dossier(user)
    original = dossier.attachments.get()
    page = client.get(f"/ho-so/{dossier.pk}/").content.decode()
    assert REASON in page and "Gửi bổ sung" in page and "nộp ban đầu" in page
    asked_at = dossier.events.get(to_status=DossierStatus.AWAITING_SUPPLEMENT).at
    assert f"Yêu cầu ngày {timezone.localtime(asked_at):%d/%m/%Y %H:%M}" in page

    response = post_form(client, f"/ho-so/{dossier.pk}/dinh-kem/",
                         {"component": "0", "file": upload("ban-sao-chung-thuc.pdf", pdf(2))},
                         token_from=f"/ho-so/{dossier.pk}/")
    assert response.status_code == 302 and response["Location"].endswith("#dinh-kem")
    supplied = dossier.attachments.get(supplement_round=1)
    assert supplied.component_index == 0 and supplied.pages == 2
    assert "tải lên cho lần bổ sung này" in client.get(f"/ho-so/{dossier.pk}/").content.decode()

    post_form(client, f"/ho-so/{dossier.pk}/bo-sung/", {"note": "Đã bổ sung bản sao có chứng thực."},
              token_from=f"/ho-so/{dossier.pk}/")
    dossier.refresh_from_db()
    event = dossier.events.last()
    assert dossier.status == DossierStatus.PROCESSING
    assert (event.from_status, event.to_status, event.actor_kind, event.actor) == (
        DossierStatus.AWAITING_SUPPLEMENT, DossierStatus.PROCESSING, Actor.APPLICANT, user)
    assert event.reason == "Đã bổ sung bản sao có chứng thực."
    # Nothing was replaced: the first file is still there, unchanged, next to the new one.
    original_again = dossier.attachments.get(pk=original.pk)
    assert original_again.supplement_round is None and original_again.sha256 == original.sha256
    page = client.get(f"/ho-so/{dossier.pk}/").content.decode()
    assert "Gửi bổ sung" not in page and "bổ sung lần 1" in page and "to-khai.pdf" in page
    assert client.get(f"/ho-so/{dossier.pk}/dinh-kem/{original.pk}/").status_code == 200


def test_each_request_has_its_own_round_and_earlier_files_stay():
    dossier = filed_dossier()
    attach_file(dossier, applicant=dossier.applicant, component_index=0, upload=upload("a.pdf", pdf()))
    supply_supplement(dossier, applicant=dossier.applicant, note="")
    ask_for_more(dossier, "Ảnh chụp chưa rõ, đề nghị chụp lại")
    attach_file(dossier, applicant=dossier.applicant, component_index=0, upload=upload("b.png", b"\x89PNG\r\n\x1a\n"))
    assert list(dossier.attachments.values_list("original_name", "supplement_round")) == [
        ("to-khai.pdf", None), ("a.pdf", 1), ("b.png", 2)]
    supply_supplement(dossier, applicant=dossier.applicant, note="")
    assert dossier.status == DossierStatus.PROCESSING


def test_a_note_alone_is_a_supplement_but_nothing_at_all_is_refused():
    dossier = filed_dossier()
    with pytest.raises(TransitionRefused) as refused:
        supply_supplement(dossier, applicant=dossier.applicant, note="   ")
    assert refused.value.code == "nothing_supplied"
    dossier.refresh_from_db()
    assert dossier.status == DossierStatus.AWAITING_SUPPLEMENT
    supply_supplement(dossier, applicant=dossier.applicant, note="Giấy chứng sinh đã nộp ở thành phần 1, trang 2.")
    assert dossier.status == DossierStatus.PROCESSING


def test_sending_without_anything_through_the_page_keeps_the_dossier_waiting(applicant):
    user, client = applicant
    dossier = filed_dossier(user)
    response = post_form(client, f"/ho-so/{dossier.pk}/bo-sung/", {"note": ""}, token_from=f"/ho-so/{dossier.pk}/")
    assert response.status_code == 302
    assert "Hãy tải lên giấy tờ bổ sung hoặc ghi chú" in client.get(f"/ho-so/{dossier.pk}/").content.decode()
    dossier.refresh_from_db()
    assert dossier.status == DossierStatus.AWAITING_SUPPLEMENT


@pytest.mark.parametrize("status", [DossierStatus.PROCESSING, DossierStatus.RECEIVED])
def test_nothing_is_accepted_when_no_supplement_is_asked(applicant, status):
    user, client = applicant
    dossier = filed_dossier(user, status=status)
    with pytest.raises(TransitionRefused):
        supply_supplement(dossier, applicant=user, note="Bổ sung")
    with pytest.raises(AttachmentRefused) as refused:
        attach_file(dossier, applicant=user, component_index=0, upload=upload("x.pdf", pdf()))
    assert refused.value.code == "not_permitted"
    page = client.get(f"/ho-so/{dossier.pk}/").content.decode()
    assert "Gửi bổ sung" not in page and 'name="file"' not in page
    post_form(client, f"/ho-so/{dossier.pk}/bo-sung/", {"note": "Bổ sung"}, token_from=f"/ho-so/{dossier.pk}/")
    post_form(client, f"/ho-so/{dossier.pk}/dinh-kem/", {"component": "0", "file": upload("x.pdf", pdf())},
              token_from=f"/ho-so/{dossier.pk}/")
    dossier.refresh_from_db()
    assert dossier.status == status and dossier.attachments.count() == 1


def test_a_supplement_is_sent_once():
    dossier = filed_dossier()
    supply_supplement(dossier, applicant=dossier.applicant, note="Lần 1")
    with pytest.raises(TransitionRefused) as refused:
        supply_supplement(dossier, applicant=dossier.applicant, note="Lần 1")
    assert refused.value.code == "not_allowed"
    assert dossier.events.filter(to_status=DossierStatus.PROCESSING).count() == 1


def test_someone_elses_dossier_is_not_found_and_refused(applicant):
    _, stranger_client = applicant
    dossier = filed_dossier()
    assert stranger_client.get(f"/ho-so/{dossier.pk}/").status_code == 404
    token_page = "/ho-so/"
    assert post_form(stranger_client, f"/ho-so/{dossier.pk}/bo-sung/", {"note": "x"},
                     token_from=token_page).status_code == 404
    assert post_form(stranger_client, f"/ho-so/{dossier.pk}/dinh-kem/",
                     {"component": "0", "file": upload("x.pdf", pdf())}, token_from=token_page).status_code == 404
    stranger = verified_citizen()
    with pytest.raises(TransitionRefused) as refused:
        supply_supplement(dossier, applicant=stranger, note="x")
    assert refused.value.code == "not_permitted"
    with pytest.raises(AttachmentRefused):
        attach_file(dossier, applicant=stranger, component_index=0, upload=upload("x.pdf", pdf()))
    dossier.refresh_from_db()
    assert dossier.status == DossierStatus.AWAITING_SUPPLEMENT and dossier.attachments.count() == 1


def test_malware_is_refused_during_a_supplement_too(applicant):
    user, client = applicant
    dossier = filed_dossier(user)
    with pytest.raises(AttachmentRefused) as refused:
        attach_file(dossier, applicant=user, component_index=0, upload=upload("eicar.png", b"\x89PNG\r\n\x1a\n" + EICAR))
    assert refused.value.code == "malware"
    post_form(client, f"/ho-so/{dossier.pk}/dinh-kem/",
              {"component": "0", "file": upload("eicar.png", b"\x89PNG\r\n\x1a\n" + EICAR)},
              token_from=f"/ho-so/{dossier.pk}/")
    assert "Tệp có mã độc" in client.get(f"/ho-so/{dossier.pk}/").content.decode()
    with pytest.raises(AttachmentRefused) as refused:
        attach_file(dossier, applicant=user, component_index=0, upload=upload("virus.pdf", b"MZ\x90\x00"))
    assert refused.value.code == "type_not_allowed"
    with pytest.raises(AttachmentRefused) as refused:
        attach_file(dossier, applicant=user, component_index=99, upload=upload("a.pdf", pdf()))
    assert refused.value.code == "unknown_component"
    assert not dossier.attachments.filter(supplement_round__isnull=False).exists()


def test_a_session_below_the_procedures_level_steps_up_first():
    user = verified_citizen()
    dossier = filed_dossier(user)
    client = csrf_client()
    sign_in_at_level(client, user, 1)
    response = post_form(client, f"/ho-so/{dossier.pk}/bo-sung/", {"note": "x"}, token_from=f"/ho-so/{dossier.pk}/")
    assert response["Location"].startswith("/tai-khoan/nang-cap/?level=2")
    dossier.refresh_from_db()
    assert dossier.status == DossierStatus.AWAITING_SUPPLEMENT
