"""The payment platform simulator against docs/payment-platform-contract.md, over real HTTP.

The signatures are computed here from the contract's text, not with the simulator's own
helpers, so that a simulator that misreads the contract cannot agree with itself.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import threading
import time
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlsplit
from zoneinfo import ZoneInfo

import httpx
import pytest

SECRET = "sim-payments-secret"
MERCHANT = "DVC-PORTAL"
RETURN_URL = "http://portal.test/thanh-toan/ve/?lang=vi"
NOTIFY_URL = "http://portal.test/thanh-toan/thong-bao/"
HEADER = "order_ref,payment_id,transaction_no,amount,currency,status,method,paid_at,refunded_amount"


def _hmac(secret: str, message: str) -> str:
    return hmac.new(secret.encode(), message.encode(), hashlib.sha256).hexdigest()


class Platform:
    """A merchant's client of the simulator, signing as the contract says."""

    def __init__(self, base: str) -> None:
        self.base = base

    def call(
        self,
        method: str,
        path: str,
        body: dict | None = None,
        *,
        merchant: str = MERCHANT,
        secret: str = SECRET,
        timestamp: int | None = None,
        timeout: float = 5,
    ) -> httpx.Response:
        url = self.base + path
        raw = json.dumps(body) if body is not None else ""
        stamp = str(int(time.time()) if timestamp is None else timestamp)
        parts = urlsplit(url)
        signed_path = parts.path + (f"?{parts.query}" if parts.query else "")
        headers = {
            "X-Merchant-Id": merchant,
            "X-Timestamp": stamp,
            "X-Signature": _hmac(secret, f"{stamp}\n{method}\n{signed_path}\n{raw}"),
            "Content-Type": "application/json",
        }
        return httpx.request(method, url, content=raw.encode(), headers=headers, timeout=timeout)

    def create(
        self, order_ref: str = "DVC-0001", amount: int = 7000, *, timeout: float = 5, **extra
    ) -> httpx.Response:
        body = {
            "merchant_id": MERCHANT,
            "order_ref": order_ref,
            "amount": amount,
            "currency": "VND",
            "description": "Lệ phí hồ sơ G01.001",
            "return_url": RETURN_URL,
            "notify_url": NOTIFY_URL,
            "expires_in": 900,
            **extra,
        }
        return self.call("POST", "v1/payments", body, timeout=timeout)

    def status(self, order_ref: str = "DVC-0001") -> dict:
        response = self.call("GET", f"v1/payments/{order_ref}")
        assert response.status_code == 200, response.text
        return response.json()

    def settle(self, order_ref: str = "DVC-0001", **body) -> httpx.Response:
        return self.call("POST", f"v1/payments/{order_ref}/settle", {"method": "card", **body})

    def fault(self, mode: str) -> None:
        response = httpx.post(self.base + "faults", json={"mode": mode}, timeout=5)
        assert response.status_code == 200, response.text

    def outbox(self) -> list[dict]:
        response = httpx.get(self.base + "outbox", timeout=5)
        assert response.status_code == 200, response.text
        return response.json()


@pytest.fixture
def platform(sim_server) -> Platform:
    return Platform(sim_server + "/sim/payments/")


def _form_token(html: str) -> str:
    match = re.search(r'name="form_token" value="([^"]+)"', html)
    assert match, "the pay page has no form token"
    return match.group(1)


def _pay_in_browser(pay_url: str, action: str = "pay", method: str = "card") -> httpx.Response:
    with httpx.Client(timeout=5) as browser:
        page = browser.get(pay_url)
        assert page.status_code == 200, page.text
        return browser.post(
            pay_url,
            data={"form_token": _form_token(page.text), "method": method, "action": action},
        )


