"""Applying online through the pages: start, save a draft, submit once, receipt, my dossiers."""

import re

import pytest

from dichvucong.catalog.models import Procedure
from dichvucong.dossiers.models import Dossier
from tests.accounts.factories import verified_citizen
from tests.accounts.helpers import csrf_client, post_form
from tests.conftest import sign_in_at_level
from tests.dossiers.test_eforms import birth_data

pytestmark = pytest.mark.django_db
BIRTH = "1.001193"


@pytest.fixture
def applicant():
    user = verified_citizen(phone="+84912000555")
    client = csrf_client()
    sign_in_at_level(client, user, 2)
    return user, client


def hanoi_commune() -> str:
    from dichvucong.dossiers.eforms import commune_choices

    return dict(commune_choices())["Thành phố Hà Nội"][0][0]


def start(client, code: str = BIRTH):
    """Choose the place the procedure needs (a Hà Nội commune or the city), then start a draft."""
    from dichvucong.dossiers.selectors import receiving_level

    level = receiving_level(Procedure.objects.get(code=code))
    place = {"commune": {"province": "1", "commune": hanoi_commune()}, "province": {"province": "1"}}.get(level, {})
    return post_form(client, f"/ho-so/bat-dau/{code}/", place)


def test_a_draft_is_saved_and_resumed_then_submitted_once(applicant):
    user, client = applicant
    response = start(client)
    dossier = Dossier.objects.get(applicant=user)
    assert response["Location"] == f"/ho-so/{dossier.pk}/"
    page = client.get(f"/ho-so/{dossier.pk}/").content.decode()
    assert user.pin in page and "Đã xác thực" in page  # prefilled, with its provenance
    post_form(client, f"/ho-so/{dossier.pk}/", {"action": "save", "child__full_name": "Nguyễn Minh An"})
    dossier.refresh_from_db()
    assert dossier.data["child__full_name"] == "Nguyễn Minh An"
    assert 'value="Nguyễn Minh An"' in client.get(f"/ho-so/{dossier.pk}/").content.decode()  # resumed

    form_page = client.get(f"/ho-so/{dossier.pk}/").content.decode()
    key = re.search(r'name="submission_key" value="([^"]+)"', form_page).group(1)
    payload = {**birth_data(), "delivery_method": "in_person", "submission_key": key, "action": "submit"}
    first = post_form(client, f"/ho-so/{dossier.pk}/", payload)
    second = post_form(client, f"/ho-so/{dossier.pk}/", payload)  # a double click
    assert first["Location"] == second["Location"] == f"/ho-so/{dossier.pk}/bien-nhan/"
    dossier.refresh_from_db()
    assert dossier.status == "submitted" and dossier.delivery_method == "in_person"
    assert dossier.data["applicant.pin"] == user.pin and dossier.data["child.full_name"] == "Nguyễn Minh An"
    receipt = client.get(f"/ho-so/{dossier.pk}/bien-nhan/").content.decode()
    assert dossier.code in receipt and "<svg" in receipt
    assert dossier.code in client.get("/ho-so/").content.decode()


def test_errors_are_shown_field_by_field_and_nothing_is_submitted(applicant):
    user, client = applicant
    start(client)
    dossier = Dossier.objects.get(applicant=user)
    response = post_form(client, f"/ho-so/{dossier.pk}/", {
        **birth_data(applicant__phone="123"), "delivery_method": "online", "action": "submit"})
    assert response.status_code == 200 and "error-summary" in response.content.decode()
    dossier.refresh_from_db()
    assert dossier.status == "draft"


def test_a_procedure_without_its_own_form_gets_the_generic_one(applicant):
    user, client = applicant
    from dichvucong.dossiers.eforms import SCHEMA_DIR

    with_forms = [path.stem for path in SCHEMA_DIR.glob("*.json")]
    procedure = Procedure.objects.filter(assurance_level__lte=2, status="active", owner__isnull=False).exclude(
        service_level="offline").exclude(code__in=with_forms).first()
    start(client, procedure.code)
    dossier = Dossier.objects.get(applicant=user)
    page = client.get(f"/ho-so/{dossier.pk}/").content.decode()
    assert "Nội dung đề nghị" in page and "Tôi cam đoan" in page


def test_someone_elses_dossier_is_not_found_and_a_level_below_the_procedure_steps_up(applicant):
    user, client = applicant
    start(client)
    dossier = Dossier.objects.get(applicant=user)
    stranger = csrf_client()
    sign_in_at_level(stranger, verified_citizen(), 3)
    assert stranger.get(f"/ho-so/{dossier.pk}/").status_code == 404
    assert stranger.get(f"/ho-so/{dossier.pk}/bien-nhan/").status_code == 404
    low = csrf_client()
    sign_in_at_level(low, user, 1)
    assert low.get(f"/ho-so/{dossier.pk}/")["Location"].startswith("/tai-khoan/nang-cap/?level=2")


def test_the_applicant_withdraws_a_submitted_dossier(applicant):
    user, client = applicant
    start(client)
    dossier = Dossier.objects.get(applicant=user)
    post_form(client, f"/ho-so/{dossier.pk}/", {**birth_data(), "delivery_method": "online", "action": "submit"})
    post_form(client, f"/ho-so/{dossier.pk}/rut/", {"reason": "Nộp nhầm"}, token_from=f"/ho-so/{dossier.pk}/")
    dossier.refresh_from_db()
    assert dossier.status == "withdrawn" and dossier.events.last().reason == "Nộp nhầm"


