"""The one-stop simulator (``simulators.onestop``) as a separate process, against a tiny fake
portal run here: the fake portal verifies everything it receives with the protocol module, so
a simulator that breaks the contract is caught by the same checks the real portal makes.

No database: the simulator keeps its own SQLite file, and the fake portal its lists.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from io import BytesIO
from pathlib import Path
from urllib.parse import parse_qsl

import httpx
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from jwcrypto import jwk

from dichvucong.exchange import protocol

SRC = Path(__file__).resolve().parents[2] / "src"
CODE, PORTAL = "DLK", "DVCQG"
API = "/api/v1/lien-thong"


def wait_for(predicate, timeout: float = 15.0, what: str = "condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if found := predicate():
            return found
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


# --- a fake CA: a root and an agency certificate, like the CA simulator's answer ------------
def _certificate(subject: str, key, issuer: str, issuer_key, *, ca: bool) -> x509.Certificate:
    now = datetime.now(UTC)
    builder = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject)]))
        .issuer_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, issuer)]))
        .public_key(key.public_key()).serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5)).not_valid_after(now + timedelta(days=30))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
        .add_extension(x509.KeyUsage(
            digital_signature=not ca, content_commitment=not ca, key_encipherment=False,
            data_encipherment=False, key_agreement=False, key_cert_sign=ca, crl_sign=ca,
            encipher_only=False, decipher_only=False), critical=True)
    )
    return builder.sign(issuer_key, hashes.SHA256())


class FakeCA:
    def __init__(self) -> None:
        self.root_key = ec.generate_private_key(ec.SECP256R1())
        self.root = _certificate("Test Root CA", self.root_key, "Test Root CA", self.root_key, ca=True)
        self.requests: list[dict] = []

    def issue(self, request: dict) -> dict:
        self.requests.append(request)
        key = ec.generate_private_key(ec.SECP256R1())
        leaf = _certificate(request["subject_name"], key, "Test Root CA", self.root_key, ca=False)
        pem = serialization.Encoding.PEM
        return {
            "certificate_pem": leaf.public_bytes(pem).decode(),
            "private_key_pem": key.private_bytes(pem, serialization.PrivateFormat.PKCS8,
                                                 serialization.NoEncryption()).decode(),
            "chain_pems": [self.root.public_bytes(pem).decode()],
        }


# --- the fake portal --------------------------------------------------------------------------
class FakePortal:
    """The portal's side of the exchange, reduced to what the simulator talks to."""

    def __init__(self, sim_public_file: Path) -> None:
        self.key = protocol.new_key(PORTAL)
        self.sim_public_file = sim_public_file
        self.ca = FakeCA()
        self.available = True
        self.messages: list[dict] = []  # accepted, in arrival order
        self.duplicates: list[str] = []  # message ids posted again with the very same token
        self.refusals: list[str] = []
        self.refuse_with: tuple[int, str] | None = None  # answer every message so (suspended, revoked…)
        self.refused_tokens: list[str] = []
        self.token_requests = 0
        self.lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def sim_key(self) -> jwk.JWK:
        return jwk.JWK(**json.loads(self.sim_public_file.read_text()))

    def of_type(self, message_type: str, dossier: str | None = None) -> list[dict]:
        with self.lock:
            return [m for m in self.messages if m["envelope"]["type"] == message_type
                    and (dossier is None or m["envelope"].get("correlation_id") == dossier)]

    def token(self, form: dict) -> tuple[int, dict]:
        with self.lock:
            self.token_requests += 1
        try:
            protocol.verify_client_assertion(form["client_assertion"], key=self.sim_key(),
                                             audience=self.url + API + "/token", client_id=CODE)
        except (protocol.ProtocolError, KeyError):
            return 401, {"error": "invalid_client"}
        return 200, {"access_token": protocol.access_token(issuer=PORTAL, subject=CODE, scope=["lien-thong"],
                                                           key=self.key), "token_type": "Bearer", "expires_in": 300}

    def message(self, authorization: str | None, token: str) -> tuple[int, dict]:
        if refusal := self.refuse_with:
            with self.lock:
                self.refused_tokens.append(token)
            return refusal[0], {"error": {"code": refusal[1], "message": refusal[1]}}
        try:
            protocol.verify_access_token(protocol.bearer(authorization), key=self.key, issuer=PORTAL)
            envelope = protocol.verified_envelope(token, self.sim_key())
            assert envelope["sender"] == CODE and envelope["receiver"] == PORTAL
            assert protocol.is_fresh(envelope["timestamp"])
            payload = protocol.checked_payload(envelope["type"], protocol.decrypted_payload(envelope, self.key))
        except protocol.ProtocolError as error:
            with self.lock:
                self.refusals.append(error.code)
            return 401, {"error": {"code": error.code, "message": error.detail}}
        with self.lock:
            if any(m["token"] == token for m in self.messages):
                self.duplicates.append(envelope["message_id"])
                return 202, {"message_id": envelope["message_id"], "status": "duplicate"}
            self.messages.append({"envelope": envelope, "payload": payload, "token": token})
        return 202, {"message_id": envelope["message_id"], "status": "accepted"}

    def _handler(self):
        portal = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def _send(self, status: int, body: dict) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self):
                if self.path == API + "/jwks.json":
                    return self._send(200, {"keys": [protocol.public_jwk(portal.key)]})
                self._send(404, {})

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                if self.path == "/sim/ca/certificates":
                    return self._send(201, portal.ca.issue(json.loads(body)))
                if not portal.available:
                    return self._send(503, {"error": {"code": "unavailable"}})
                if self.path == API + "/token":
                    return self._send(*portal.token(dict(parse_qsl(body.decode()))))
                if self.path == API + "/thong-diep":
                    return self._send(*portal.message(self.headers.get("Authorization"), body.decode()))
                self._send(404, {})

        return Handler