def _return_params(location: str) -> dict[str, str]:
    """The return's parameters after checking its signature as the portal would."""
    parts = urlsplit(location)
    assert f"{parts.scheme}://{parts.netloc}{parts.path}" == "http://portal.test/thanh-toan/ve/"
    params = dict(parse_qsl(parts.query, keep_blank_values=True))
    canonical = "&".join(f"{k}={params[k]}" for k in sorted(params) if k != "signature")
    assert hmac.compare_digest(params["signature"], _hmac(SECRET, canonical))
    assert abs(int(params["timestamp"]) - time.time()) < 60
    return params


def _verified(entry: dict, secret: str = SECRET) -> bool:
    headers = entry["headers"]
    expected = _hmac(secret, f"{headers['X-Timestamp']}\n{entry['body']}")
    return hmac.compare_digest(headers["X-Signature"], expected)


def _today() -> str:
    return datetime.now(ZoneInfo("Asia/Ho_Chi_Minh")).date().isoformat()


# --- create -----------------------------------------------------------------------------
def test_a_payment_is_created_pending_with_a_pay_url(platform):
    response = platform.create()

    assert response.status_code == 201, response.text
    payment = response.json()
    assert payment["payment_id"].startswith("PGV")
    assert payment["order_ref"] == "DVC-0001"
    assert payment["status"] == "pending"
    assert payment["amount"] == 7000
    assert payment["pay_url"] == platform.base + "pay/" + payment["payment_id"]
    expires_at = datetime.fromisoformat(payment["expires_at"])
    assert expires_at.utcoffset() == timedelta(hours=7)
    assert 890 <= expires_at.timestamp() - time.time() <= 901


def test_the_same_order_ref_returns_the_first_payment_and_refuses_another_amount(platform):
    first = platform.create().json()

    again = platform.create()
    assert again.status_code == 200
    assert again.json()["payment_id"] == first["payment_id"]

    conflict = platform.create(amount=8000)
    assert conflict.status_code == 409
    assert conflict.json()["error"]["code"] == "order_ref_conflict"


@pytest.mark.parametrize(
    ("field", "value", "code"),
    [
        ("order_ref", "D" * 41, "bad_order_ref"),
        ("order_ref", "DVC_0001", "bad_order_ref"),
        ("order_ref", "", "bad_order_ref"),
        ("amount", 0, "bad_amount"),
        ("amount", -7000, "bad_amount"),
        ("amount", 7000.5, "bad_amount"),
        ("amount", "7000", "bad_amount"),
        ("amount", True, "bad_amount"),
        ("amount", 10_000_000_001, "bad_amount"),
        ("return_url", "/thanh-toan/ve/", "bad_return_url"),
        ("return_url", "javascript:alert(1)", "bad_return_url"),
        ("notify_url", "ftp://portal.test/x", "bad_notify_url"),
        ("currency", "USD", "bad_currency"),
    ],
)
def test_invalid_payments_are_refused_with_a_code(platform, field, value, code):
    response = platform.create(**{field: value})

    assert response.status_code == 422, response.text
    assert response.json()["error"]["code"] == code


def test_the_largest_allowed_amount_is_accepted(platform):
    assert platform.create(amount=10_000_000_000).status_code == 201


# --- signatures -------------------------------------------------------------------------
def test_a_wrong_key_is_refused(platform):
    response = platform.call("GET", "v1/payments/DVC-0001", secret="not-the-secret")

    assert response.status_code == 401
    assert response.json() == {
        "error": {"code": "bad_signature", "message": response.json()["error"]["message"]}
    }


def test_a_body_changed_after_signing_is_refused(platform):
    stamp = str(int(time.time()))
    signed = json.dumps({"order_ref": "DVC-0001", "amount": 7000})
    response = httpx.post(
        platform.base + "v1/payments",
        content=signed.replace("7000", "1000"),
        headers={
            "X-Merchant-Id": MERCHANT,
            "X-Timestamp": stamp,
            "X-Signature": _hmac(SECRET, f"{stamp}\nPOST\n/sim/payments/v1/payments\n{signed}"),
        },
    )

    assert response.status_code == 401
    assert response.json()["error"]["code"] == "bad_signature"


