"""The issue's "done when", in a real browser: a citizen registers for temporary residence
(Đăng ký tạm trú), finds the form prefilled, attaches a document once and keeps it, submits,
pays the fee on the payment platform simulator, gets the receipt with code, QR code and
appointed date, sees the dossier in "My dossiers"; a second procedure (permanent residence)
then reuses the kept document without an upload."""

from __future__ import annotations

import re
import time

import pytest

from tests.e2e.conftest import PHONE
from tests.e2e.test_apply_online import register_with_totp, step_up_and_start
from tests.e2e.test_browser import describe, run_axe
from tests.e2e.test_identity_journey import identity_site, shot  # noqa: F401 - fixture

pytestmark = [pytest.mark.e2e, pytest.mark.django_db]
TEMPORARY_RESIDENCE = "1.004194"
PERMANENT_RESIDENCE = "1.004222"


@pytest.fixture
def proof_pdf(tmp_path):
    """A one-page PDF: a lease, the proof of a lawful residence."""
    from reportlab.pdfgen import canvas

    path = tmp_path / "hop-dong-thue-nha.pdf"
    pdf = canvas.Canvas(str(path))
    pdf.drawString(72, 720, "Hop dong thue nha - 12 Pho Hue, Ha Noi")
    pdf.save()
    return path


def arrive(page, pattern: str) -> None:
    """Wait for the page whose URL matches ``pattern`` (a fragment may follow); say where we are if not."""
    try:
        page.wait_for_url(re.compile(pattern + r"(#.*)?$"))
    except Exception:  # noqa: BLE001 - re-raised with the page we ended on
        raise AssertionError(f"expected {pattern}, at {page.url}: {page.locator('body').inner_text()[:600]}") from None


def choose_place(page, *, commune_label: str = "Xã, phường nơi nộp hồ sơ") -> None:
    page.get_by_label("Tỉnh, thành phố").select_option("1")  # Hà Nội
    communes = page.get_by_label(commune_label)
    communes.locator("option").nth(2).wait_for(state="attached")  # filled in for the province chosen
    communes.select_option(index=2)


def fill_temporary_residence(page) -> None:
    """The temporary-residence form's own fields (the applicant's come from the registry)."""
    page.locator("#id_residence__province").select_option("1")
    page.locator("#id_residence__commune option").nth(2).wait_for(state="attached")
    page.locator("#id_residence__commune").select_option(index=2)
    page.locator("#id_residence__street_address").fill("12 Phố Huế")
    page.locator("#id_residence__housing_basis").select_option(index=1)
    page.locator("#id_residence__months").fill("12")
    page.locator("#id_residence__reason").select_option(index=1)
    page.locator("#id_declaration__declaration").check()


def test_temporary_residence_paid_online_then_the_kept_document_is_reused(
        identity_site, open_page, axe_source, proof_pdf, settings):  # noqa: F811
    from simulators.registries.population_data import demo_people

    person = demo_people(16)[15]
    page, problems = open_page(PHONE)
    secret = register_with_totp(page, person)
    step_up_and_start(page, TEMPORARY_RESIDENCE, secret, at=time.time() + 30)
    choose_place(page)
    page.get_by_role("button", name="Bắt đầu điền tờ khai").click()
    arrive(page, r".*/ho-so/\d+/")
    dossier_path = page.url.split(page.url.split("/ho-so/")[0])[1]
    assert page.locator("#id_applicant__pin").input_value() == person.pin  # from the population registry
    assert page.locator("#id_applicant__full_name").input_value() == person.full_name

    fill_temporary_residence(page)
    # Saved by the page itself a few seconds after the last keystroke: the upload below,
    # which leaves the page, loses nothing.
    page.locator("[data-autosave-status]").filter(has_text="Đã tự động lưu").wait_for()
    # The document, once, kept in the personal data store for next time.
    page.locator("#file-0").set_input_files(str(proof_pdf))
    page.locator("#file-0").locator("xpath=..").get_by_label("Lưu vào kho dữ liệu cá nhân để dùng lại").check()
    page.locator("#file-0").locator("xpath=..").get_by_role("button", name="Tải lên").click()
    arrive(page, r".*/ho-so/\d+/")
    assert page.get_by_role("link", name="hop-dong-thue-nha.pdf").count() == 1

    assert page.locator("#id_residence__street_address").input_value() == "12 Phố Huế"
    shot(page, "pay-01-form-phone", axe_source)
    page.get_by_role("button", name="Nộp hồ sơ").click()
    page.wait_for_load_state()
    assert not page.locator(".error-summary").count(), page.locator(".error-summary").inner_text()

    # The fee: 7,000 đồng online, paid on the platform's own page.
    arrive(page, r".*/thanh-toan/ho-so/\d+/")
    assert page.locator("[data-total]").get_attribute("data-total") == "7000"
    shot(page, "pay-02-fees-phone", axe_source)
    page.get_by_role("button", name="Thanh toán trực tuyến").click()
    arrive(page, r".*/sim/payments/pay/\w+")
    page.get_by_label(re.compile("Chuyển khoản VietQR")).check()
    shot(page, "pay-03-platform-phone")
    page.get_by_role("button", name=re.compile("^Thanh toán")).click()

    # Back on the portal: confirmed (by asking the platform), the dossier filed.
    arrive(page, r".*/thanh-toan/DVC-\w+/")
    page.locator('[data-payment-status="paid"]').wait_for()
    code = page.locator("[data-dossier-code]").inner_text()
    assert re.fullmatch(r"[\w.]+-\d{6}-\d{4}", code)
    violations = run_axe(page, axe_source)
    assert not violations, describe(violations)
    with page.expect_download() as download:
        page.get_by_role("link", name="Tải biên lai thanh toán (PDF)").click()
    assert download.value.suggested_filename.startswith("bien-lai-")
    page.get_by_role("link", name="Xem giấy biên nhận hồ sơ").click()
    assert page.locator("[data-dossier-code]").inner_text() == code
    assert page.locator(".qr svg").count() == 1
    assert re.search(r"\d{2}/\d{2}/\d{4}", page.locator("dt:has-text('Ngày hẹn trả kết quả') + dd").inner_text())
    shot(page, "pay-04-receipt-phone", axe_source)
    page.get_by_role("link", name="Hồ sơ của tôi").first.click()
    assert code in page.content()

    # A second procedure: the kept lease is offered for its "proof of lawful residence".
    page.goto(f"/ho-so/bat-dau/{PERMANENT_RESIDENCE}/")
    choose_place(page)
    page.get_by_role("button", name="Bắt đầu điền tờ khai").click()
    arrive(page, r".*/ho-so/\d+/")
    assert page.url.split("/ho-so/")[1] != dossier_path
    offers = page.get_by_role("button", name="Dùng giấy tờ này")
    assert offers.count() >= 1
    offers.first.click()
    arrive(page, r".*/ho-so/\d+/")
    assert page.get_by_role("link", name="hop-dong-thue-nha.pdf").count() == 1  # attached, not uploaded
    shot(page, "pay-05-reused-phone", axe_source)
    problems.check(page)