# --- the simulator as a process -----------------------------------------------------------------
def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Simulator:
    def __init__(self, data_dir: Path, portal: FakePortal, *extra: str) -> None:
        self.data_dir, self.portal, self.process, self.extra = data_dir, portal, None, extra
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        env = {**os.environ, "PYTHONPATH": str(SRC)}
        env.pop("DJANGO_SETTINGS_MODULE", None)  # it must not need Django
        log = open(self.data_dir.parent / f"{self.data_dir.name}.log", "ab")  # noqa: SIM115 - the child holds it
        self.process = subprocess.Popen(
            [sys.executable, "-m", "simulators.onestop", "serve", "--code", CODE,
             "--name", "Hệ thống một cửa điện tử tỉnh Đắk Lắk", "--agency-code", "000.00.00.H66",
             "--port", str(self.port), "--data-dir", str(self.data_dir), "--portal-url", self.portal.url,
             "--heartbeat-seconds", "600", *self.extra],
            env=env, stdout=log, stderr=log)
        log.close()

        def healthy() -> bool:
            assert self.process.poll() is None, "the simulator exited"
            try:
                return httpx.get(self.url + "/health", timeout=1).status_code == 200
            except httpx.HTTPError:
                return False

        wait_for(healthy, what="the simulator's /health")

    def kill(self) -> None:
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(10)

    def control(self, path: str, body: dict | None = None) -> httpx.Response:
        return httpx.post(self.url + "/control/" + path, json=body or {}, timeout=30)

    def state(self) -> dict:
        return httpx.get(self.url + "/control/state", timeout=5).json()

    def token_reply(self, audience: str | None = None, headers: dict | None = None, **form) -> httpx.Response:
        endpoint = self.url + "/lien-thong/token"
        assertion = protocol.client_assertion(client_id=PORTAL, audience=audience or endpoint, key=self.portal.key)
        return httpx.post(endpoint, headers=headers, data={
            "grant_type": "client_credentials", "client_assertion_type": protocol.CLIENT_ASSERTION_TYPE,
            "client_assertion": assertion, **form})

    def access_token(self, **form) -> str:
        reply = self.token_reply(**form)
        assert reply.status_code == 200, reply.text
        return reply.json()["access_token"]

    def seal(self, message_type: str, payload: dict, **overrides) -> str:
        options = {"sender": PORTAL, "receiver": CODE, "signing_key": self.portal.key,
                   "correlation_id": payload.get("dossier_code", ""), **overrides}
        if message_type in protocol.PERSONAL_DATA_TYPES and "encrypt_for" not in options:
            options["encrypt_for"] = self.portal.sim_key()
        return protocol.seal(message_type=message_type, payload=payload, **options)

    def post(self, token: str, access_token: str | None = None) -> httpx.Response:
        headers = {"Content-Type": "application/jose"}
        if access_token is not False:
            headers["Authorization"] = f"Bearer {access_token or self.access_token()}"
        return httpx.post(self.url + "/lien-thong/thong-diep", content=token, headers=headers, timeout=10)