def test_a_request_without_signature_is_refused(platform):
    response = httpx.get(
        platform.base + "v1/payments/DVC-0001", headers={"X-Merchant-Id": MERCHANT}
    )

    assert response.status_code == 401
    assert response.json()["error"]["code"] == "bad_signature"


# Ahead, the margin is wider: the clock moves on between signing and the check, on a busy
# machine by seconds, which brings a timestamp 301 s ahead back inside the window.
@pytest.mark.parametrize("offset", [-301, 330])
def test_a_timestamp_more_than_300_seconds_away_is_stale(platform, offset):
    response = platform.call("GET", "v1/payments/DVC-0001", timestamp=int(time.time()) + offset)

    assert response.status_code == 401
    assert response.json()["error"]["code"] == "stale_request"


def test_an_unknown_merchant_is_refused(platform):
    response = platform.call("GET", "v1/payments/DVC-0001", merchant="SOMEONE-ELSE")

    assert response.status_code == 401
    assert response.json()["error"]["code"] == "unknown_merchant"


def test_the_query_string_is_part_of_the_signed_path(platform):
    platform.create()

    assert platform.call("GET", "v1/payments/DVC-0001?x=1").status_code == 200


# --- the pay page -----------------------------------------------------------------------
def test_the_pay_page_offers_three_methods_a_qr_code_and_no_script(platform):
    payment = platform.create().json()

    page = httpx.get(payment["pay_url"], timeout=5)

    assert page.status_code == 200
    html = page.text
    assert "Cổng Dịch vụ công quốc gia" in html
    assert "Lệ phí hồ sơ G01.001" in html
    assert "7.000 ₫" in html
    for method in ("card", "bank_qr", "ewallet"):
        assert f'value="{method}"' in html
    assert "Thẻ ngân hàng" in html and "Chuyển khoản VietQR" in html and "Ví điện tử" in html
    assert "<svg" in html
    assert 'value="pay"' in html and 'value="cancel"' in html
    assert "<script" not in html and "style=" not in html
    policy = page.headers["Content-Security-Policy"]
    assert "unsafe-inline" not in policy
    assert "form-action 'self' http://portal.test;" in policy


def test_paying_redirects_with_a_signed_return_and_queues_one_signed_callback(platform):
    payment = platform.create().json()

    response = _pay_in_browser(payment["pay_url"], method="bank_qr")

    assert response.status_code == 302
    params = _return_params(response.headers["Location"])
    assert params["lang"] == "vi"  # the return URL's own query string is kept
    assert params["order_ref"] == "DVC-0001"
    assert params["status"] == "paid"
    assert params["amount"] == "7000"
    assert re.fullmatch(r"TXN[0-9]+", params["transaction_no"])

    [callback] = platform.outbox()
    assert callback["url"] == NOTIFY_URL
    assert _verified(callback)
    body = json.loads(callback["body"])
    assert body["event_id"].startswith("EVT")
    assert body == {
        "event_id": body["event_id"],
        "payment_id": payment["payment_id"],
        "order_ref": "DVC-0001",
        "status": "paid",
        "amount": 7000,
        "currency": "VND",
        "method": "bank_qr",
        "transaction_no": params["transaction_no"],
        "paid_at": body["paid_at"],
    }
    assert datetime.fromisoformat(body["paid_at"]).utcoffset() == timedelta(hours=7)
    assert platform.outbox() == []  # reading empties it

    status = platform.status()
    assert status == {
        "payment_id": payment["payment_id"],
        "order_ref": "DVC-0001",
        "status": "paid",
        "amount": 7000,
        "currency": "VND",
        "method": "bank_qr",
        "transaction_no": params["transaction_no"],
        "paid_at": body["paid_at"],
        "refunded_amount": 0,
    }


def test_a_pay_form_without_the_right_token_is_refused(platform):
    payment = platform.create().json()

    response = httpx.post(
        payment["pay_url"], data={"form_token": "forged", "method": "card", "action": "pay"}
    )

    assert response.status_code == 403
    assert platform.status()["status"] == "pending"
    assert platform.outbox() == []


