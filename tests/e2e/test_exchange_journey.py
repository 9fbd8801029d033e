"""The exchange's "done when", in a real browser: a citizen files a dossier of a procedure
Đắk Lắk's one-stop system published (1.000426, Cấp thẻ tư vấn viên pháp luật) at the
province; the portal hands it over to that system (the simulator, a separate process), which
the test advances step by step; the citizen follows it on the dossier page (received,
processing, the result) with the province's officials named, and downloads the signed
result; an administrator then opens the dossier's exchange journey, sees every message's
signature checked again, and proves the trace unaltered.

The citizen is on a phone, the administrator at a desk; each page is screenshotted and
audited (axe) as in the back office's journey.
"""

from __future__ import annotations

import time

import pytest

from tests.e2e.conftest import DESKTOP, PHONE
from tests.e2e.onestop import (  # noqa: F401 - fixtures
    LEGAL_ADVISER,
    OneStopProcess,
    dak_lak,
    exchange_site,
    in_db,
    settle,
    wait_until,
)
from tests.e2e.test_apply_online import PASSWORD, register_with_totp, step_up_and_start
from tests.e2e.test_backoffice_journey import Audit, backoffice_site, signing  # noqa: F401 - fixtures
from tests.e2e.test_identity_journey import identity_site  # noqa: F401 - a fixture
from tests.e2e.test_pay_and_reuse import arrive, proof_pdf  # noqa: F401 - proof_pdf is a fixture

pytestmark = [pytest.mark.e2e, pytest.mark.django_db]
DAK_LAK = "66"
ADMIN = "quantri.lienthong"



def make_administrator() -> None:
    from dichvucong.accounts.models import User

    user, _ = User.objects.get_or_create(username=ADMIN, defaults={
        "full_name": "Quản trị liên thông", "email": f"{ADMIN}@example.vn", "is_staff": True, "is_superuser": True})
    user.set_password(PASSWORD)
    user.save()


def portal_status(code: str) -> str:
    from dichvucong.dossiers.models import Dossier

    return Dossier.objects.get(code=code).status


def reaches(code: str, status: str) -> bool:
    return in_db(portal_status, code) == status


def follow(page, path: str) -> tuple[str, str]:  # noqa: ANN001
    """The dossier page afresh: its status and the official named."""
    page.goto(path)
    tracking = page.locator("#theo-doi")
    handler = tracking.locator("[data-handler]")
    return (tracking.locator("[data-status]").get_attribute("data-status"),
            handler.inner_text() if handler.count() else "")