def handover(code: str, attachment: bytes = b"%PDF-1.4 don de nghi") -> dict:
    return {
        "dossier_code": code, "procedure_code": "1.000426", "agency_code": "000.02.00.H66",
        "submitted_at": protocol.now_iso(), "delivery_method": "online",
        "applicant": {"full_name": "Phạm Thị Lan", "pin": "066190000123"},
        "data": {"dia_chi": "Buôn Ma Thuột"},
        "attachments": [{"name": "don-de-nghi.pdf", "content_type": "application/pdf",
                         "sha256": hashlib.sha256(attachment).hexdigest(),
                         "content": base64.b64encode(attachment).decode()}],
    }


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    data_dir = tmp_path_factory.mktemp("onestop") / "DLK"
    portal = FakePortal(data_dir / "public.jwk.json")
    simulator = Simulator(data_dir, portal)
    simulator.start()
    yield simulator
    if simulator.process.poll() is None:
        simulator.process.terminate()
        simulator.process.wait(10)
    portal.server.shutdown()


# --- tests ---------------------------------------------------------------------------------------
def test_the_simulator_needs_no_django():
    probe = "import sys, simulators.onestop.server; print(sorted({m.split('.')[0] for m in sys.modules}))"
    loaded = subprocess.run([sys.executable, "-c", probe], env={**os.environ, "PYTHONPATH": str(SRC)},
                            capture_output=True, text=True, timeout=30, check=True).stdout
    assert "'django'" not in loaded and "'celery'" not in loaded


def test_catalog_and_heartbeat_arrive_signed_and_valid(world):
    portal = world.portal
    catalog = wait_for(lambda: portal.of_type("catalog_sync"), what="catalog_sync")[0]
    heartbeat = wait_for(lambda: portal.of_type("heartbeat"), what="heartbeat")[0]
    codes = {p["code"] for p in catalog["payload"]["procedures"]}
    assert codes == {"1.000426", "1.002153", "1.000390", "H66.TP.001"}
    assert all(p["agency_code"] == "000.02.00.H66" and p["online"] for p in catalog["payload"]["procedures"])
    assert heartbeat["payload"]["status"] == "ok"
    assert "payload" in catalog["envelope"]  # no personal data: not encrypted
    assert protocol.header(catalog["token"])["kid"].startswith(f"{CODE}-")
    assert httpx.get(world.url + "/lien-thong/jwks.json").json()["keys"][0] == portal.sim_key().export_public(
        as_dict=True) | {"kid": portal.sim_key()["kid"]}
    assert not portal.refusals


