"""The one-stop back office's "done when", in a real browser.

The officials of a Hà Nội commune's People's Committee (receiver, processor, leader) receive
the temporary-residence dossier a citizen submitted and paid for, ask for a supplement, the
citizen supplies it, the official processes, the leader approves and signs; the citizen is
told in the inbox, by e-mail and by SMS, downloads the signed result, checks it on the public
verification page and finds it in the personal data store. A second dossier left past its
appointed date gets the apology letter.

Database work in the middle of the journey runs in a worker thread (``in_db``): Playwright's
event loop occupies the main thread, and Django refuses to touch the database under it. On
PostgreSQL (``.ci/run``) that thread's connection commits at once, as the server's do. On
SQLite (``make e2e``) the server shares the test's connection and so its transaction, where
``on_commit`` hooks (the domain events: hand-over to the back office, notifications, the
clock restarting after a supplement) would wait for a commit that never comes; ``settle``
runs them there, as a commit would.
"""

from __future__ import annotations

import re
import time
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from tests.e2e.conftest import DESKTOP, PHONE
from tests.e2e.test_apply_online import register_with_totp, step_up_and_start
from tests.e2e.test_browser import describe, run_axe
from tests.e2e.test_identity_journey import identity_site, shot  # noqa: F401 - fixture
from tests.e2e.test_pay_and_reuse import (  # noqa: F401 - proof_pdf is a fixture
    TEMPORARY_RESIDENCE,
    arrive,
    choose_place,
    fill_temporary_residence,
    proof_pdf,
)

pytestmark = [pytest.mark.e2e, pytest.mark.django_db]
FREE_PROCEDURE = "1.001193"  # birth registration: no fee, submitted straight away
SUPPLEMENT_TEXT = "Đề nghị bổ sung bản sao hợp đồng thuê nhà có xác nhận của chủ nhà."


# --- the database, off Playwright's thread ------------------------------------------------------
_shared: list = []  # the connection the live server shares, if any: read before Playwright starts


def _shared_connection():
    """The main thread's connection when the live server shares it (in-memory SQLite), else None.

    Read once, before Playwright runs: under its event loop the main thread's ``connections``
    (context-local) would hand out a new connection instead of the shared one."""
    if not _shared:
        from django.db import connections

        connection = connections["default"]
        _shared.append(
            connection if connection.vendor == "sqlite" and connection.is_in_memory_db() else None
        )
    return _shared[0]


def _run_on_commit(connection) -> None:  # noqa: ANN001
    """What a commit would run: the hooks queued on the shared connection (and those they queue)."""
    while connection.run_on_commit:
        pending = list(connection.run_on_commit)
        connection.run_on_commit.clear()
        for _savepoints, hook, robust in pending:
            try:
                hook()
            except Exception:
                if not robust:
                    raise


def in_db(function, *args, **kwargs):  # noqa: ANN001, ANN201
    """Run ``function`` against the database in a worker thread; its result."""
    from django.db import connections

    shared = _shared_connection()

    def work():  # noqa: ANN202
        if shared is not None:
            connections["default"] = shared
        try:
            result = function(*args, **kwargs)
            if shared is not None:
                _run_on_commit(shared)
            return result
        finally:
            if shared is None:
                connections.close_all()  # PostgreSQL must be able to drop the test database

    with ThreadPoolExecutor(max_workers=1) as worker:
        return worker.submit(work).result()


def settle() -> None:
    """Let what the last request queued for after its commit happen (a no-op on PostgreSQL)."""
    in_db(lambda: None)


class Audit:
    """Screenshots with an accessibility audit (axe, WCAG 2.1 A/AA) of each, whose violations
    are gathered and asserted at the end: a page's violation does not hide the rest of the journey."""

    def __init__(self, axe_source: str):
        self.axe_source, self.found = axe_source, []

    def __call__(self, page, name: str) -> None:  # noqa: ANN001
        shot(page, name)  # test-output/screenshots/identity-<name>.png
        violations = run_axe(page, self.axe_source)
        if violations:
            self.found.append(f"{name} ({page.url}):\n{describe(violations)}")

    def check(self) -> None:
        assert not self.found, "accessibility violations:\n" + "\n".join(self.found)


