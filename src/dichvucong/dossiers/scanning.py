"""Malware scanning of uploads (C2): ClamAV's clamd over TCP in production.

``ClamdScanner`` speaks clamd's INSTREAM command (``zINSTREAM\\0``, then chunks each
prefixed by a 4-byte big-endian length, then a zero length; the answer is
``stream: OK`` or ``stream: <signature> FOUND``). A scanner that cannot answer is a
refusal, never a pass: an unscanned file is not accepted (fail closed).
``EicarScanner`` recognises only the EICAR test file; it stands in for ClamAV in the
embedded mode (``MALWARE_SCANNER=eicar``) and nowhere else.
"""

from __future__ import annotations

import socket
import struct
from dataclasses import dataclass

from django.conf import settings

EICAR = rb"X5O!P%@AP[4\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*"
CHUNK = 64 * 1024


class ScannerUnavailable(Exception):
    pass


@dataclass(frozen=True)
class ScanResult:
    clean: bool
    signature: str = ""


class ClamdScanner:
    def __init__(self, host: str, port: int, timeout: float):
        self.host, self.port, self.timeout = host, port, timeout

    def scan(self, data: bytes) -> ScanResult:
        try:
            with socket.create_connection((self.host, self.port), timeout=self.timeout) as conn:
                conn.sendall(b"zINSTREAM\0")
                for start in range(0, len(data), CHUNK):
                    chunk = data[start:start + CHUNK]
                    conn.sendall(struct.pack(">I", len(chunk)) + chunk)
                conn.sendall(struct.pack(">I", 0))
                answer = b""
                while not answer.endswith(b"\0"):
                    part = conn.recv(4096)
                    if not part:
                        break
                    answer += part
        except OSError as exc:
            raise ScannerUnavailable(type(exc).__name__) from exc
        text = answer.rstrip(b"\0").decode("utf-8", "replace")
        if text.endswith("OK"):
            return ScanResult(clean=True)
        if text.endswith("FOUND"):
            return ScanResult(clean=False, signature=text.removeprefix("stream:").removesuffix("FOUND").strip())
        raise ScannerUnavailable(f"unexpected answer: {text[:80]}")


class EicarScanner:
    def scan(self, data: bytes) -> ScanResult:
        return ScanResult(clean=False, signature="Eicar-Test-Signature") if EICAR in data else ScanResult(clean=True)


def get_scanner():  # noqa: ANN201 - ClamdScanner | EicarScanner
    if settings.MALWARE_SCANNER == "eicar":
        return EicarScanner()
    return ClamdScanner(settings.CLAMD_HOST, settings.CLAMD_PORT, settings.CLAMD_TIMEOUT_SECONDS)