def test_a_dossier_goes_to_the_province_and_back_and_its_trail_is_proven(
    dak_lak, open_page, axe_source, proof_pdf, tmp_path  # noqa: F811 - proof_pdf is a fixture
):
    from dichvucong.dossiers.constants import DossierStatus
    from simulators.registries.population_data import demo_people

    audit = Audit(axe_source)
    person = demo_people(20)[19]
    in_db(make_administrator)
    labels = {status: str(status.label) for status in DossierStatus}  # read before Playwright's loop

    # 1. The citizen registers, steps up and chooses where to file: the province, Đắk Lắk.
    citizen, citizen_problems = open_page(PHONE)
    secret = register_with_totp(citizen, person)
    step_up_and_start(citizen, LEGAL_ADVISER, secret, at=time.time() + 30)
    citizen.get_by_label("Tỉnh, thành phố").select_option(DAK_LAK)
    audit(citizen, "exchange-01-start-phone")
    citizen.get_by_role("button", name="Bắt đầu điền tờ khai").click()
    arrive(citizen, r".*/ho-so/\d+/")
    dossier_path = "/ho-so/" + citizen.url.split("/ho-so/")[1].split("#")[0]
    # The province-level procedure goes to the province's department in charge.
    assert "Sở Tư pháp Đắk Lắk" in citizen.locator(".lead").inner_text()

    # 2. The generic form: the applicant's fields come from the registry; the request, the
    # declaration and one document are the citizen's.
    citizen.locator("#id_request__details").fill("Đề nghị cấp thẻ tư vấn viên pháp luật cho tôi.")
    citizen.locator("#id_request__declaration").check()
    citizen.locator("[data-autosave-status]").filter(has_text="Đã tự động lưu").wait_for()
    citizen.locator("#file-1").set_input_files(str(proof_pdf))
    citizen.locator("#file-1").locator("xpath=..").get_by_role("button", name="Tải lên").click()
    arrive(citizen, r".*/ho-so/\d+/")
    audit(citizen, "exchange-02-form-phone")
    citizen.get_by_role("button", name="Nộp hồ sơ").click()
    citizen.wait_for_load_state()
    assert not citizen.locator(".error-summary").count(), citizen.locator(".error-summary").inner_text()
    arrive(citizen, r".*/ho-so/\d+/bien-nhan/")
    code = citizen.locator("[data-dossier-code]").inner_text().strip()
    audit(citizen, "exchange-03-receipt-phone")

    # 3. Handed over to Đắk Lắk's system (the document with it), which receives it.
    settle()
    wait_until(lambda: dak_lak.dossier(code), what="the hand-over")
    assert any((dak_lak.data_dir / "files").glob("*/*hop-dong-thue-nha.pdf"))
    wait_until(lambda: reaches(code, DossierStatus.RECEIVED), what="received on the portal")
    status, official = follow(citizen, dossier_path)
    assert status == "received" and "Nguyễn Thị Hồng Nhung" in official, official
    audit(citizen, "exchange-04-received-phone")

    # 4. The test takes it through the province's steps: processing, then the signed result.
    assert dak_lak.advance(code) == "processing"
    wait_until(lambda: reaches(code, DossierStatus.PROCESSING), what="processing on the portal")
    status, official = follow(citizen, dossier_path)
    assert status == "processing" and "Trần Văn Khánh" in official and "Sở Tư pháp" in official, official
    assert dak_lak.advance(code) == "result_issued"
    wait_until(lambda: reaches(code, DossierStatus.RESULT_ISSUED), timeout=60, what="the result on the portal")
    status, _official = follow(citizen, dossier_path)
    history = [item.inner_text() for item in citizen.locator('#theo-doi [data-kind="status"] strong').all()]
    wanted = [labels[s] for s in (DossierStatus.RECEIVED, DossierStatus.PROCESSING, DossierStatus.RESULT_ISSUED)]
    assert status == "result_issued" and [label for label in history if label in wanted] == wanted, history
    audit(citizen, "exchange-05-result-phone")
    with citizen.expect_download() as download:
        citizen.locator("[data-result]").click()
    result = tmp_path / download.value.suggested_filename
    download.value.save_as(result)
    issued = next((dak_lak.data_dir / "results").glob("*.pdf"))
    assert result.read_bytes() == issued.read_bytes()  # the province's signed PDF, as it was
    assert result.read_bytes().startswith(b"%PDF-")

    # 5. An administrator opens the dossier's exchange journey: the signed trail, then the proof.
    admin, admin_problems = open_page(DESKTOP)
    journey_path = f"/quan-tri/lien-thong/ho-so/{code}/"
    admin.goto(f"/tai-khoan/dang-nhap/?next={journey_path}")
    admin.get_by_label("Số định danh cá nhân, thư điện tử hoặc số điện thoại").fill(ADMIN)
    admin.get_by_label("Mật khẩu", exact=True).fill(PASSWORD)
    admin.get_by_role("button", name="Đăng nhập", exact=True).click()
    arrive(admin, ".*" + journey_path)
    events = {row.get_attribute("data-event") for row in admin.locator("#exchange-journey tbody tr").all()}
    assert {"created", "sent", "delivered", "verified", "applied"} <= events, events
    checks = admin.locator("#exchange-signatures tbody tr")
    signatures = [(row.get_attribute("data-signature"), row.get_attribute("data-digest")) for row in checks.all()]
    # The hand-over out; received, processing and the result in: each signature checked again now.
    assert len(signatures) >= 4 and set(signatures) == {("valid", "match")}, signatures
    audit(admin, "exchange-06-journey-desktop")
    with admin.expect_navigation():
        admin.locator('[data-action="verify-trace"]').click()
    verification = admin.locator("#trace-verification")
    assert verification.get_attribute("data-ok") == "yes", verification.inner_text()
    assert "Nhật ký nguyên vẹn, không bị sửa đổi." in verification.inner_text()
    audit(admin, "exchange-07-verified-desktop")

    # 6. The member's page and the monitor, at phone width too: the province, its key, its catalog.
    admin.set_viewport_size(PHONE)
    admin.goto("/quan-tri/lien-thong/thanh-vien/H66/")
    assert admin.locator('[data-status="active"]').count() == 1
    assert LEGAL_ADVISER in admin.locator("#procedures").inner_text()
    audit(admin, "exchange-08-member-phone")
    admin.goto("/quan-tri/giam-sat-lien-thong/")
    assert admin.locator('[data-member="H66"] [data-heartbeats]').count() == 1
    audit(admin, "exchange-09-monitor-phone")

    citizen_problems.check(citizen)
    admin_problems.check(admin)
    audit.check()
