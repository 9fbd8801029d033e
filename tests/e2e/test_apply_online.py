"""Applying online in a real browser: a verified citizen steps up, fills in the birth
registration e-form (prefilled, with provenance), submits and gets a receipt."""

from __future__ import annotations

import re
import time

import pyotp
import pytest

from tests.e2e.conftest import PHONE
from tests.e2e.test_browser import describe, run_axe
from tests.e2e.test_identity_journey import identity_site, shot  # noqa: F401 - fixture

pytestmark = [pytest.mark.e2e, pytest.mark.django_db]
PASSWORD = "Mot-mat-khau-dai-2026!"


def register_with_totp(page, person) -> str:
    """Register, verify against the population registry, add an authenticator app; its secret."""
    page.goto("/tai-khoan/dang-ky/")
    page.get_by_label("Số định danh cá nhân (12 số trên thẻ căn cước)").fill(person.pin)
    page.get_by_label("Họ và tên").fill(person.full_name)
    page.get_by_label("Ngày sinh").fill(person.date_of_birth.isoformat())
    page.get_by_label("Thư điện tử").fill(f"apply.{person.pin}@example.com")
    page.get_by_label("Số điện thoại di động").fill(person.phone or "0912345678")
    page.get_by_label("Mật khẩu", exact=True).fill(PASSWORD)
    page.get_by_label("Nhập lại mật khẩu").fill(PASSWORD)
    page.get_by_role("button", name="Tạo tài khoản").click()
    page.get_by_role("button", name="Xác thực với CSDL quốc gia về dân cư").click()
    page.wait_for_url("**/tai-khoan/ho-so/")
    page.goto("/tai-khoan/bao-mat/ung-dung-xac-thuc/")
    secret = page.locator("[data-totp-secret]").inner_text()
    page.get_by_label("Mã xác thực (6 chữ số)").fill(pyotp.TOTP(secret).now())
    page.get_by_role("button", name="Xác nhận").click()
    page.wait_for_url("**/tai-khoan/bao-mat/")
    return secret


def step_up_and_start(page, code: str, secret: str, *, at: float) -> None:
    """Open "apply online", step up with the app's code (``at``: a time window not used yet)."""
    page.goto(f"/thu-tuc/{code}/nop-truc-tuyen/")
    page.get_by_role("link", name="Nhập mã từ ứng dụng xác thực").click()
    page.get_by_label("Mã xác thực (6 chữ số)").fill(pyotp.TOTP(secret).at(at))
    page.get_by_role("button", name="Xác nhận").click()
    page.get_by_role("link", name="Tiếp tục").click()


def test_birth_registration_online(identity_site, open_page, axe_source):  # noqa: F811
    from simulators.registries.population_data import demo_people

    person = demo_people(14)[13]
    page, problems = open_page(PHONE)
    secret = register_with_totp(page, person)
    step_up_and_start(page, "1.001193", secret, at=time.time() + 30)
    page.get_by_label("Tỉnh, thành phố").select_option("1")  # Hà Nội
    page.locator("#commune option").nth(2).wait_for(state="attached")  # Hà Nội's communes, swapped in by htmx
    page.get_by_label("Xã, phường nơi nộp hồ sơ").select_option(index=2)
    shot(page, "apply-00-place-phone", axe_source)
    page.get_by_role("button", name="Bắt đầu điền tờ khai").click()
    page.wait_for_url(re.compile(r".*/ho-so/\d+/$"))
    assert page.locator("#id_applicant__pin").input_value() == person.pin
    assert page.locator("#id_applicant__pin").is_disabled()
    assert not page.locator("fieldset[data-shown-by]").is_visible()  # the father's section, until asked for
    page.get_by_label("Khai thông tin người cha").check()
    assert page.locator("fieldset[data-shown-by]").is_visible()
    page.get_by_label("Khai thông tin người cha").uncheck()
    shot(page, "apply-01-form-phone", axe_source)

    page.get_by_role("button", name="Nộp hồ sơ").click()  # empty: the errors, accessibly
    violations = run_axe(page, axe_source)
    assert not violations, describe(violations)
    assert page.locator(".error-summary").is_visible()

    page.locator("#id_applicant__relationship").select_option("mother")
    page.locator("#id_child__full_name").fill("Nguyễn Minh An")
    page.locator("#id_child__date_of_birth").fill("2026-11-20")
    page.locator("#id_child__sex").select_option("male")
    page.locator("#id_child__province").select_option("1")
    page.locator("#id_child__commune option").nth(2).wait_for(state="attached")  # swapped in by htmx
    page.locator("#id_child__commune").select_option(index=2)
    page.get_by_role("button", name="Nộp hồ sơ").click()
    page.wait_for_url(re.compile(r".*/ho-so/\d+/bien-nhan/$"))
    code = page.locator("[data-dossier-code]").inner_text()
    assert re.fullmatch(r"[\w.]+-\d{6}-\d{4}", code)
    shot(page, "apply-02-receipt-phone", axe_source)
    page.get_by_role("link", name="Hồ sơ của tôi").first.click()
    assert code in page.content()
    problems.check(page)
