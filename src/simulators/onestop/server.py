"""The HTTP face: the exchange endpoints, the loopback-only control API, and the node that
wires the store, the sender and the timers together."""

from __future__ import annotations

import ipaddress
import json
import logging
import re
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

from . import keys, processing, protocol
from .config import Config, Faults
from .exchange import Exchange, PortalKeys
from .sender import Sender
from .store import Store

log = logging.getLogger("onestop")
MAX_BODY = 40_000_000  # a hand-over with 50 attachments of ~10 MB each, base64, is refused before this
DOSSIER_ACTION = re.compile(r"^/control/dossiers/(?P<code>[^/]+)/(?P<action>advance|supplement-request|refuse)$")


class Node:
    """One running one-stop system."""

    def __init__(self, config: Config) -> None:
        config.data_dir.mkdir(parents=True, exist_ok=True)
        self.config, self.faults = config, Faults()
        self.key = keys.load_or_create(config.data_dir, config.code)
        self.store = Store(config.data_dir / "onestop.sqlite3")
        self.exchange = Exchange(config, self.key, self.store, PortalKeys(config))
        self.sender = Sender(config, self.key, self.store, self.exchange, self.faults)
        self.stopping = threading.Event()

    def start(self) -> None:
        self.store.retry_now()
        processing.queue_catalog(self.store, self.config)
        processing.queue_heartbeat(self.store, degraded=False)
        self.sender.start()
        threading.Thread(target=self._every, args=(self.config.heartbeat_seconds, self._heartbeat),
                         name="onestop-heartbeat", daemon=True).start()
        if self.config.step_seconds > 0:
            threading.Thread(target=self._every, args=(min(1.0, self.config.step_seconds / 2), self._steps),
                             name="onestop-timer", daemon=True).start()

    def _every(self, seconds: float, work: Any) -> None:
        while seconds > 0 and not self.stopping.wait(seconds):
            try:
                work()
            except Exception:  # a timer thread must outlive any surprise
                log.exception("timer: unexpected error")

    def _heartbeat(self) -> None:
        processing.queue_heartbeat(self.store, self.faults.any, if_none_pending=True)
        self.sender.wake.set()

    def _steps(self) -> None:
        processing.advance_due(self.store, self.config, self.config.step_seconds)
        self.sender.wake.set()

    def state(self) -> dict[str, Any]:
        outbox = self.store.outbox_counts()
        return {
            "code": self.config.code,
            "dossiers": [{key: dossier[key] for key in ("code", "status", "sequence", "procedure_code", "received_at")}
                         for dossier in self.store.dossiers()],
            "outbox": {"pending": outbox["pending"], "delivered": outbox["delivered"], "dead": outbox["dead"]},
            "received": self.store.received_count(),
            "faults": self.faults.as_dict(),
        }

    def control(self, path: str, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        """The control API's POST actions."""
        if match := DOSSIER_ACTION.match(path):
            return self._dossier_action(unquote(match["code"]), match["action"], body)
        if path == "/control/faults":
            try:
                self.faults.merge(body)
            except ValueError as error:
                return 400, {"error": {"code": "invalid_fault", "message": str(error)}}
        elif path == "/control/faults/reset":
            self.faults.reset()
            self.store.retry_now()  # healthy again: what was backing off goes now
        elif path == "/control/outbox/replay":
            replayed = self.store.replay_dead()
            self.sender.wake.set()
            return 200, {**self.state(), "replayed": replayed}
        elif path == "/control/catalog":
            processing.queue_catalog(self.store, self.config)
        elif path == "/control/statistics":
            processing.queue_statistics(self.store)
        elif path == "/control/heartbeat":
            processing.queue_heartbeat(self.store, self.faults.any)
        else:
            return 404, {"error": {"code": "not_found"}}
        self.sender.wake.set()
        return 200, self.state()

    def _dossier_action(self, code: str, action: str, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        reason = body.get("reason")
        if action != "advance" and (not isinstance(reason, str) or not reason.strip()):
            return 400, {"error": {"code": "reason_required", "message": "a non-empty 'reason'"}}
        try:
            if action == "advance":
                status = processing.advance(self.store, self.config, code)
            elif action == "supplement-request":
                processing.request_supplement(self.store, code, reason.strip()[:2000])
                status = "awaiting_supplement"
            else:
                processing.refuse(self.store, code, reason.strip()[:2000])
                status = "refused"
        except processing.UnknownDossier:
            return 404, {"error": {"code": "unknown_dossier", "message": code}}
        except processing.NotAdvanceable as error:
            return 409, {"error": {"code": "not_advanceable", "message": f"the dossier is {error}"}}
        except processing.CredentialUnavailable as error:
            return 503, {"error": {"code": "ca_unavailable", "message": str(error)}}
        self.sender.wake.set()
        return 200, {"code": code, "status": status}


class Handler(BaseHTTPRequestHandler):
    node: Node  # set on the subclass made by serve()
    server_version = "onestop-sim/1"

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the base class's name
        log.debug("%s " + format, self.client_address[0], *args)

    def _send(self, status: int, body: dict[str, Any]) -> None:
        data = json.dumps(body, ensure_ascii=False).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        self.wfile.write(data)

    def _body(self) -> bytes | None:
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            return None
        return self.rfile.read(length) if 0 <= length <= MAX_BODY else None

    def _loopback(self) -> bool:
        try:
            return ipaddress.ip_address(self.client_address[0]).is_loopback
        except ValueError:
            return False

    def _exchange_unavailable(self) -> bool:
        """The faults that hit exchange calls: slowness first, then being down."""
        faults = self.node.faults
        if faults.slow_seconds:
            time.sleep(faults.slow_seconds)
        if faults.down:
            self._send(503, {"error": {"code": "unavailable", "message": "the system is down"}})
        return faults.down

    def do_GET(self) -> None:  # noqa: N802 - the base class's name
        path = urlsplit(self.path).path
        if path == "/health":
            self._send(200, {"status": "ok"})
        elif path == "/lien-thong/jwks.json":
            self._send(200, {"keys": [protocol.public_jwk(self.node.key)]})
        elif path.startswith("/control/") and not self._loopback():
            self._send(403, {"error": {"code": "loopback_only"}})
        elif path == "/control/state":
            self._send(200, self.node.state())
        else:
            self._send(404, {"error": {"code": "not_found"}})

    def do_POST(self) -> None:  # noqa: N802 - the base class's name
        try:
            self._post()
        except Exception:  # answer something rather than drop the connection
            log.exception("request failed")
            self._send(500, {"error": {"code": "internal_error", "message": "see the simulator's log"}})

    def _post(self) -> None:
        path, body = urlsplit(self.path).path, self._body()
        if body is None:
            self._send(413, {"error": {"code": "too_large"}})
        elif path in ("/lien-thong/token", "/lien-thong/thong-diep"):
            if not self._exchange_unavailable():
                self._send(*self._exchange(path, body))
        elif path.startswith("/control/") and not self._loopback():
            self._send(403, {"error": {"code": "loopback_only"}})
        elif path.startswith("/control/"):
            try:
                data = json.loads(body or b"{}")
            except ValueError:
                data = None
            if not isinstance(data, dict):
                self._send(400, {"error": {"code": "invalid_json"}})
            else:
                self._send(*self.node.control(path, data))
        else:
            self._send(404, {"error": {"code": "not_found"}})

    def _exchange(self, path: str, body: bytes) -> tuple[int, dict[str, Any]]:
        if path == "/lien-thong/token":
            form = dict(parse_qsl(body.decode("utf-8", "replace")))
            return self.node.exchange.token(form)
        reply = self.node.exchange.receive(self.headers.get("Authorization"), body)
        if reply[0] == 202:
            self.node.sender.wake.set()  # what the message caused (a status update) goes at once
        return reply


def serve(config: Config) -> None:
    """Run until interrupted."""
    node = Node(config)
    handler = type("BoundHandler", (Handler,), {"node": node})
    httpd = ThreadingHTTPServer((config.host, config.port), handler)
    httpd.daemon_threads = True
    config.port = httpd.server_address[1]  # when asked for port 0
    node.start()
    base = config.base_url
    print(f"{config.name} ({config.code}) on {base}: exchange {base}/lien-thong/thong-diep, token "
          f"{base}/lien-thong/token, keys {base}/lien-thong/jwks.json, control {base}/control/state; "
          f"portal {config.portal_url}", flush=True)
    try:
        httpd.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        node.stopping.set()
        node.sender.stop()
        httpd.server_close()
