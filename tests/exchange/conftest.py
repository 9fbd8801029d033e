"""A member's receiving endpoint on loopback that answers what the test tells it to."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest


class Receiver:
    def __init__(self) -> None:
        self.bodies: list[str] = []
        self.answers: list[int] = []  # status codes to give, in turn; then 202

    def answer(self) -> int:
        return self.answers.pop(0) if self.answers else 202


@pytest.fixture
def receiver():
    state = Receiver()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802 - the http.server convention
            body = self.rfile.read(int(self.headers.get("Content-Length", 0))).decode()
            state.bodies.append(body)
            status = state.answer()
            payload = b'{"message_id": "x", "status": "accepted"}' if status < 400 else \
                b'{"error": {"code": "bad_signature", "message": "x"}}'
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
    yield state
    server.shutdown()
    server.server_close()
