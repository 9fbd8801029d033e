"""Signed and verified exchange messages per second, through the whole path (H2).

    .venv/bin/python benchmarks/exchange_load.py

The path: ``outbox.send`` seals a ``status_update`` (JWS ES256 over a JWE for the receiver)
and writes it in the outbox; ``outbox.deliver`` claims it and posts it over HTTP to a
production-like server (gunicorn, PostgreSQL, Redis); the server verifies it (the 13 checks),
keeps it in the inbox, writes the trace, and applies it (Celery eager: in the request) before
answering 202; every post carries a bearer token from the token endpoint (client credentials,
private_key_jwt; kept until it expires). The receiver is the portal itself, registered as a
member with its own public key (a loopback member), so both ends are the real code.

Printed: messages per second and p50/p95/p99 of the end-to-end delay (send → delivered) with
BENCH_CLIENTS senders in parallel; then the cost of the cryptography alone in one process
(sealing, and opening: verify + decrypt + schema) and the ratio of the whole path's rate to
it, which says how close the path is to the cryptography's own limit on this machine.

Environment: BENCH_SECONDS (20), BENCH_CLIENTS (8), BENCH_CRYPTO_ROUNDS (300),
BENCH_DATABASE_URL, BENCH_REDIS_URL, BENCH_WORKERS (4).
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import statistics
import tempfile
import threading
import time
from pathlib import Path

import _django
import http_load

SECONDS = float(os.environ.get("BENCH_SECONDS", "20"))
CLIENTS = int(os.environ.get("BENCH_CLIENTS", "8"))
CRYPTO_ROUNDS = int(os.environ.get("BENCH_CRYPTO_ROUNDS", "300"))
RESULTS = Path(os.environ.get("BENCH_RESULTS", Path(__file__).parent / "results" / "exchange_load.jsonl"))
LOOPBACK = "BENCH-LOOPBACK"


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))] if ordered else 0.0


def payload(n: int) -> dict:
    return {"dossier_code": f"BENCH-{n:08d}", "status": "processing", "sequence": n + 1,
            "at": "2026-11-30T09:00:00+07:00",
            "official": {"name": "Nguyễn Văn Bình", "unit": "Bộ phận Một cửa"}, "reason": "Đang thẩm định hồ sơ"}


def prepare(key_file: Path) -> dict:
    os.environ["EXCHANGE_KEY_FILE"] = str(key_file)
    os.environ["EXCHANGE_PORTAL_CODE"] = LOOPBACK
    os.environ.pop("DJANGO_ENV", None)
    with contextlib.redirect_stdout(io.StringIO()):
        database_url = _django.setup()
    from dichvucong.exchange.constants import MessageType
    from dichvucong.exchange.keys import portal_public_jwk
    from dichvucong.exchange.models import (
        InboxMessage,
        Member,
        MemberKey,
        MemberSystem,
        OutboxMessage,
    )

    OutboxMessage.objects.filter(system__member__code=LOOPBACK).delete()
    InboxMessage.objects.filter(sender__code=LOOPBACK).delete()
    Member.objects.filter(code=LOOPBACK).delete()
    member = Member.objects.create(code=LOOPBACK, name="Loopback (benchmark)", kind="portal")
    types = [MessageType.STATUS_UPDATE, MessageType.HEARTBEAT]
    system = MemberSystem.objects.create(member=member, name="loopback", may_send=types, may_receive=types)
    public = portal_public_jwk()
    MemberKey.objects.create(system=system, kid=public["kid"], public_jwk=public)
    return {"database_url": database_url, "system_id": system.pk}


def crypto_alone(system_id: int) -> dict:
    """Sealing and opening in this process, no database write and no HTTP."""
    from jwcrypto import jwk

    from dichvucong.exchange.envelope import open_message, seal
    from dichvucong.exchange.keys import portal_key, portal_public_jwk

    key, receiver_key = portal_key(), jwk.JWK(**portal_public_jwk())
    started = time.perf_counter()
    tokens = [seal(sender=LOOPBACK, receiver=LOOPBACK, message_type="status_update", payload=payload(n),
                   signing_key=key, encrypt_for=receiver_key, correlation_id=f"BENCH-{n:08d}")
              for n in range(CRYPTO_ROUNDS)]
    seal_seconds = time.perf_counter() - started
    started = time.perf_counter()
    for token in tokens:
        open_message(token, receiver=LOOPBACK, decryption_key=key)
    open_seconds = time.perf_counter() - started
    return {"seal_per_s": CRYPTO_ROUNDS / seal_seconds, "open_per_s": CRYPTO_ROUNDS / open_seconds,
            "seal_ms": 1000 * seal_seconds / CRYPTO_ROUNDS, "open_ms": 1000 * open_seconds / CRYPTO_ROUNDS,
            "token_bytes": len(tokens[0])}


def run_senders(system_id: int) -> dict:
    from django.db import connection

    from dichvucong.exchange import outbox
    from dichvucong.exchange.models import MemberSystem, OutboxMessage, OutboxStatus

    delays: list[float] = []
    failures = [0]
    counter = iter(range(10**9))
    lock = threading.Lock()
    stop_at = time.monotonic() + SECONDS

    def sender() -> None:
        system = MemberSystem.objects.select_related("member").get(pk=system_id)
        try:
            while time.monotonic() < stop_at:
                with lock:
                    n = next(counter)
                started = time.perf_counter()
                message = outbox.send(system, "status_update", payload(n), correlation_id=f"BENCH-{n:08d}")
                # Tasks run in this process (no broker here): the send's commit may have posted it already.
                status = OutboxMessage.objects.values_list("status", flat=True).get(pk=message.pk)
                if status == OutboxStatus.PENDING:
                    status = outbox.deliver(message.pk)
                elapsed = time.perf_counter() - started
                with lock:
                    if status == OutboxStatus.DELIVERED:
                        delays.append(elapsed)
                    else:
                        failures[0] += 1
        finally:
            connection.close()

    threads = [threading.Thread(target=sender) for _ in range(CLIENTS)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - started
    return {"delivered": len(delays), "failed": failures[0], "per_s": len(delays) / wall,
            "p50_ms": 1000 * statistics.median(delays) if delays else 0.0,
            "p95_ms": 1000 * percentile(delays, 0.95), "p99_ms": 1000 * percentile(delays, 0.99)}


def main() -> int:
    key_file = Path(tempfile.mkdtemp(prefix="dvc-exchange-")) / "portal.jwk"
    data = prepare(key_file)
    crypto = crypto_alone(data["system_id"])
    from dichvucong.exchange.models import InboxMessage, MemberSystem

    env = http_load._server_env(data["database_url"], tempfile.mkdtemp(prefix="dvc-static-")) | {
        "EXCHANGE_KEY_FILE": str(key_file), "EXCHANGE_PORTAL_CODE": LOOPBACK, "CELERY_TASK_ALWAYS_EAGER": "1",
    }
    port = http_load._free_port()
    base = f"http://127.0.0.1:{port}"
    MemberSystem.objects.filter(pk=data["system_id"]).update(endpoint=f"{base}/api/v1/lien-thong/thong-diep",
                                                              token_endpoint=f"{base}/api/v1/lien-thong/token")
    with http_load.serving(env, port):
        path = run_senders(data["system_id"])
    kept = InboxMessage.objects.filter(sender__code=LOOPBACK).count()
    applied = InboxMessage.objects.filter(sender__code=LOOPBACK, applied_at__isnull=False).count()
    crypto_rate = 1 / (1 / crypto["seal_per_s"] + 1 / crypto["open_per_s"])  # one seal and one open a message
    print(f"Exchange, whole path: {CLIENTS} senders for {SECONDS:.0f} s; gunicorn {http_load.WORKERS} workers, "
          f"PostgreSQL, Redis; status_update (JWS ES256 over JWE ECDH-ES+A256KW/A256GCM, "
          f"{crypto['token_bytes']} bytes)")
    print(f"  messages delivered  {path['delivered']:6}   failed {path['failed']}   kept in the inbox {kept}, "
          f"applied {applied}")
    print(f"  rate                {path['per_s']:8.1f} messages/s")
    print(f"  end-to-end delay    p50 {path['p50_ms']:.1f} ms   p95 {path['p95_ms']:.1f} ms   "
          f"p99 {path['p99_ms']:.1f} ms")
    print(f"  cryptography alone  seal {crypto['seal_ms']:.2f} ms ({crypto['seal_per_s']:.0f}/s), "
          f"open (verify + decrypt + schema) {crypto['open_ms']:.2f} ms ({crypto['open_per_s']:.0f}/s); "
          f"both: {crypto_rate:.0f} messages/s on one core")
    print(f"  whole path / cryptography alone: {path['per_s'] / crypto_rate:.2f}")
    ok = path["failed"] == 0 and kept >= path["delivered"]
    print(f"{'PASS' if ok else 'FAIL'}: every message delivered once and kept")
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    with RESULTS.open("a") as handle:
        handle.write(json.dumps({"at": time.strftime("%Y-%m-%dT%H:%M:%S"), "clients": CLIENTS, "seconds": SECONDS,
                                 "path": path, "crypto": crypto, "kept": kept, "applied": applied}) + "\n")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