def test_dossier_goes_from_handover_to_a_signed_result(world):
    portal, code = world.portal, "H66.22-261130-0001"
    reply = world.post(world.seal("dossier_handover", handover(code)))
    assert reply.status_code == 202 and reply.json()["status"] == "accepted"
    received = wait_for(lambda: portal.of_type("status_update", code), what="received")[0]
    assert received["payload"]["status"] == "received" and received["payload"]["sequence"] == 1
    assert "encrypted_payload" in received["envelope"]
    assert any(world.data_dir.glob("files/*/*don-de-nghi.pdf"))

    # "By command": the ctl CLI calls the control API.
    ctl = subprocess.run([sys.executable, "-m", "simulators.onestop", "ctl", "--url", world.url, "advance", code],
                         env={**os.environ, "PYTHONPATH": str(SRC)}, capture_output=True, text=True, timeout=30)
    assert ctl.returncode == 0 and json.loads(ctl.stdout)["status"] == "processing"
    processing = wait_for(lambda: portal.of_type("status_update", code)[1:], what="processing")[0]["payload"]
    assert (processing["status"], processing["sequence"], processing["step"]) == ("processing", 2, "Thẩm định hồ sơ")
    assert processing["official"]["name"] and processing["official"]["unit"]

    assert world.control(f"dossiers/{code}/advance").json()["status"] == "result_issued"
    result = wait_for(lambda: portal.of_type("result_delivery", code), what="result")[0]["payload"]
    pdf = base64.b64decode(result["document"]["content"])
    assert hashlib.sha256(pdf).hexdigest() == result["document"]["sha256"]
    _assert_signed(pdf, portal.ca)
    assert len(portal.ca.requests) == 1 and portal.ca.requests[0]["identifier"] == "000.00.00.H66"

    assert world.control(f"dossiers/{code}/advance").status_code == 409
    unknown = world.control("dossiers/NOPE/advance")
    assert unknown.status_code == 404 and unknown.json()["error"]["code"] == "unknown_dossier"
    dossier = next(d for d in world.state()["dossiers"] if d["code"] == code)
    assert dossier["status"] == "result_issued" and dossier["procedure_code"] == "1.000426"


def _assert_signed(pdf: bytes, ca: FakeCA) -> None:
    from asn1crypto import x509 as asn1_x509
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko_certvalidator import ValidationContext

    signatures = PdfFileReader(BytesIO(pdf)).embedded_signatures
    assert len(signatures) == 1
    root = asn1_x509.Certificate.load(ca.root.public_bytes(serialization.Encoding.DER))
    status = validate_pdf_signature(signatures[0], ValidationContext(
        trust_roots=[root], allow_fetching=False, revocation_mode="soft-fail"))
    assert status.intact and status.valid and status.trusted


def test_supplement_request_and_refusal(world):
    portal, code = world.portal, "H66.22-261130-0002"
    assert world.post(world.seal("dossier_handover", handover(code))).status_code == 202
    assert world.control(f"dossiers/{code}/supplement-request", {}).status_code == 400
    assert world.control(f"dossiers/{code}/supplement-request", {"reason": "Thiếu bản sao CCCD"}).status_code == 200
    request = wait_for(lambda: portal.of_type("supplement_request", code), what="supplement_request")[0]
    assert request["payload"]["reason"] == "Thiếu bản sao CCCD"
    supplement = {"dossier_code": code, "at": protocol.now_iso(), "note": "Đã bổ sung"}
    assert world.post(world.seal("supplement", supplement)).status_code == 202
    wait_for(lambda: [m for m in portal.of_type("status_update", code) if m["payload"]["sequence"] == 3],
             what="processing after the supplement")
    assert world.control(f"dossiers/{code}/refuse", {"reason": "Không đủ điều kiện"}).status_code == 200
    refused = wait_for(lambda: [m for m in portal.of_type("status_update", code)
                                if m["payload"]["status"] == "refused"], what="refused")[0]["payload"]
    assert refused["sequence"] == 4 and refused["reason"] == "Không đủ điều kiện"