# --- set-up ---------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def backoffice_site(identity_site, django_db_blocker):  # noqa: F811
    """The live server (adapters pointed at it) and the one-stop staff of the Hà Nội commune
    the journeys choose (``bootstrap_demo``: receiver, processor, approver)."""
    from dichvucong.catalog.management.commands.bootstrap_demo import ensure_demo_officials

    _shared_connection()
    with django_db_blocker.unblock():
        assert ensure_demo_officials(), "no commune agency for the demo officials"
    site, _code = identity_site
    yield site


@pytest.fixture
def signing(settings, tmp_path_factory, backoffice_site):
    """The CA simulator on the live server: agency credentials issued on first signature, with
    OCSP addresses the verification page can reach."""
    settings.SIMULATORS_ENABLED = True
    settings.SIM_CA_DIR = tmp_path_factory.mktemp("sim-ca")
    settings.SIM_CA_BASE_URL = f"{backoffice_site}/sim/ca/"
    settings.REMOTE_SIGNING_BASE_URL = f"{backoffice_site}/sim/ca/"
    settings.AGENCY_SIGNING_DIR = tmp_path_factory.mktemp("agency-signing")
    settings.PKI_TRUST_ANCHOR_FILES = []
    settings.PKI_OCSP_TIMEOUT_SECONDS = 5
    return backoffice_site


def confirm_contacts(pin: str) -> dict:
    """Mark the citizen's e-mail and phone confirmed (the registration leaves them to be
    confirmed by code), so that notices go out by e-mail and SMS too."""
    from django.utils import timezone

    from dichvucong.accounts.models import User

    user = User.objects.get(pin=pin)
    user.email_confirmed_at = user.phone_confirmed_at = timezone.now()
    user.save(update_fields=["email_confirmed_at", "phone_confirmed_at"])
    return {"email": user.email, "phone": user.phone, "pk": user.pk}


def submit_and_pay_temporary_residence(page, pdf, secret: str) -> tuple[str, str]:
    """The citizen's part of the previous journey: the form, a document, submit, pay 7,000 đ.
    Returns the dossier's path and code."""
    step_up_and_start(page, TEMPORARY_RESIDENCE, secret, at=time.time() + 30)
    choose_place(page)
    page.get_by_role("button", name="Bắt đầu điền tờ khai").click()
    arrive(page, r".*/ho-so/\d+/")
    dossier_path = "/ho-so/" + page.url.split("/ho-so/")[1].split("#")[0]
    fill_temporary_residence(page)
    page.locator("[data-autosave-status]").filter(has_text="Đã tự động lưu").wait_for()
    page.locator("#file-0").set_input_files(str(pdf))
    page.locator("#file-0").locator("xpath=..").get_by_role("button", name="Tải lên").click()
    arrive(page, r".*/ho-so/\d+/")
    page.get_by_role("button", name="Nộp hồ sơ").click()
    page.wait_for_load_state()
    assert not page.locator(".error-summary").count(), page.locator(".error-summary").inner_text()
    arrive(page, r".*/thanh-toan/ho-so/\d+/")
    page.get_by_role("button", name="Thanh toán trực tuyến").click()
    arrive(page, r".*/sim/payments/pay/\w+")
    page.get_by_label(re.compile("Chuyển khoản VietQR")).check()
    page.get_by_role("button", name=re.compile("^Thanh toán")).click()
    arrive(page, r".*/thanh-toan/DVC-\w+/")
    page.locator('[data-payment-status="paid"]').wait_for()
    code = page.locator("[data-dossier-code]").inner_text()
    assert re.fullmatch(r"[\w.]+-\d{6}-\d{4}", code)
    return dossier_path, code


def sign_in_official(open_page, username: str):
    from dichvucong.catalog.management.commands.bootstrap_demo import DEMO_OFFICIAL_PASSWORD

    page, problems = open_page(DESKTOP)
    page.goto("/tai-khoan/dang-nhap/?next=/can-bo/")
    page.get_by_label("Số định danh cá nhân, thư điện tử hoặc số điện thoại").fill(username)
    page.get_by_label("Mật khẩu", exact=True).fill(DEMO_OFFICIAL_PASSWORD)
    page.get_by_role("button", name="Đăng nhập", exact=True).click()
    arrive(page, r".*/can-bo/")
    return page, problems