def test_a_re_posted_pay_form_does_not_pay_twice(platform):
    payment = platform.create().json()
    page = httpx.get(payment["pay_url"])
    form = {"form_token": _form_token(page.text), "method": "card", "action": "pay"}
    first = httpx.post(payment["pay_url"], data=form)
    transaction_no = platform.status()["transaction_no"]

    second = httpx.post(payment["pay_url"], data=form)

    assert first.status_code == 302
    assert second.status_code == 409
    assert "đã được thanh toán" in second.text
    assert platform.status()["transaction_no"] == transaction_no
    assert len(platform.outbox()) == 1
    paid_page = httpx.get(payment["pay_url"])
    link = re.search(r'class="button" href="([^"]+)"', paid_page.text).group(1)
    assert _return_params(link.replace("&amp;", "&"))["transaction_no"] == transaction_no


def test_cancelling_returns_cancelled_without_a_transaction(platform):
    payment = platform.create().json()

    response = _pay_in_browser(payment["pay_url"], action="cancel")

    params = _return_params(response.headers["Location"])
    assert params["status"] == "cancelled"
    assert "transaction_no" not in params
    [callback] = platform.outbox()
    assert json.loads(callback["body"])["status"] == "cancelled"
    assert platform.status()["status"] == "cancelled"


def test_a_declined_payment_is_failed(platform):
    payment = platform.create().json()

    response = _pay_in_browser(payment["pay_url"], action="fail", method="ewallet")

    assert _return_params(response.headers["Location"])["status"] == "failed"
    assert platform.status()["status"] == "failed"


def test_an_expired_payment_is_reported_and_cannot_be_paid(platform):
    payment = platform.create(expires_in=1).json()
    token = _form_token(httpx.get(payment["pay_url"]).text)
    time.sleep(2.1)  # expiry is in whole seconds, rounded up

    assert platform.status()["status"] == "expired"
    page = httpx.get(payment["pay_url"])
    assert "đã hết hạn" in page.text and 'name="form_token"' not in page.text
    late = httpx.post(
        payment["pay_url"], data={"form_token": token, "method": "card", "action": "pay"}
    )
    assert late.status_code == 409
    settled = platform.settle()
    assert settled.status_code == 409
    assert settled.json()["error"]["code"] == "not_payable"
    assert platform.outbox() == []


def test_an_unknown_pay_page_is_not_found(platform):
    assert httpx.get(platform.base + "pay/PGV0000000000000000").status_code == 404


# --- status, settle, refunds ------------------------------------------------------------
def test_an_unknown_order_is_not_found(platform):
    response = platform.call("GET", "v1/payments/DVC-NOPE")

    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_settle_pays_without_a_browser_and_answers_the_return_url(platform):
    platform.create()

    response = platform.settle(method="ewallet")

    assert response.status_code == 200, response.text
    answer = response.json()
    assert answer["status"] == "paid" and answer["method"] == "ewallet"
    assert _return_params(answer["return_url"])["transaction_no"] == answer["transaction_no"]
    assert len(platform.outbox()) == 1
    assert platform.settle().status_code == 409