def test_messages_and_tokens_are_checked(world):
    def refused(reply: httpx.Response, status: int, code: str) -> None:
        assert reply.status_code == status, reply.text
        assert reply.json()["error"]["code"] == code

    heartbeat = {"status": "ok"}
    refused(world.post(world.seal("heartbeat", heartbeat), access_token=False), 401, "invalid_token")
    refused(world.post(world.seal("heartbeat", heartbeat), access_token="not-a-token"), 401, "invalid_token")
    token = world.access_token()
    head, body, signature = world.seal("heartbeat", heartbeat).split(".")
    refused(world.post(f"{head}.{body}.{signature[::-1]}", token), 401, "bad_signature")
    stale = world.seal("heartbeat", heartbeat, now=datetime.now(UTC) - timedelta(minutes=10))
    refused(world.post(stale, token), 400, "stale")
    refused(world.post(world.seal("heartbeat", heartbeat, receiver="HNI"), token), 421, "not_for_us")
    refused(world.post(world.seal("heartbeat", heartbeat, sender="HNI"), token), 401, "sender_mismatch")
    refused(world.post(world.seal("heartbeat", heartbeat, signing_key=protocol.new_key("X")), token), 401,
            "unknown_key")
    refused(world.post(world.seal("supplement", {"dossier_code": "X", "at": protocol.now_iso()},
                                  encrypt_for=protocol.new_key("X")), token), 400, "undecryptable")
    refused(world.post(world.seal("heartbeat", {"status": "fine"}), token), 422, "schema_violation")
    tampered = handover("H66.22-261130-0099")
    tampered["attachments"][0]["sha256"] = "0" * 64
    refused(world.post(world.seal("dossier_handover", tampered), token), 422, "schema_violation")

    message_id = uuid.uuid4()
    first = world.seal("heartbeat", heartbeat, message_id=message_id)
    assert world.post(first, token).json()["status"] == "accepted"
    assert world.post(first, token).json()["status"] == "duplicate"
    again = world.seal("heartbeat", {"status": "degraded"}, message_id=message_id)
    refused(world.post(again, token), 409, "replayed")

    endpoint = world.url + "/lien-thong/token"
    assertion = protocol.client_assertion(client_id=PORTAL, audience=endpoint, key=world.portal.key)
    form = {"grant_type": "client_credentials", "client_assertion_type": protocol.CLIENT_ASSERTION_TYPE,
            "client_assertion": assertion}
    assert httpx.post(endpoint, data=form).status_code == 200
    reused = httpx.post(endpoint, data=form)
    assert reused.status_code == 401 and reused.json() == {"error": "invalid_client"}
    wrong = httpx.post(endpoint, data={**form, "grant_type": "password"})
    assert wrong.status_code == 400 and wrong.json() == {"error": "unsupported_grant_type"}
    stranger = protocol.client_assertion(client_id=PORTAL, audience=endpoint, key=protocol.new_key(PORTAL))
    assert httpx.post(endpoint, data={**form, "client_assertion": stranger}).status_code == 401


def _refused(reply: httpx.Response, status: int, code: str) -> None:
    assert reply.status_code == status, reply.text
    assert reply.json()["error"]["code"] == code


def test_the_token_audience_is_our_endpoint_never_the_host_header(world):
    # The portal made this assertion for Đà Nẵng's token endpoint: naming that host is not enough.
    other = "http://danang.example:8102/lien-thong/token"
    reply = world.token_reply(audience=other, headers={"Host": "danang.example:8102"})
    assert reply.status_code == 401 and reply.json() == {"error": "invalid_client"}
    assert world.token_reply(audience=f"http://localhost:{world.port}/lien-thong/token").status_code == 200


def test_token_endpoints_come_from_the_settings():
    from simulators.onestop.config import Config

    def endpoints(**settings) -> set[str]:
        return set(Config(code=CODE, name="x", agency_code="x", data_dir=Path("."), portal_url="http://p",
                          **settings).token_endpoints)

    assert endpoints(port=8101) == {"http://127.0.0.1:8101/lien-thong/token", "http://localhost:8101/lien-thong/token"}
    assert endpoints(host="motcua.internal", port=80, public_url="https://motcua.example/") == {
        "http://motcua.internal:80/lien-thong/token", "https://motcua.example/lien-thong/token"}


