"""The identity journey of issue 3, in a real browser (Debian's Chromium via Playwright).

A new citizen registers, is verified by the population registry simulator, adds an
authenticator app (TOTP) and a passkey (Chromium's virtual authenticator over CDP),
signs in to the demo ministry portal through single sign-on, is asked to step up when
opening a level-3 procedure, and signs out at the ministry portal: the national portal's
session ends too.
"""

from __future__ import annotations

import re
import time

import pyotp
import pytest
from django.test.utils import override_settings

from tests.e2e.conftest import DESKTOP, PHONE, SCREENSHOT_DIR
from tests.e2e.test_browser import describe, run_axe

pytestmark = [pytest.mark.e2e, pytest.mark.django_db]
PASSWORD = "Mot-mat-khau-dai-2026!"


@pytest.fixture(scope="module")
def identity_site(site, django_db_blocker):
    """The live server's URL, with the adapters, the provider's issuer and the demo
    ministry portal's client pointing at it; the client row is committed so that the
    server's own connections (PostgreSQL) see it."""
    with override_settings(
        REGISTRIES_BASE_URL=f"{site}/sim/registries/",
        SMS_GATEWAY_BASE_URL=f"{site}/sim/sms/",
        MINISTRY_SIM_ISSUER=f"{site}/oidc",
        PUBLIC_BASE_URL=site,
        PAYMENT_PLATFORM_BASE_URL=f"{site}/sim/payments/",
    ):
        from django.conf import settings

        provider = {**settings.OAUTH2_PROVIDER, "OIDC_ISS_ENDPOINT": f"{site}/oidc"}
        with override_settings(OAUTH2_PROVIDER=provider), django_db_blocker.unblock():
            from dichvucong.sso.models import Client

            client, _ = Client.objects.update_or_create(client_id="bo-gia-lap", defaults={
                "name": "Cổng dịch vụ Bộ Giả lập", "client_secret": "bo-gia-lap-secret",
                "client_type": Client.CLIENT_CONFIDENTIAL,
                "authorization_grant_type": Client.GRANT_AUTHORIZATION_CODE,
                "redirect_uris": f"{site}/sim/ministry/callback/",
                "post_logout_redirect_uris": f"{site}/sim/ministry/",
                "backchannel_logout_uri": f"{site}/sim/ministry/backchannel-logout/",
                "algorithm": Client.RS256_ALGORITHM, "allowed_scopes": "openid profile identity", "max_level": 4,
            })
            try:
                # Read now: the ORM must not run while Playwright's event loop is open.
                yield site, level_three_procedure_code()
            finally:
                client.delete()


def level_three_procedure_code() -> str:
    from dichvucong.catalog.models import Procedure

    return (
        Procedure.objects.filter(assurance_level=3, status="active").exclude(service_level="offline")
        .order_by("-popularity").values_list("code", flat=True).first()
    )


def shot(page, name: str, axe_source: str | None = None) -> None:
    """Screenshot the page; with ``axe_source``, also require no WCAG 2.1 A/AA violation."""
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOT_DIR / f"identity-{name}.png"), full_page=True)
    if axe_source:
        violations = run_axe(page, axe_source)
        assert not violations, f"{name}:\n{describe(violations)}"


