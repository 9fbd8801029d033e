"""The public verification page, the QR code's record page and the API (C4)."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from dichvucong.results.services import revoke_result
from tests.accounts.helpers import csrf_client, csrf_token
from tests.results import (  # noqa: F401 - fixtures
    issued_fixture,
    official_fixture,
    pki_fixture,
    results_env_fixture,
    sim_ca_dir_fixture,
)

pytestmark = pytest.mark.django_db
API = "/api/v1/ket-qua/kiem-tra"
PAGE = "/kiem-tra-ket-qua/"


def _pdf(content: bytes, name: str = "ket-qua.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/pdf")


def test_the_api_reports_a_valid_result(issued):
    result, content = issued
    response = Client().post(API, {"file": _pdf(content)})
    assert response.status_code == 200
    body = response.json()
    assert body["ok"] is True and body["code"] == "valid"
    assert body["reference"] == result.reference and body["agency_name"] == result.agency.name
    assert body["signed_at"] and body["issued_at"] and body["revoked_at"] is None
    assert "verification_token" not in body


@pytest.mark.parametrize("content, code", [(b"", "not_pdf"), (b"MZ\x90\x00 not a pdf", "not_pdf")])
def test_the_api_answers_junk_with_400_and_a_code(content, code):
    response = Client().post(API, {"file": _pdf(content)})
    assert response.status_code == 400
    assert response.json()["error"]["code"] == code


def test_the_api_needs_a_file():
    response = Client().post(API, {"other": "x"})
    assert response.status_code == 400 and response.json()["error"]["code"] == "missing_file"
    assert Client().post(API, data=b"{}", content_type="application/json").status_code in (400, 415)


def test_the_api_refuses_an_oversize_upload(settings):
    settings.RESULT_VERIFICATION_MAX_BYTES = 100
    response = Client().post(API, {"file": _pdf(b"%PDF-1.7" + b" " * 200_000)})
    assert response.status_code == 400 and response.json()["error"]["code"] == "too_large"


def test_the_api_is_rate_limited(settings):
    settings.RESULT_VERIFICATION_RATE = "2/60"
    client = Client()
    codes = [client.post(API, {"file": _pdf(b"junk")}).status_code for _ in range(3)]
    assert codes == [400, 400, 429]


def test_the_api_is_in_the_openapi_schema():
    schema = Client().get("/api/schema/?format=json").json()
    operation = schema["paths"][API]["post"]
    assert "multipart/form-data" in operation["requestBody"]["content"]
    assert {"200", "400", "429"} <= set(operation["responses"])


def test_the_page_verifies_an_upload_with_its_csrf_token(issued):
    _result, content = issued
    client = csrf_client()
    assert client.get(PAGE).status_code == 200
    assert client.post(PAGE, {"file": _pdf(content)}).status_code == 403  # no token
    response = client.post(PAGE, {"file": _pdf(content), "csrfmiddlewaretoken": csrf_token(client, PAGE)})
    page = response.content.decode()
    assert response.status_code == 200
    assert 'data-report-code="valid"' in page and "Hợp lệ" in page
    assert "no-store" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]


def test_the_page_answers_junk_with_400_and_never_500():
    response = Client().post(PAGE, {"file": _pdf(b"\x00\x01\x02")})
    assert response.status_code == 400
    assert 'data-report-code="not_pdf"' in response.content.decode()
    assert Client().post(PAGE, {}).status_code == 400  # no file at all: the form says so


def test_the_page_speaks_english_too(issued):
    _result, content = issued
    response = Client().post("/en" + PAGE, {"file": _pdf(content)})
    assert response.status_code == 200 and 'data-report-code="valid"' in response.content.decode()


def test_the_qr_page_shows_the_record_without_personal_data(issued):
    result, _content = issued
    response = Client().get(f"{PAGE}{result.verification_token}/")
    page = response.content.decode()
    assert response.status_code == 200
    assert result.agency.name in page and result.title in page and 'data-result-status="valid"' in page
    applicant = result.dossier.applicant
    for personal in (applicant.pin, applicant.full_name, "Trần Thị Lan", result.dossier.code):
        assert personal not in page


def test_the_qr_page_compares_an_upload_with_its_record(issued, official):
    result, content = issued
    url = f"{PAGE}{result.verification_token}/"
    assert 'data-report-code="valid"' in Client().post(url, {"file": _pdf(content)}).content.decode()
    revoke_result(result, reason="Cấp nhầm", actor=official)
    page = Client().get(url).content.decode()
    assert 'data-result-status="revoked"' in page and "Cấp nhầm" in page
    assert 'data-report-code="result_revoked"' in Client().post(url, {"file": _pdf(content)}).content.decode()


def test_the_qr_page_of_an_unknown_token_is_404(results_env):
    assert Client().get(f"{PAGE}khong-co-ma-nay/").status_code == 404
