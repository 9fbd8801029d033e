"""A stand-in for ClamAV's clamd on TCP: the INSTREAM command, EICAR as the only malware.

Tests start it on a loopback port to drive the portal's real ``ClamdScanner`` (protocol,
chunking, answers, a daemon that hangs up). ``answer`` can be switched to
"hang_up" to simulate a broken daemon.
"""

from __future__ import annotations

import socketserver
import struct
import threading

from dichvucong.dossiers.scanning import EICAR


class _Handler(socketserver.BaseRequestHandler):
    def handle(self) -> None:
        command = b""
        while not command.endswith(b"\0"):
            part = self.request.recv(1)
            if not part:
                return
            command += part
        if command not in (b"zINSTREAM\0", b"nINSTREAM\n"):
            self.request.sendall(b"UNKNOWN COMMAND\0")
            return
        data = b""
        while True:
            header = self._exactly(4)
            (length,) = struct.unpack(">I", header)
            if length == 0:
                break
            data += self._exactly(length)
        if self.server.mode == "hang_up":
            return
        verdict = b"stream: Eicar-Test-Signature FOUND\0" if EICAR in data else b"stream: OK\0"
        self.request.sendall(verdict)

    def _exactly(self, size: int) -> bytes:
        buffer = b""
        while len(buffer) < size:
            part = self.request.recv(size - len(buffer))
            if not part:
                raise ConnectionError("client went away")
            buffer += part
        return buffer


class ClamdSimulator(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True
    mode = "normal"


def start(host: str = "127.0.0.1", port: int = 0) -> ClamdSimulator:
    server = ClamdSimulator((host, port), _Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server