def test_only_what_the_portal_may_send_is_granted_and_received(world):
    everything = world.token_reply()
    assert everything.json()["scope"] == "dossier_handover supplement heartbeat"
    assert world.token_reply(scope="heartbeat").json()["scope"] == "heartbeat"
    asked_too_much = world.token_reply(scope="heartbeat status_update")
    assert asked_too_much.status_code == 400 and asked_too_much.json() == {"error": "invalid_scope"}

    token = everything.json()["access_token"]
    update = {"dossier_code": "X", "status": "received", "sequence": 1}
    _refused(world.post(world.seal("status_update", update), token), 403, "not_allowed")
    # The portal's order: not_allowed (9) before stale (10) and replayed (11)…
    old = datetime.now(UTC) - timedelta(minutes=10)
    _refused(world.post(world.seal("status_update", update, now=old), token), 403, "not_allowed")
    message_id = uuid.uuid4()
    assert world.post(world.seal("heartbeat", {"status": "ok"}, message_id=message_id), token).status_code == 202
    _refused(world.post(world.seal("status_update", update, message_id=message_id), token), 403, "not_allowed")
    # …stale (10) before replayed (11).
    stale_again = world.seal("heartbeat", {"status": "ok"}, message_id=message_id, now=old)
    _refused(world.post(stale_again, token), 400, "stale")
    # 14: a type we receive, but not one the token was granted for.
    narrow = world.access_token(scope="heartbeat")
    supplement = {"dossier_code": "X", "at": protocol.now_iso()}
    _refused(world.post(world.seal("supplement", supplement), narrow), 403, "not_allowed")
    assert world.post(world.seal("heartbeat", {"status": "ok"}), narrow).status_code == 202


@pytest.mark.parametrize(("status", "code"), [(403, "sender_suspended"), (401, "key_revoked"), (401, "invalid_token")])
def test_refusals_of_us_wait_until_the_portal_lets_us_in(world, status, code):
    """Suspended, key revoked, token refused: the messages wait (backing off) and go once an
    administrator has reinstated the member or registered a new key."""
    portal = world.portal
    before, dead, tokens = _heartbeats(portal), world.state()["outbox"]["dead"], portal.token_requests
    portal.refused_tokens.clear()
    portal.refuse_with = (status, code)
    try:
        world.control("heartbeat")
        wait_for(lambda: len(portal.refused_tokens) >= 2, what=f"the portal refusing {code} twice")
    finally:
        portal.refuse_with = None
    wait_for(lambda: _heartbeats(portal) > before, what="the heartbeat once let in")
    assert world.state()["outbox"]["dead"] == dead
    if status == 401:  # the token is not kept after a 401
        assert portal.token_requests > tokens


def test_dead_messages_are_replayed_on_command(world):
    portal = world.portal
    before, dead = _heartbeats(portal), world.state()["outbox"]["dead"]
    portal.refused_tokens.clear()
    portal.refuse_with = (422, "schema_violation")
    try:
        world.control("heartbeat")
        wait_for(lambda: world.state()["outbox"]["dead"] > dead, what="a dead heartbeat")
    finally:
        portal.refuse_with = None
    assert _heartbeats(portal) == before
    refused = portal.refused_tokens[-1]
    ctl = subprocess.run([sys.executable, "-m", "simulators.onestop", "ctl", "--url", world.url, "replay"],
                         env={**os.environ, "PYTHONPATH": str(SRC)}, capture_output=True, text=True, timeout=30)
    assert ctl.returncode == 0 and json.loads(ctl.stdout)["replayed"] >= 1
    message_id = protocol.verified_envelope(refused, portal.sim_key())["message_id"]
    replayed = wait_for(lambda: [m for m in portal.of_type("heartbeat") if m["envelope"]["message_id"] == message_id],
                        what="the replayed heartbeat")[0]
    assert replayed["token"] != refused  # sealed anew: a fresh timestamp
    assert world.state()["outbox"]["dead"] == 0