def open_from_list(page, worklist: str, label: str, code: str) -> None:
    """From the worklist ``worklist`` (its chip reads ``label``), open the dossier ``code``."""
    page.goto("/can-bo/")
    page.locator(f'[data-list="{worklist}"]').click()
    arrive(page, rf".*/can-bo/\?ds={worklist}")
    assert label in page.locator(f'[data-list="{worklist}"]').inner_text()
    page.locator("[data-worklist]").get_by_role("link", name=code).click()
    arrive(page, r".*/can-bo/ho-so/\d+/")


def act(page, action: str) -> None:
    """Press an action's button on the case page; the action must succeed."""
    with page.expect_navigation():
        page.locator(f'[data-action="{action}"]').click()
    messages = page.locator(".messages").inner_text() if page.locator(".messages").count() else ""
    assert "Đã thực hiện." in messages, (
        f"{action}: {messages or page.locator('main').inner_text()[:600]}"
    )


def backdated_free_dossier(pin: str) -> dict:
    """A second dossier of the same citizen at the same commune, submitted (and so handed over
    to the back office), then left past its appointed date; the deadline check runs."""
    from datetime import timedelta

    from django.utils import timezone

    from dichvucong.accounts.models import User
    from dichvucong.backoffice.models import Case
    from dichvucong.backoffice.services import check_deadlines
    from dichvucong.catalog.management.commands.bootstrap_demo import DEMO_OFFICIALS
    from dichvucong.catalog.models import Procedure
    from dichvucong.dossiers import services as dossier_services
    from dichvucong.dossiers.eforms import commune_choices
    from dichvucong.dossiers.models import Dossier
    from dichvucong.dossiers.selectors import receiving_agency

    user = User.objects.get(pin=pin)
    procedure = Procedure.objects.get(code=FREE_PROCEDURE)
    commune = dict(commune_choices())["Thành phố Hà Nội"][1][0]  # the one choose_place picks
    agency = receiving_agency(procedure, province="1", commune=commune)
    draft = dossier_services.create_draft(applicant=user, procedure=procedure, agency=agency)
    dossier = dossier_services.submit_dossier(
        draft, applicant=user, submission_key=f"late-{draft.pk}", delivery_method="online", data={}
    )
    shared = _shared_connection()
    if shared is not None:
        _run_on_commit(shared)  # the hand-over
    case = Case.objects.get(dossier=dossier)
    assert case.agency.pk == agency.pk
    past = timezone.now() - timedelta(hours=2)
    Dossier.objects.filter(pk=dossier.pk).update(due_at=past)
    Case.objects.filter(pk=case.pk).update(due_at=past)
    counts = check_deadlines()
    assert counts["overdue"] >= 1, counts
    case.refresh_from_db()
    assert case.late_since is not None and case.due_at > timezone.now()
    leaders = {username for username, _name, role in DEMO_OFFICIALS if role == "approver"}
    return {"pk": dossier.pk, "code": dossier.code, "leaders": leaders}


def official_inbox(username: str) -> list[str]:
    from dichvucong.notifications.models import Notification

    return list(
        Notification.objects.filter(recipient__username=username).values_list("body", flat=True)
    )