def test_refunds_are_partial_then_full_idempotent_and_never_exceed_the_payment(platform):
    platform.create(amount=50_000)
    pending = platform.call(
        "POST", "v1/payments/DVC-0001/refunds", {"refund_ref": "RF-0", "amount": 1000}
    )
    assert pending.status_code == 422
    assert pending.json()["error"]["code"] == "not_refundable"
    platform.settle()

    def refund(ref: str, amount: int) -> httpx.Response:
        return platform.call(
            "POST",
            "v1/payments/DVC-0001/refunds",
            {"refund_ref": ref, "amount": amount, "reason": "Hồ sơ bị từ chối"},
        )

    first = refund("RF-1", 20_000)
    assert first.status_code == 201
    assert first.json()["refund_id"].startswith("RFD")
    assert first.json() == {
        "refund_id": first.json()["refund_id"],
        "refund_ref": "RF-1",
        "status": "succeeded",
        "amount": 20_000,
    }
    assert platform.status()["status"] == "partially_refunded"
    assert platform.status()["refunded_amount"] == 20_000

    again = refund("RF-1", 20_000)
    assert again.status_code == 200 and again.json() == first.json()
    assert platform.status()["refunded_amount"] == 20_000

    too_much = refund("RF-2", 30_001)
    assert too_much.status_code == 422
    assert too_much.json()["error"]["code"] == "not_refundable"

    assert refund("RF-3", 30_000).status_code == 201
    status = platform.status()
    assert status["status"] == "refunded" and status["refunded_amount"] == 50_000
    assert refund("RF-4", 1).status_code == 422


# --- reconciliation ---------------------------------------------------------------------
def test_the_reconciliation_file_lists_the_day_s_payments_signed(platform, settings):
    settings.SIM_PAYMENTS_MERCHANTS = {MERCHANT, "OTHER-MERCHANT"}
    platform.create()
    platform.create(order_ref="DVC-0002")  # never paid: not in the file
    paid = platform.settle().json()
    platform.call(
        "POST",
        "v1/payments",
        {
            "merchant_id": "OTHER-MERCHANT",
            "order_ref": "X-1",
            "amount": 9000,
            "return_url": RETURN_URL,
            "notify_url": NOTIFY_URL,
        },
        merchant="OTHER-MERCHANT",
    )
    platform.call("POST", "v1/payments/X-1/settle", {"method": "card"}, merchant="OTHER-MERCHANT")

    response = platform.call("GET", f"v1/reconciliation/{_today()}")

    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    body = response.content.decode()
    assert _verified({"headers": response.headers, "body": body})
    lines = body.splitlines()
    assert lines == [
        HEADER,
        f"DVC-0001,{paid['payment_id']},{paid['transaction_no']},7000,VND,paid,card,"
        f"{paid['paid_at']},0",
    ]


def test_a_day_without_payments_gives_the_header_alone(platform):
    response = platform.call("GET", "v1/reconciliation/2020-01-01")

    assert response.status_code == 200
    assert response.content.decode().splitlines() == [HEADER]


def test_a_malformed_reconciliation_date_is_refused(platform):
    assert platform.call("GET", "v1/reconciliation/2020-13-01").status_code == 422


# --- faults -----------------------------------------------------------------------------
def test_the_fault_switchboard_shows_and_refuses_modes(platform):
    assert httpx.get(platform.base + "faults").json() == {"mode": "none"}
    platform.fault("callback_lost")
    assert httpx.get(platform.base + "faults").json() == {"mode": "callback_lost"}
    refused = httpx.post(platform.base + "faults", json={"mode": "explode"})
    assert refused.status_code == 400
    assert refused.json()["error"]["code"] == "invalid_mode"


def test_callback_lost_sends_nothing(platform):
    payment = platform.create().json()
    platform.fault("callback_lost")

    response = _pay_in_browser(payment["pay_url"])

    assert _return_params(response.headers["Location"])["status"] == "paid"
    assert platform.outbox() == []


def test_callback_duplicated_sends_the_same_event_twice(platform):
    platform.create()
    platform.fault("callback_duplicated")

    platform.settle()

    first, second = platform.outbox()
    assert first == second
    assert _verified(first)


def test_bad_signature_signs_the_callback_with_a_wrong_key(platform):
    payment = platform.create().json()
    platform.fault("bad_signature")

    response = _pay_in_browser(payment["pay_url"])

    [callback] = platform.outbox()
    assert not _verified(callback)
    _return_params(response.headers["Location"])  # the return itself stays signed right


