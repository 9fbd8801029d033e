"""Public lookup of a dossier's status (F3): code plus the receipt's secret or the filer's phone."""

import io
import re

import pytest
from django.test import Client

from dichvucong.catalog.models import Procedure
from dichvucong.dossiers import state_machine
from dichvucong.dossiers.constants import Actor, DeliveryMethod, DossierStatus
from dichvucong.dossiers.lookup import LOOKUP_ALPHABET, lookup_secret
from dichvucong.dossiers.services import create_draft, submit_dossier
from tests.accounts.factories import verified_citizen
from tests.accounts.helpers import csrf_client, post_form
from tests.conftest import sign_in_at_level

pytestmark = pytest.mark.django_db
URL = "/tra-cuu-ho-so/"
PHONE = "+84912345678"
GENERIC = "Không tìm thấy hồ sơ với thông tin đã nhập"
REFUSAL = "Bản sao giấy chứng sinh của Nguyễn Văn Bình không hợp lệ"


def submitted_dossier(applicant=None, key: str = "k1"):
    applicant = applicant or verified_citizen(phone=PHONE)
    procedure = Procedure.objects.get(code="1.001193")  # birth registration, no fee
    draft = create_draft(applicant=applicant, procedure=procedure, agency=procedure.owner)
    return submit_dossier(draft, applicant=applicant, submission_key=key, delivery_method=DeliveryMethod.ONLINE)


def look_up(code: str, factor: str, client: Client | None = None):
    return post_form(client or csrf_client(), URL, {"code": code, "factor": factor})


def test_the_secret_is_stable_readable_and_differs_between_dossiers():
    first, second = submitted_dossier(), submitted_dossier(key="k2")
    assert lookup_secret(first.code) == lookup_secret(first.code)
    assert lookup_secret(first.code) != lookup_secret(second.code)
    assert re.fullmatch(rf"[{LOOKUP_ALPHABET}]{{4}}-[{LOOKUP_ALPHABET}]{{4}}", lookup_secret(first.code))


def test_code_and_secret_show_the_public_status_and_history_only():
    dossier = submitted_dossier()
    state_machine.transition(dossier, DossierStatus.RECEIVED, actor_kind=Actor.OFFICIAL)
    state_machine.transition(dossier, DossierStatus.REFUSED, actor_kind=Actor.OFFICIAL, reason=REFUSAL)
    response = look_up(dossier.code, lookup_secret(dossier.code).lower().replace("-", " "))
    page = response.content.decode()
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    assert dossier.code in page and "Thủ tục đăng ký khai sinh" in page and dossier.agency.name in page
    assert "Từ chối" in page and "Đã tiếp nhận" in page and "Đã nộp" in page
    applicant = dossier.applicant
    for personal in (REFUSAL, applicant.display_name, applicant.pin, applicant.phone, "/dinh-kem/"):
        assert personal not in page


@pytest.mark.parametrize("spelling", ["0912345678", "+84912345678", "84912345678", "0912 345 678", "091.234.5678"])
def test_code_and_the_filers_phone_in_any_usual_spelling(spelling):
    dossier = submitted_dossier()
    response = look_up(dossier.code, spelling)
    assert response.status_code == 200 and "Đã nộp" in response.content.decode()
    assert PHONE not in response.content.decode()


def test_every_failure_gives_the_same_message():
    dossier, other = submitted_dossier(), submitted_dossier(key="k2")
    tries = [
        (dossier.code, lookup_secret(other.code)),  # another dossier's secret
        (dossier.code, "0987654321"),  # a phone, not the filer's
        (dossier.code, ""),
        (dossier.code[:-1] + "9", lookup_secret(dossier.code)),  # unknown code
    ]
    pages = []
    for code, factor in tries:
        response = look_up(code, factor)
        assert response.status_code == 400
        pages.append(response.content.decode())
    assert all(GENERIC in page for page in pages[:2] + pages[3:])
    assert all("data-status" not in page for page in pages)


def test_a_filer_without_a_phone_is_not_found_by_an_empty_or_odd_phone():
    user = verified_citizen(phone="")
    dossier = submitted_dossier(user)
    assert look_up(dossier.code, "không có").status_code == 400


def test_drafts_and_unpaid_dossiers_have_no_code_and_cannot_be_looked_up():
    user = verified_citizen(phone=PHONE)
    procedure = Procedure.objects.get(code="1.001193")
    draft = create_draft(applicant=user, procedure=procedure, agency=procedure.owner)
    assert draft.code is None
    assert look_up("None", PHONE).status_code == 400
    assert look_up(str(draft.pk), PHONE).status_code == 400


def test_tries_are_limited_per_client_address():
    dossier = submitted_dossier()
    client = csrf_client()
    statuses = [look_up(f"{dossier.code}{n}", "ABCD-EFGH", client).status_code for n in range(11)]
    assert statuses[:10] == [400] * 10 and statuses[10] == 429
    # Even the right answer waits, from that address.
    response = look_up(dossier.code, lookup_secret(dossier.code), client)
    assert response.status_code == 429 and "quá nhiều lần" in response.content.decode()


def test_failures_are_limited_per_code_whatever_the_address():
    dossier = submitted_dossier()
    for n in range(5):
        client = csrf_client()
        assert look_up(dossier.code, f"WRNG-SEC{n + 2}", client, ).status_code == 400
    response = post_form(Client(enforce_csrf_checks=True, REMOTE_ADDR="10.9.9.9"), URL,
                         {"code": dossier.code.lower(), "factor": lookup_secret(dossier.code)})
    assert response.status_code == 429
    other = submitted_dossier(key="k2")  # other codes are not held back
    assert look_up(other.code, lookup_secret(other.code)).status_code == 200


def test_the_form_needs_its_csrf_token():
    client = Client(enforce_csrf_checks=True)
    assert client.post(URL, {"code": "x", "factor": "y"}).status_code == 403
    page = client.get(URL)
    assert page.status_code == 200 and "no-store" in page["Cache-Control"] and 'name="factor"' in page.content.decode()


def test_the_receipt_page_and_pdf_show_the_secret_and_link_to_the_lookup():
    from pypdf import PdfReader

    user = verified_citizen(phone=PHONE)
    dossier = submitted_dossier(user)
    client = csrf_client()
    sign_in_at_level(client, user, 2)
    secret = lookup_secret(dossier.code)
    page = client.get(f"/ho-so/{dossier.pk}/bien-nhan/").content.decode()
    assert "Mã tra cứu" in page and secret in page and f'href="{URL}"' in page
    pdf = client.get(f"/ho-so/{dossier.pk}/bien-nhan.pdf")
    text = PdfReader(io.BytesIO(pdf.content)).pages[0].extract_text()
    assert "Mã tra cứu" in text and secret in text
