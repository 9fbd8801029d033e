"""A member's receiving endpoint on loopback that answers what the test tells it to, behind
its own token endpoint (it checks the portal's client assertion with the portal's key)."""

from __future__ import annotations

import json
import secrets
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

import pytest
from jwcrypto import jwk

from dichvucong.exchange import protocol


class Receiver:
    def __init__(self) -> None:
        self.bodies: list[str] = []
        self.answers: list[int | tuple[int, str]] = []  # status codes (and error codes) to give, in turn; then 202
        self.tokens: set[str] = set()  # bearer tokens given to the portal
        self.unauthenticated = 0  # message calls without one of them (refused 401)

    def answer(self) -> int | tuple[int, str]:
        return self.answers.pop(0) if self.answers else 202


@pytest.fixture
def receiver():
    state = Receiver()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802 - the http.server convention
            body = self.rfile.read(int(self.headers.get("Content-Length", 0))).decode()
            if self.path.endswith("/token"):
                return self._token(body)
            if self.headers.get("Authorization", "").removeprefix("Bearer ") not in state.tokens:
                state.unauthenticated += 1
                return self._answer(401, b'{"error": {"code": "invalid_token", "message": "x"}}')
            state.bodies.append(body)
            status, code = state.answer(), "bad_signature"
            if isinstance(status, tuple):  # (status, error code)
                status, code = status
            payload = b'{"message_id": "x", "status": "accepted"}' if status < 400 else \
                json.dumps({"error": {"code": code, "message": "x"}}).encode()
            self._answer(status, payload)

        def _token(self, body: str) -> None:
            from dichvucong.exchange.keys import portal_public_jwk

            assertion = parse_qs(body).get("client_assertion", [""])[0]
            try:
                protocol.verify_client_assertion(assertion, key=jwk.JWK(**portal_public_jwk()),
                                                 audience=state.token_url, client_id="DVCQG")
            except protocol.ProtocolError:
                return self._answer(401, b'{"error": "invalid_client"}')
            token = secrets.token_urlsafe(16)
            state.tokens.add(token)
            self._answer(200, json.dumps({"access_token": token, "token_type": "Bearer", "expires_in": 300}).encode())

        def _answer(self, status: int, payload: bytes) -> None:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, *args):  # quiet
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    state.url = f"http://127.0.0.1:{server.server_port}/lien-thong"
    state.token_url = f"http://127.0.0.1:{server.server_port}/lien-thong/token"
    yield state
    server.shutdown()
    server.server_close()


def forget_member(code: str) -> None:
    """What a test committed for a member (PostgreSQL tests on their own connections): its
    messages, the member, and the trace (whose chain the other tests then start afresh)."""
    from dichvucong.exchange.models import Member, OutboxMessage, TraceEntry, TraceHead

    OutboxMessage.objects.filter(system__member__code=code).delete()
    Member.objects.filter(code=code).delete()
    TraceEntry.objects.all().delete()
    TraceHead.objects.all().delete()