def test_amount_mismatch_charges_1000_less_everywhere(platform):
    payment = platform.create().json()
    platform.fault("amount_mismatch")

    response = _pay_in_browser(payment["pay_url"])

    assert _return_params(response.headers["Location"])["amount"] == "6000"
    [callback] = platform.outbox()
    assert json.loads(callback["body"])["amount"] == 6000
    platform.fault("none")
    assert platform.status()["amount"] == 6000
    csv_body = platform.call("GET", f"v1/reconciliation/{_today()}").content.decode()
    assert ",6000,VND,paid," in csv_body.splitlines()[1]


def test_timeout_answers_late_but_does_the_work(platform, settings):
    settings.SIM_PAYMENTS_TIMEOUT_SECONDS = 1.5
    platform.fault("timeout")

    with pytest.raises(httpx.ReadTimeout):
        platform.create(timeout=0.5)

    platform.fault("none")
    assert platform.status()["status"] == "pending"
    assert platform.create().status_code == 200  # the retry finds the first payment


def test_the_pages_outside_the_api_never_time_out(platform, settings):
    settings.SIM_PAYMENTS_TIMEOUT_SECONDS = 5
    payment = platform.create().json()
    platform.fault("timeout")

    assert httpx.get(payment["pay_url"], timeout=1).status_code == 200
    assert httpx.get(platform.base + "outbox", timeout=1).status_code == 200


# --- real delivery ----------------------------------------------------------------------
class _Receiver:
    """A merchant's notify endpoint on loopback answering the given statuses in turn."""

    def __init__(self, statuses: list[int]) -> None:
        self.statuses = statuses
        self.received: list[tuple[float, dict, str]] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's naming
                body = self.rfile.read(int(self.headers["Content-Length"])).decode()
                receiver.received.append((time.monotonic(), dict(self.headers), body))
                status = receiver.statuses.pop(0) if receiver.statuses else 200
                self.send_response(status)
                self.end_headers()
                self.wfile.write(b'{"received": true}')

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/thanh-toan/thong-bao/"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def wait_for(self, count: int, seconds: float = 5) -> None:
        deadline = time.monotonic() + seconds
        while len(self.received) < count and time.monotonic() < deadline:
            time.sleep(0.02)
        assert len(self.received) >= count, self.received

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def delivering(settings, monkeypatch):
    from simulators.payments import callbacks

    settings.SIM_PAYMENTS_DELIVER_CALLBACKS = True
    settings.SIM_PAYMENTS_CALLBACK_DELAY = 0.3
    monkeypatch.setattr(callbacks, "RETRY_PAUSES", (0.05, 0.05, 0.05))
    receivers: list[_Receiver] = []

    def start(statuses: list[int]) -> _Receiver:
        receivers.append(_Receiver(statuses))
        return receivers[-1]

    yield start
    for receiver in receivers:
        receiver.close()


def test_callbacks_are_posted_after_the_redirect_and_retried(platform, delivering):
    receiver = delivering([500, 503])
    payment = platform.create(notify_url=receiver.url).json()

    response = _pay_in_browser(payment["pay_url"])
    redirected_at = time.monotonic()

    assert response.status_code == 302
    assert receiver.received == []
    receiver.wait_for(3)
    time.sleep(0.2)
    assert len(receiver.received) == 3  # two refusals, then taken: no more
    assert receiver.received[0][0] - redirected_at > 0.2
    _, headers, body = receiver.received[2]
    assert _verified({"headers": headers, "body": body})
    assert platform.outbox() == []


def test_callback_early_arrives_before_the_redirect(platform, delivering):
    receiver = delivering([])
    payment = platform.create(notify_url=receiver.url).json()
    platform.fault("callback_early")

    response = _pay_in_browser(payment["pay_url"])

    assert response.status_code == 302
    assert len(receiver.received) == 1
    assert json.loads(receiver.received[0][2])["status"] == "paid"


def test_the_index_page_lists_recent_payments(platform):
    platform.create()

    page = httpx.get(platform.base)

    assert page.status_code == 200
    assert "DVC-0001" in page.text and "7.000 ₫" in page.text