def test_register_verify_totp_passkey_sso_step_up_and_single_logout(identity_site, open_page, axe_source):
    from simulators.registries.population_data import demo_people

    _site, code = identity_site
    person = demo_people(12)[11]
    page, problems = open_page(PHONE)
    cdp = page.context.new_cdp_session(page)
    cdp.send("WebAuthn.enable")
    cdp.send("WebAuthn.addVirtualAuthenticator", {"options": {
        "protocol": "ctap2", "transport": "internal", "hasResidentKey": True,
        "hasUserVerification": True, "isUserVerified": True, "automaticPresenceSimulation": True}})

    # 1. Register.
    page.goto("/tai-khoan/dang-ky/")
    page.get_by_label("Số định danh cá nhân (12 số trên thẻ căn cước)").fill(person.pin)
    page.get_by_label("Họ và tên").fill(person.full_name)
    page.get_by_label("Ngày sinh").fill(person.date_of_birth.isoformat())
    page.get_by_label("Thư điện tử").fill(f"e2e.{person.pin}@example.com")
    page.get_by_label("Số điện thoại di động").fill(person.phone or "0912345678")
    page.get_by_label("Mật khẩu", exact=True).fill(PASSWORD)
    page.get_by_label("Nhập lại mật khẩu").fill(PASSWORD)
    shot(page, "01-register-phone", axe_source)
    page.get_by_role("button", name="Tạo tài khoản").click()
    page.wait_for_url("**/tai-khoan/ho-so/")
    assert "Tự khai, chưa xác thực" in page.content()

    # 2. Verify against the population registry (simulator, over HTTP).
    page.get_by_role("button", name="Xác thực với CSDL quốc gia về dân cư").click()
    page.wait_for_url("**/tai-khoan/ho-so/")
    assert page.get_by_text("Thông tin định danh đã được Cơ sở dữ liệu quốc gia về dân cư xác nhận.").is_visible()
    assert page.locator(".verified").count() >= 5
    shot(page, "02-verified-phone", axe_source)

    # 3. Add an authenticator app.
    page.goto("/tai-khoan/bao-mat/")
    page.get_by_role("link", name="Bật ứng dụng xác thực").click()
    secret = page.locator("[data-totp-secret]").inner_text()
    page.get_by_label("Mã xác thực (6 chữ số)").fill(pyotp.TOTP(secret).now())
    page.get_by_role("button", name="Xác nhận").click()
    page.wait_for_url("**/tai-khoan/bao-mat/")
    assert page.get_by_text("Đang bật.").is_visible()

    # 4. Add a passkey (the virtual authenticator answers the browser's WebAuthn call). With a
    #    factor already on the account, adding another asks for it first.
    page.get_by_role("link", name="Xác thực để thêm khóa truy cập").click()
    page.get_by_role("link", name="Nhập mã từ ứng dụng xác thực").click()
    # The enrolment used this 30-second step's code; the next step's is accepted (drift of one step).
    page.get_by_label("Mã xác thực (6 chữ số)").fill(pyotp.TOTP(secret).at(time.time() + 30))
    page.get_by_role("button", name="Xác nhận").click()
    page.wait_for_url("**/tai-khoan/bao-mat/")
    page.get_by_label("Tên thiết bị (tùy chọn)").fill("Điện thoại")
    page.get_by_role("button", name="Thêm khóa truy cập").click()
    page.wait_for_selector("text=Điện thoại — thêm ngày")
    shot(page, "03-security-phone", axe_source)

    # 5. Single sign-on at the demo ministry portal.
    page.goto("/sim/ministry/")
    page.get_by_role("link", name="Đăng nhập bằng tài khoản Cổng Dịch vụ công quốc gia").click()
    page.wait_for_selector("text=muốn đăng nhập bằng tài khoản của bạn")
    shot(page, "04-consent-phone", axe_source)
    page.get_by_role("button", name="Đồng ý").click()
    page.wait_for_url("**/sim/ministry/")
    assert person.full_name in page.locator("h1").inner_text()
    assert "urn:dichvucong:loa:2" in page.content()  # password + authenticator app

    # 6. A level-3 procedure asks for a step-up, then comes back to it.
    page.goto(f"/thu-tuc/{code}/nop-truc-tuyen/")
    page.wait_for_url(re.compile(r".*/tai-khoan/nang-cap/\?level=3.*"))
    shot(page, "05-step-up-phone", axe_source)
    page.get_by_role("button", name="Dùng khóa truy cập (vân tay, khuôn mặt)").click()
    page.wait_for_url(f"**/thu-tuc/{code}/nop-truc-tuyen/")
    assert page.locator("[data-session-level]").inner_text() == "3"
    shot(page, "06-start-online-phone", axe_source)

    # 7. Sign out at the ministry portal: the national portal's session ends too.
    page.goto("/sim/ministry/")
    page.get_by_role("link", name=re.compile("Đăng xuất")).click()
    page.wait_for_url(re.compile(r".*/sim/ministry/(\?.*)?$"))
    shot(page, "07-signed-out-phone")
    assert page.get_by_role("link", name="Đăng nhập bằng tài khoản Cổng Dịch vụ công quốc gia").is_visible()
    page.goto("/tai-khoan/ho-so/")
    assert "/tai-khoan/dang-nhap/" in page.url
    problems.check(page)


@pytest.mark.parametrize("width", [PHONE, DESKTOP], ids=["phone", "desktop"])
@pytest.mark.parametrize("path", ["/tai-khoan/dang-nhap/", "/tai-khoan/dang-ky/", "/en/tai-khoan/dang-nhap/",
                                  "/tai-khoan/khoi-phuc/"])
def test_account_pages_are_accessible(open_page, axe_source, path, width):
    page, problems = open_page(width)
    page.goto(path)
    violations = run_axe(page, axe_source)
    assert not violations, describe(violations)
    # Submitting the empty form shows the error summary, which must be accessible too.
    page.locator("main form button[type=submit]").first.click()
    page.wait_for_load_state()
    violations = run_axe(page, axe_source)
    assert not violations, describe(violations)
    problems.check(page)