# --- processing in this process: changes that race ------------------------------------------------
@pytest.fixture
def local(tmp_path, monkeypatch):
    from simulators.onestop import processing
    from simulators.onestop.config import Config
    from simulators.onestop.store import Store

    config = Config(code=CODE, name="Một cửa", agency_code="000.00.00.H66", data_dir=tmp_path,
                    portal_url="http://portal.invalid")
    store = Store(tmp_path / "onestop.sqlite3")
    with store.write() as db:
        processing.receive_dossier(db, handover("X-1"), [])
    processing.advance(store, config, "X-1")  # processing, sequence 2
    monkeypatch.setattr(processing, "agency_credential", lambda config: tmp_path)  # no CA, no real PDF
    monkeypatch.setattr(processing, "result_pdf", lambda *args: b"%PDF-1.7 result")
    return processing, config, store


def _sequences(store) -> list[int]:
    return [json.loads(row["payload"])["sequence"]
            for row in store.read("SELECT payload FROM outbox WHERE type = 'status_update' ORDER BY id")]


def test_a_change_made_while_the_result_is_signed_is_not_overwritten(local, monkeypatch):
    processing, config, store = local

    def sign_pdf(pdf, *args):  # meanwhile, the dossier is refused behind the command's back
        with store.write() as db:
            db.execute("UPDATE dossiers SET status = 'refused' WHERE code = 'X-1'")
        return pdf

    monkeypatch.setattr(processing, "sign_pdf", sign_pdf)
    with pytest.raises(processing.NotAdvanceable):
        processing.advance(store, config, "X-1")
    dossier = store.dossier("X-1")
    assert dossier["status"] == "refused" and dossier["reference"] is None
    assert not store.read("SELECT 1 FROM outbox WHERE type = 'result_delivery'")
    assert not (config.data_dir / "results" / "X-1.pdf").exists()


def test_a_refusal_waits_for_the_result_being_signed(local, monkeypatch):
    processing, config, store = local
    outcome: list[object] = []

    def refuse() -> None:
        try:
            processing.refuse(store, "X-1", "Không đủ điều kiện")
            outcome.append("refused")
        except processing.NotAdvanceable as error:
            outcome.append(error)

    refusing = threading.Thread(target=refuse)

    def sign_pdf(pdf, *args):
        refusing.start()
        refusing.join(0.5)
        assert refusing.is_alive(), "the refusal did not wait for the command in progress"
        return pdf

    monkeypatch.setattr(processing, "sign_pdf", sign_pdf)
    assert processing.advance(store, config, "X-1") == "result_issued"
    refusing.join(10)
    assert isinstance(outcome[0], processing.NotAdvanceable) and str(outcome[0]) == "result_issued"
    assert store.dossier("X-1")["status"] == "result_issued"
    assert _sequences(store) == [1, 2]


def test_each_change_takes_the_next_sequence(local):
    processing, _config, store = local
    processing.request_supplement(store, "X-1", "Thiếu bản sao CCCD")
    processing.refuse(store, "X-1", "Không bổ sung")
    with pytest.raises(processing.NotAdvanceable):
        processing.refuse(store, "X-1", "again")
    assert _sequences(store) == [1, 2, 3, 4]


def _heartbeats(portal: FakePortal) -> int:
    return len(portal.of_type("heartbeat"))


def test_down_answers_503_and_messages_wait(world):
    portal = world.portal
    before = _heartbeats(portal)
    world.control("faults", {"down": True})
    try:
        refused = world.post(world.seal("heartbeat", {"status": "ok"}), access_token="whatever")
        assert refused.status_code == 503 and refused.json()["error"]["code"] == "unavailable"
        assert httpx.post(world.url + "/lien-thong/token", data={}).status_code == 503
        world.control("heartbeat")
        time.sleep(1.5)
        assert _heartbeats(portal) == before and world.state()["outbox"]["pending"] >= 1
    finally:
        assert world.control("faults/reset").json()["faults"]["down"] is False
    wait_for(lambda: _heartbeats(portal) > before, what="the heartbeat after the reset")