# --- the journey ----------------------------------------------------------------------------------
def test_commune_officials_handle_a_temporary_residence_dossier_to_its_signed_result(
    backoffice_site,
    signing,
    open_page,
    axe_source,
    proof_pdf,  # noqa: F811 - the fixture
    tmp_path,
    mailoutbox,
):
    from simulators.registries.population_data import demo_people

    site = backoffice_site
    audit = Audit(axe_source)
    person = demo_people(18)[17]

    # 1. The citizen registers, with contacts confirmed for e-mail and SMS, submits and pays.
    citizen, citizen_problems = open_page(PHONE)
    secret = register_with_totp(citizen, person)
    contacts = in_db(confirm_contacts, person.pin)
    dossier_path, code = submit_and_pay_temporary_residence(citizen, proof_pdf, secret)
    settle()  # handed over to the commune's back office

    # 2. The receiver finds it under "Chờ tiếp nhận" and receives it.
    receiver, receiver_problems = sign_in_official(open_page, "motcua.demo")
    audit(receiver, "backoffice-01-worklist-desktop")
    open_from_list(receiver, "receive", "Chờ tiếp nhận", code)
    assert receiver.locator("[data-status]").get_attribute("data-status") == "submitted"
    assert receiver.locator("[data-step]").get_attribute("data-step") == "receive"
    assert receiver.get_by_role("link", name="hop-dong-thue-nha.pdf").count() == 1
    audit(receiver, "backoffice-02-case-receive-desktop")
    receiver.set_viewport_size(PHONE)  # an official on a phone: the same page, one column
    audit(receiver, "backoffice-02-case-receive-phone")
    receiver.set_viewport_size(DESKTOP)
    act(receiver, "accept")
    assert receiver.locator("[data-status]").get_attribute("data-status") == "received"
    assert receiver.locator("[data-step]").get_attribute("data-step") == "process"
    settle()

    # 3. The processor takes it from "Chờ xử lý" and asks for a supplement.
    processor, processor_problems = sign_in_official(open_page, "xuly.demo")
    open_from_list(processor, "process", "Chờ xử lý", code)
    act(processor, "take")
    assert "Lê Văn Xử Lý" in processor.locator("[data-assignee]").inner_text()
    assert processor.locator("[data-status]").get_attribute("data-status") == "processing"
    processor.get_by_text("Yêu cầu bổ sung hồ sơ", exact=True).click()
    processor.get_by_label("Nội dung cần bổ sung").fill(SUPPLEMENT_TEXT)
    audit(processor, "backoffice-03-case-supplement-desktop")
    act(processor, "supplement")
    assert processor.locator("[data-status]").get_attribute("data-status") == "awaiting_supplement"
    settle()

    # 4. The citizen sees the request, uploads a document for it, adds a note and sends it.
    citizen.goto(dossier_path)
    assert (
        citizen.locator("#theo-doi [data-status]").get_attribute("data-status")
        == "awaiting_supplement"
    )
    assert SUPPLEMENT_TEXT in citizen.locator("[data-supplement-reason]").inner_text()
    assert "Tạm dừng, chờ bạn bổ sung hồ sơ" in citizen.locator("#theo-doi").inner_text()
    audit(citizen, "backoffice-04-citizen-supplement-phone")
    citizen.locator("#file-0").set_input_files(str(proof_pdf))
    with citizen.expect_navigation():
        citizen.locator("#file-0").locator("xpath=..").get_by_role("button", name="Tải lên").click()
    assert "tải lên cho lần bổ sung này" in citizen.locator("#dinh-kem").inner_text()
    citizen.get_by_label("Ghi chú gửi cơ quan").fill(
        "Đã bổ sung hợp đồng thuê nhà có xác nhận của chủ nhà."
    )
    with citizen.expect_navigation():
        citizen.get_by_role("button", name="Gửi bổ sung").click()
    assert "Đã gửi bổ sung." in citizen.locator(".messages").inner_text()
    settle()  # the clock runs again, the appointed date moves by the time waited
    citizen.reload()
    tracking = citizen.locator("#theo-doi")
    assert tracking.locator("[data-status]").get_attribute("data-status") == "processing"
    assert tracking.locator('[data-kind="status"]').filter(has_text="Chờ bổ sung").count() >= 1
    history = tracking.locator("[data-history]").inner_text()
    assert "Đã bổ sung hợp đồng thuê nhà" in history  # the note, with the status change
    # The time waited is counted in working hours: outside them (nights, weekends) it is nil
    # and the date does not move.
    if tracking.locator('[data-kind="deadline_changed"]').count():
        assert (
            "không tính vào thời hạn"
            in tracking.locator('[data-kind="deadline_changed"]').first.inner_text()
        )
    assert not citizen.locator("#note").count()  # nothing more to supply

    # 5. The processor forwards; the leader approves, then signs and issues the result.
    processor.reload()
    assert processor.locator("[data-status]").get_attribute("data-status") == "processing"
    processor.get_by_label("Ý kiến xử lý (không bắt buộc)").fill("Đủ điều kiện đăng ký tạm trú.")
    act(processor, "forward")
    assert processor.locator("[data-step]").get_attribute("data-step") == "approve"
    assert not processor.locator("[data-action]").count()  # the leader's step now
    approver, approver_problems = sign_in_official(open_page, "lanhdao.demo")
    open_from_list(approver, "approve", "Chờ phê duyệt, ký", code)
    act(approver, "forward")  # "Phê duyệt"
    assert approver.locator("[data-step]").get_attribute("data-step") == "sign"
    audit(approver, "backoffice-05-case-sign-desktop")
    act(approver, "sign")
    assert approver.locator("[data-status]").get_attribute("data-status") == "result_issued"
    assert "đã kết thúc" in approver.locator("[data-step]").inner_text()  # returned online at once
    audit(approver, "backoffice-06-case-signed-desktop")
    settle()

    # 6. The citizen is told: inbox, e-mail, SMS.
    citizen.goto("/tai-khoan/thong-bao/")
    notice = (
        citizen.locator("[data-notification]")
        .filter(has_text=code)
        .filter(has_text="đã có kết quả")
    )
    assert notice.count() == 1, citizen.locator("main").inner_text()[:1500]
    audit(citizen, "backoffice-07-citizen-inbox-phone")
    mails = [m for m in mailoutbox if contacts["email"] in m.to and code in m.body + m.subject]
    assert any("đã có kết quả" in m.body for m in mails), [(m.subject, m.body[:200]) for m in mails]
    texts = [
        m.get("text", "")
        for m in httpx.get(
            f"{site}/sim/sms/v1/messages", params={"to": contacts["phone"]}, timeout=5
        ).json()["messages"]
    ]
    assert any(code in text and text.startswith("DICHVUCONG:") for text in texts), texts

    # 7. The signed result: downloaded from the dossier, verified on the public page, in the store.
    citizen.goto(dossier_path)
    assert (
        citizen.locator("#theo-doi [data-status]").get_attribute("data-status") == "result_issued"
    )
    assert citizen.locator("[data-result]").count() == 1
    audit(citizen, "backoffice-08-citizen-result-phone")
    with citizen.expect_download() as download:
        citizen.locator("[data-result]").click()
    result_pdf = tmp_path / download.value.suggested_filename
    download.value.save_as(result_pdf)
    assert result_pdf.suffix == ".pdf" and result_pdf.read_bytes().startswith(b"%PDF-")
    citizen.get_by_role("link", name="Kiểm tra tính xác thực của kết quả").click()
    arrive(citizen, r".*/kiem-tra-ket-qua/")
    citizen.get_by_label("Tệp kết quả (PDF)").set_input_files(str(result_pdf))
    citizen.get_by_role("button", name="Kiểm tra", exact=True).click()
    report = citizen.locator("[data-report-code]")
    report.wait_for()
    assert report.get_attribute("data-report-code") == "valid", report.inner_text()
    assert "Hợp lệ:" in report.inner_text()
    assert f"KQ-{code}" in report.inner_text()
    audit(citizen, "backoffice-09-verified-phone")
    citizen.goto("/kho-du-lieu/")
    stored = citizen.locator("li.card").filter(has_text=code)
    assert stored.count() == 1, citizen.locator("main").inner_text()[:1500]
    assert "Xác nhận đăng ký tạm trú" in stored.inner_text()
    assert "Kết quả do" in stored.inner_text()
    audit(citizen, "backoffice-10-datastore-phone")

    # 8. Past its date: the deadline check, the apology letter on the citizen's page.
    late = in_db(backdated_free_dossier, person.pin)
    citizen.goto(f"/ho-so/{late['pk']}/")
    apology = citizen.locator('#theo-doi [data-kind="apology"]')
    assert apology.count() == 1, citizen.locator("#theo-doi").inner_text()
    assert "xin lỗi" in apology.inner_text() and late["code"] in apology.inner_text()
    audit(citizen, "backoffice-11-apology-phone")
    with citizen.expect_download() as letter:
        apology.get_by_role("link", name="Tải thư xin lỗi (PDF)").click()
    assert letter.value.suggested_filename.startswith(f"thu-xin-loi-{late['code']}-")
    assert letter.value.suggested_filename.endswith(".pdf")
    letter_path = tmp_path / letter.value.suggested_filename
    letter.value.save_as(letter_path)
    assert letter_path.read_bytes().startswith(b"%PDF-")
    # The leader was told of the escalation.
    assert any(late["code"] in body for body in in_db(official_inbox, "lanhdao.demo"))

    for page, problems in (
        (citizen, citizen_problems),
        (receiver, receiver_problems),
        (processor, processor_problems),
        (approver, approver_problems),
    ):
        problems.check(page)
    audit.check()