def test_the_receipt_is_also_a_pdf_with_the_code_in_vietnamese(applicant):
    import io

    from pypdf import PdfReader

    user, client = applicant
    start(client)
    dossier = Dossier.objects.get(applicant=user)
    post_form(client, f"/ho-so/{dossier.pk}/", {**birth_data(), "delivery_method": "online", "action": "submit"})
    dossier.refresh_from_db()
    response = client.get(f"/ho-so/{dossier.pk}/bien-nhan.pdf")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    text = PdfReader(io.BytesIO(response.content)).pages[0].extract_text()
    assert dossier.code in text and "GIẤY BIÊN NHẬN HỒ SƠ" in text and "Thủ tục đăng ký khai sinh" in text
    stranger = csrf_client()
    sign_in_at_level(stranger, verified_citizen(), 3)
    assert stranger.get(f"/ho-so/{dossier.pk}/bien-nhan.pdf").status_code == 404


def test_a_commune_level_procedure_goes_to_the_chosen_communes_committee(applicant):
    user, client = applicant
    start(client)
    dossier = Dossier.objects.get(applicant=user)
    assert dossier.agency.level == "commune" and dossier.agency.ward_code == int(hanoi_commune())
    assert dossier.agency.province_code == 1


def test_the_place_must_be_chosen_and_consistent(applicant):
    from dichvucong.dossiers.eforms import commune_choices

    user, client = applicant
    page = client.get(f"/ho-so/bat-dau/{BIRTH}/").content.decode()
    assert 'name="commune"' in page and 'name="province"' in page
    assert post_form(client, f"/ho-so/bat-dau/{BIRTH}/", {}).status_code == 400
    saigon = dict(commune_choices())["Thành phố Hồ Chí Minh"][0][0]
    response = post_form(client, f"/ho-so/bat-dau/{BIRTH}/", {"province": "1", "commune": saigon})
    assert response.status_code == 400 and "không thuộc" in response.content.decode()
    assert not Dossier.objects.filter(applicant=user).exists()


def test_the_page_saves_the_draft_in_the_background(applicant):
    user, client = applicant
    start(client)
    dossier = Dossier.objects.get(applicant=user)
    saved = post_form(client, f"/ho-so/{dossier.pk}/", {"action": "save", "autosave": "1",
                                                       "child__full_name": "Trần Bảo Ngọc"})
    assert saved.status_code == 204 and not saved.content
    dossier.refresh_from_db()
    assert dossier.data == {"child__full_name": "Trần Bảo Ngọc"}  # the flag itself is not kept
    # A background save arriving after the submission changes nothing and is no error.
    form_page = client.get(f"/ho-so/{dossier.pk}/").content.decode()
    key = re.search(r'name="submission_key" value="([^"]+)"', form_page).group(1)
    post_form(client, f"/ho-so/{dossier.pk}/", {**birth_data(), "delivery_method": "online", "submission_key": key,
                                               "action": "submit"})
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form_page).group(1)
    late = client.post(f"/ho-so/{dossier.pk}/", {"action": "save", "autosave": "1", "csrfmiddlewaretoken": token,
                                                 "child__full_name": "Sau khi nộp"})
    dossier.refresh_from_db()
    assert late.status_code in (200, 409) and dossier.status == "submitted"
    assert dossier.data["child.full_name"] == "Nguyễn Minh An"


def test_fields_the_form_does_not_have_are_never_kept(applicant):
    """Forged fields, or a field of another version of the procedure's form, are dropped."""
    user, client = applicant
    start(client)
    dossier = Dossier.objects.get(applicant=user)
    form_page = client.get(f"/ho-so/{dossier.pk}/").content.decode()
    key = re.search(r'name="submission_key" value="([^"]+)"', form_page).group(1)
    post_form(client, f"/ho-so/{dossier.pk}/", {
        **birth_data(), "delivery_method": "online", "submission_key": key, "action": "submit",
        "child__nationality_v0": "Xưa", "status": "result_issued", "applicant__is_official": "on"})
    dossier.refresh_from_db()
    assert dossier.status == "submitted"
    assert not {"child.nationality_v0", "status", "applicant.is_official"} & set(dossier.data)
    assert not any(key.startswith(("status", "child__nationality")) for key in dossier.data)


def test_a_document_revoked_after_it_was_attached_stops_the_submission(applicant):
    from dichvucong.catalog.models import Agency
    from dichvucong.datastore import services as datastore
    from dichvucong.datastore.constants import DocumentType
    from tests.dossiers.test_attachments import pdf

    user, client = applicant
    agency = Agency.objects.filter(code__isnull=False).exclude(code="").first()
    result = datastore.record_issued_result(
        user, content=pdf(), filename="giay-chung-sinh.pdf", title="Giấy chứng sinh",
        document_type=DocumentType.BIRTH_NOTICE, issuing_agency=agency, result_reference="CS-2026-001")
    start(client)
    dossier = Dossier.objects.get(applicant=user)
    datastore.reuse_in_dossier(result, dossier, applicant=user, component_index=0)
    datastore.revoke_issued_result(issuing_agency=agency, result_reference="CS-2026-001", reason="Cấp nhầm")
    form_page = client.get(f"/ho-so/{dossier.pk}/").content.decode()
    key = re.search(r'name="submission_key" value="([^"]+)"', form_page).group(1)
    response = post_form(client, f"/ho-so/{dossier.pk}/", {
        **birth_data(), "delivery_method": "online", "submission_key": key, "action": "submit"})
    assert response["Location"].endswith("#dinh-kem")
    dossier.refresh_from_db()
    assert dossier.status == "draft" and dossier.code is None
    assert "đã bị cơ quan cấp thu hồi" in client.get(response["Location"]).content.decode()