def test_bad_signature_is_refused_by_the_portal_then_recovers(world):
    portal = world.portal
    before = _heartbeats(portal)
    world.control("faults", {"bad_signature": True})
    world.control("heartbeat")
    wait_for(lambda: "bad_signature" in portal.refusals, what="a refused signature")
    assert _heartbeats(portal) == before
    world.control("faults/reset")
    wait_for(lambda: _heartbeats(portal) > before, what="the heartbeat after the reset")


def test_duplicates_posts_every_message_twice(world):
    portal = world.portal
    world.control("faults", {"duplicates": True})
    try:
        world.control("heartbeat")
        wait_for(lambda: portal.duplicates, what="a duplicate")
    finally:
        world.control("faults/reset")
    assert portal.duplicates[0] in {m["envelope"]["message_id"] for m in portal.of_type("heartbeat")}


def test_out_of_order_reverses_a_batch(world):
    portal, code = world.portal, "H66.22-261130-0003"
    assert world.post(world.seal("dossier_handover", handover(code))).status_code == 202
    wait_for(lambda: portal.of_type("status_update", code), what="received")
    world.control("faults", {"down": True})  # the sender holds everything back…
    world.control(f"dossiers/{code}/advance")
    world.control(f"dossiers/{code}/supplement-request", {"reason": "Ảnh chân dung không rõ"})
    world.control("faults", {"down": False, "out_of_order": True})  # …then sends it newest first
    try:
        updates = wait_for(lambda: portal.of_type("status_update", code)[2:] and portal.of_type("status_update", code),
                           what="the held updates")
    finally:
        world.control("faults/reset")
    assert [m["payload"]["sequence"] for m in updates] == [1, 3, 2]


def test_statistics_report_counts_this_month(world):
    assert world.control("statistics").status_code == 200
    report = wait_for(lambda: world.portal.of_type("statistics_report"), what="statistics_report")[-1]["payload"]
    today = datetime.now(protocol.VIETNAM).date()
    assert report["period"]["from"] == today.replace(day=1).isoformat()
    assert report["received"] >= 3 and report["resolved"] == 2 and report["on_time"] == 2
    assert report["online"] == report["received"]


def test_the_timer_advances_dossiers_by_itself(world, tmp_path):
    """A second system (same key, own database) with ``--step-seconds``: no command needed."""
    data_dir = tmp_path / "timer"
    data_dir.mkdir()
    (data_dir / "key.jwk.json").write_bytes((world.data_dir / "key.jwk.json").read_bytes())
    timed = Simulator(data_dir, world.portal, "--step-seconds", "0.3", "--public-url", "https://motcua.example")
    timed.start()
    try:
        code = "H66.22-261130-0005"
        assert timed.post(timed.seal("dossier_handover", handover(code))).status_code == 202
        wait_for(lambda: world.portal.of_type("result_delivery", code), what="the timer's result")
        assert timed.token_reply(audience="https://motcua.example/lien-thong/token").status_code == 200
        assert [m["payload"]["sequence"] for m in world.portal.of_type("status_update", code)] == [1, 2]
    finally:
        timed.process.terminate()
        timed.process.wait(10)


def test_a_killed_simulator_delivers_its_pending_messages_after_restart(world):
    portal, code = world.portal, "H66.22-261130-0004"
    portal.available = False
    try:
        assert world.post(world.seal("dossier_handover", handover(code))).status_code == 202
        time.sleep(0.5)
        assert not portal.of_type("status_update", code) and world.state()["outbox"]["pending"] >= 1
        world.kill()
    finally:
        portal.available = True
    world.start()
    received = wait_for(lambda: portal.of_type("status_update", code), what="the update sent before the kill")
    assert received[0]["payload"]["sequence"] == 1
    assert any(d["code"] == code for d in world.state()["dossiers"])

