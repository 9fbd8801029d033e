"""HTTP load on the production-like server (M3): the public pages at 50 concurrent clients.

    .venv/bin/python benchmarks/http_load.py

Prepares a PostgreSQL database (``dvc_bench``; BENCH_DATABASE_URL overrides it) with
the catalog, collects the static files into a temporary STATIC_ROOT and starts
gunicorn with deploy/gunicorn.conf.py, DJANGO_ENV=production, the Redis cache and
that database, on a free port of 127.0.0.1. After a warm-up it runs three phases of
BENCH_SECONDS each, BENCH_CLIENTS clients in a closed loop (each its own aiohttp
session and connection, kept alive where the server allows it: gthread workers do,
sync workers close after every answer; a client asks again as soon as it has one):

  mix        the realistic mix: 60% procedure pages chosen by the national usage
             figures (Procedure.popularity), 30% searches typed from the names of
             the most used services (some without diacritics), 10% the home page
  procedure  procedure pages only, chosen the same way
  bare       /healthz, a bare Django view behind the same middleware

It prints requests/s, p50/p95/p99 and non-200 answers for every page type of every
phase, the ratio of the procedure page's throughput to the bare view's, and PASS or
FAIL against the targets: p95 < 200 ms for every page; procedure page >= 40% of the
bare view's throughput. The figures are appended to benchmarks/results/http_load.jsonl.

The load generator runs on the same machine as the server; the CPU both used is
printed with each phase so that its share can be judged.

Environment: BENCH_SECONDS (15), BENCH_WARMUP_SECONDS (8), BENCH_CLIENTS (50),
BENCH_WORKERS (4), BENCH_WORKER_CLASS (sync), BENCH_THREADS (for gthread, 4),
BENCH_CLIENT_PROCESSES (1), BENCH_DATABASE_URL, BENCH_REDIS_URL
(redis://127.0.0.1:6379/3), BENCH_USAGE_DIR (/work/shared/data/tthc-usage, used only
when the database has no popularity figures), BENCH_RESULTS (the JSON lines file),
BENCH_UNCACHED (1: every request carries a session cookie, so that the public pages are
rendered instead of served from the whole-page cache; the cost of a cold cache, as
after every catalog change, plus a session lookup).
"""

from __future__ import annotations

import asyncio
import bisect
import contextlib
import io
import itertools
import json
import os
import random
import re
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections import defaultdict
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any
from urllib.parse import quote_plus

import _django

ROOT = Path(__file__).resolve().parent.parent
RESULTS = Path(
    os.environ.get("BENCH_RESULTS", Path(__file__).resolve().parent / "results" / "http_load.jsonl")
)

SECONDS = float(os.environ.get("BENCH_SECONDS", "15"))
WARMUP_SECONDS = float(os.environ.get("BENCH_WARMUP_SECONDS", "8"))
CLIENTS = int(os.environ.get("BENCH_CLIENTS", "50"))
WORKERS = int(os.environ.get("BENCH_WORKERS", "4"))
WORKER_CLASS = os.environ.get("BENCH_WORKER_CLASS", "sync")
THREADS = int(os.environ.get("BENCH_THREADS", "4")) if WORKER_CLASS == "gthread" else 1
CLIENT_PROCESSES = max(1, int(os.environ.get("BENCH_CLIENT_PROCESSES", "1")))
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/3")
USAGE_DIR = Path(os.environ.get("BENCH_USAGE_DIR", "/work/shared/data/tthc-usage"))
UNCACHED = os.environ.get("BENCH_UNCACHED", "") not in ("", "0")
# The production session cookie's name (settings.SESSION_COOKIE_NAME): the page cache
# serves only requests without it.
UNCACHED_COOKIE = {"Cookie": "__Host-dvc_session=benchmark-bypasses-the-page-cache"}

MIX = {"procedure": 0.60, "search": 0.30, "home": 0.10}
TARGET_P95_MS = 200.0
TARGET_RATIO = 0.40
PAGE_KINDS = ("procedure", "search", "home")


# --- The workload ------------------------------------------------------------


@dataclass(frozen=True)
class Weighted:
    """Paths with cumulative weights, for a fast weighted draw."""

    paths: tuple[str, ...]
    cumulative: tuple[float, ...]

    @classmethod
    def of(cls, pairs: list[tuple[str, float]]) -> Weighted:
        if not pairs:
            raise ValueError("nothing to choose from")
        return cls(tuple(p for p, _w in pairs), tuple(itertools.accumulate(w for _p, w in pairs)))

    def pick(self, rng: random.Random) -> str:
        return self.paths[bisect.bisect_right(self.cumulative, rng.random() * self.cumulative[-1])]


@dataclass(frozen=True)
class Workload:
    procedures: Weighted
    searches: Weighted

    def pick(self, phase: str, rng: random.Random) -> tuple[str, str]:
        if phase == "bare":
            return "bare", "/healthz"
        if phase == "procedure":
            return "procedure", self.procedures.pick(rng)
        roll = rng.random()
        if roll < MIX["procedure"]:
            return "procedure", self.procedures.pick(rng)
        if roll < MIX["procedure"] + MIX["search"]:
            return "search", self.searches.pick(rng)
        return "home", "/"


def _usage_from_files(existing: set[str]) -> list[tuple[str, str, int]]:
    """(code, name, weight) from the national usage figures, for codes in the catalog."""
    usage: dict[str, tuple[str, int]] = {}
    for path in sorted(USAGE_DIR.glob("*.json")):
        for row in json.loads(path.read_text(encoding="utf-8")):
            code, weight = row.get("TTHC_MA", ""), int(row.get("WEIGHT") or 0)
            if code in existing and weight > usage.get(code, ("", 0))[1]:
                usage[code] = (row.get("NAME", ""), weight)
    return [(code, name, weight) for code, (name, weight) in usage.items()]


def _query_text(name: str, rng: random.Random) -> str:
    """What someone types for a service: the head of its name, often without diacritics."""
    from dichvucong.core.text import strip_diacritics

    head = re.split(r"[(,;:]", name, maxsplit=1)[0].split()
    text = " ".join(head[: rng.randint(2, 5)]).lower()
    return strip_diacritics(text) if rng.random() < 0.4 else text


def load_workload() -> tuple[Workload, dict[str, Any]]:
    """Procedure pages weighted by real usage, and searches built from the most used names."""
    from dichvucong.catalog.models import Procedure

    active = Procedure.objects.filter(status="active")
    rows = list(active.filter(popularity__gt=0).values_list("code", "name", "popularity"))
    source = "Procedure.popularity"
    if not rows:
        rows = _usage_from_files(set(active.values_list("code", flat=True)))
        source = f"{USAGE_DIR}/*.json"
    if not rows:
        raise SystemExit("no procedure of the catalog has usage figures; is the catalog loaded?")
    rows.sort(key=lambda row: -row[2])
    procedures = Weighted.of(
        [(f"/thu-tuc/{quote_plus(code)}/", weight) for code, _n, weight in rows]
    )
    rng = random.Random(3)  # the same queries at every run
    searches: dict[str, float] = defaultdict(float)
    for _code, name, weight in rows[:300]:
        for _variant in range(2):
            searches[f"/tim-kiem/?q={quote_plus(_query_text(name, rng))}"] += weight / 2
    info = {
        "weights_from": source,
        "procedures": len(rows),
        "top_procedure_share": rows[0][2] / sum(row[2] for row in rows),
        "search_queries": len(searches),
    }
    return Workload(procedures, Weighted.of(sorted(searches.items()))), info


# --- The load generator ----------------------------------------------------------


@dataclass(frozen=True)
class PhaseJob:
    base: str
    phase: str
    workload: Workload
    clients: int
    first_client: int
    start_at: float  # time.time(), the same instant for every client process
    seconds: float
    headers: tuple[tuple[str, str], ...] = ()


def _run_clients(job: PhaseJob) -> dict[str, Any]:
    """One client process: ``job.clients`` clients, each with its own keep-alive session."""
    return asyncio.run(_clients(job))


async def _clients(job: PhaseJob) -> dict[str, Any]:
    import aiohttp

    latencies: dict[str, list[float]] = defaultdict(list)
    errors: dict[str, int] = defaultdict(int)
    failures: dict[str, int] = defaultdict(int)
    timeout = aiohttp.ClientTimeout(total=30)

    await asyncio.sleep(max(0.0, job.start_at - time.time()))
    started = time.perf_counter()
    stop = started + job.seconds

    async def client(number: int) -> None:
        rng = random.Random(number * 7919 + len(job.phase))
        connector = aiohttp.TCPConnector(limit=1)
        async with aiohttp.ClientSession(
            connector=connector,
            timeout=timeout,
            cookie_jar=aiohttp.DummyCookieJar(),
            headers=dict(job.headers),
        ) as session:
            while (now := time.perf_counter()) < stop:
                kind, path = job.workload.pick(job.phase, rng)
                status = 0
                try:
                    async with session.get(job.base + path, allow_redirects=False) as response:
                        await response.read()
                        status = response.status
                except (aiohttp.ClientError, TimeoutError):
                    status = -1
                done = time.perf_counter()
                if done > stop:
                    break  # only answers that arrive inside the window count
                if status == -1:
                    failures[kind] += 1
                    continue
                latencies[kind].append((done - now) * 1000)
                errors[kind] += status != 200

    await asyncio.gather(*(client(job.first_client + i) for i in range(job.clients)))
    return {
        "latencies": dict(latencies),
        "errors": dict(errors),
        "failures": dict(failures),
    }


def _cpu_snapshot() -> tuple[float, dict[int, tuple[str, int, float]]]:
    """The machine's busy CPU seconds and {pid: (name, parent, CPU seconds)}, from /proc.

    Empty where /proc is not there; the CPU figures are then zero.
    """
    processes: dict[int, tuple[str, int, float]] = {}
    try:
        tick = os.sysconf("SC_CLK_TCK")
        ticks = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:9]]
    except (OSError, ValueError, AttributeError):
        return 0.0, processes
    busy = (sum(ticks) - ticks[3] - ticks[4]) / tick  # all but idle and iowait
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        with contextlib.suppress(OSError, IndexError, ValueError):
            text = (entry / "stat").read_text()
            name = text[text.index("(") + 1 : text.rindex(")")]
            fields = text[text.rindex(")") + 2 :].split()
            processes[int(entry.name)] = (
                name,
                int(fields[1]),
                (int(fields[11]) + int(fields[12])) / tick,
            )
    return busy, processes


CPU_GROUPS = ("gunicorn", "load_generator", "postgres_redis", "other", "machine")


def cpu_used(
    before: tuple[float, dict[int, tuple[str, int, float]]],
    after: tuple[float, dict[int, tuple[str, int, float]]],
    server_pid: int,
    seconds: float,
) -> dict[str, float]:
    """Cores used during a phase by the server, the load generator, PostgreSQL and Redis, the rest."""
    used = dict.fromkeys(CPU_GROUPS, 0.0)
    me = os.getpid()
    for pid, (name, parent, cpu) in after[1].items():
        delta = cpu - before[1].get(pid, (name, parent, 0.0))[2]
        if pid == server_pid or parent == server_pid:
            group = "gunicorn"
        elif pid == me or parent == me:
            group = "load_generator"
        elif name in ("postgres", "redis-server"):
            group = "postgres_redis"
        else:
            group = "other"
        used[group] += delta
    used["machine"] = after[0] - before[0]
    # Kernel work on no process's account (network softirqs) is in "machine" only.
    return {group: round(value / seconds, 2) for group, value in used.items()}


def run_phase(
    base: str,
    phase: str,
    workload: Workload,
    seconds: float,
    pool: ProcessPoolExecutor | None,
    server_pid: int,
) -> dict[str, Any]:
    start_at = time.time() + (1.0 if pool else 0.0)
    shares = [
        CLIENTS // CLIENT_PROCESSES + (i < CLIENTS % CLIENT_PROCESSES)
        for i in range(CLIENT_PROCESSES)
    ]
    jobs = [
        PhaseJob(
            base,
            phase,
            workload,
            share,
            sum(shares[:i]),
            start_at,
            seconds,
            tuple(UNCACHED_COOKIE.items()) if UNCACHED else (),
        )
        for i, share in enumerate(shares)
    ]
    before = _cpu_snapshot()
    parts = list(pool.map(_run_clients, jobs)) if pool else [_run_clients(jobs[0])]
    after = _cpu_snapshot()
    merged: dict[str, Any] = {
        "latencies": defaultdict(list),
        "errors": defaultdict(int),
        "failures": defaultdict(int),
    }
    for part in parts:
        for key in ("latencies", "errors", "failures"):
            for kind, value in part[key].items():
                merged[key][kind] += value
    # The whole phase, start-up included, against the window: close enough for a share.
    merged["cpu"] = cpu_used(before, after, server_pid, seconds + (1.0 if pool else 0.0))
    merged["seconds"] = seconds
    return merged


def summarise(phase: str, result: dict[str, Any]) -> dict[str, dict[str, float]]:
    summary: dict[str, dict[str, float]] = {}
    kinds = [
        k for k in (*PAGE_KINDS, "bare") if k in result["latencies"] or k in result["failures"]
    ]
    groups = {kind: result["latencies"].get(kind, []) for kind in kinds}
    if len(kinds) > 1:
        groups["all"] = [value for kind in kinds for value in result["latencies"].get(kind, [])]
    for kind, values in groups.items():
        errors = sum(result["errors"].values()) if kind == "all" else result["errors"].get(kind, 0)
        failures = (
            sum(result["failures"].values()) if kind == "all" else result["failures"].get(kind, 0)
        )
        summary[kind] = {
            "requests": len(values),
            "rps": round(len(values) / result["seconds"], 1),
            "p50": round(_django.percentile(values, 0.50), 1),
            "p95": round(_django.percentile(values, 0.95), 1),
            "p99": round(_django.percentile(values, 0.99), 1),
            "errors": errors + failures,
        }
        s = summary[kind]
        print(
            f"  {phase:<10} {kind:<10} {s['rps']:8.1f} {s['p50']:7.1f} {s['p95']:7.1f} {s['p99']:7.1f} "
            f"{s['errors']:7d}"
        )
    cpu = {group: round(value * 100) for group, value in result["cpu"].items()}
    print(
        f"  {'':<10} {'cpu %':<10} gunicorn {cpu['gunicorn']}, load generator {cpu['load_generator']}, "
        f"PostgreSQL+Redis {cpu['postgres_redis']}, other processes {cpu['other']}; "
        f"machine {cpu['machine']} of {(os.cpu_count() or 1) * 100}"
    )
    return summary


# --- The server ----------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _server_env(database_url: str, static_root: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("BENCH_")}
    return env | {
        "DJANGO_ENV": "production",
        "DJANGO_SETTINGS_MODULE": "dichvucong.settings",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "0",
        "DATABASE_URL": database_url,
        "REDIS_URL": REDIS_URL,
        "STATIC_ROOT": static_root,
        "LOG_LEVEL": "WARNING",
        "PYTHONPATH": str(ROOT / "src"),
        "WEB_CONCURRENCY": str(WORKERS),
    } | _outside_systems_env()


def _outside_systems_env() -> dict[str, str]:
    """What production requires of the identity settings: a signing key and the outside
    systems' addresses and tokens (unreachable ones: the benchmarks never call them)."""
    from dichvucong.sso.keys import load_signing_keys

    key_file = Path(tempfile.mkdtemp(prefix="dvc-oidc-")) / "oidc.pem"
    load_signing_keys(key_file, create=True)
    nowhere = "http://127.0.0.1:9/"
    return {
        "OIDC_KEY_FILE": str(key_file), "PUBLIC_BASE_URL": "http://127.0.0.1",
        "REGISTRIES_BASE_URL": nowhere, "SMS_GATEWAY_BASE_URL": nowhere, "EID_ISSUER": nowhere + "eid",
        "REMOTE_SIGNING_BASE_URL": nowhere, "REGISTRIES_API_TOKEN": "bench", "SMS_API_TOKEN": "bench",
        "EID_CLIENT_SECRET": "bench", "REMOTE_SIGNING_API_TOKEN": "bench",
        "PAYMENT_PLATFORM_BASE_URL": nowhere, "PAYMENT_MERCHANT_ID": "bench", "PAYMENT_PLATFORM_SECRET": "bench",
        "POSTAL_BASE_URL": nowhere, "POSTAL_ACCOUNT_ID": "bench", "POSTAL_SECRET": "bench",
    }


def start_server(env: dict[str, str], port: int, log: IO[str]) -> subprocess.Popen[bytes]:
    python = sys.executable
    subprocess.run(
        [python, str(ROOT / "src" / "manage.py"), "collectstatic", "--noinput", "-v0"],
        env=env,
        check=True,
    )
    command = [
        python, "-m", "gunicorn", "dichvucong.wsgi:application",
        "--config", str(ROOT / "deploy" / "gunicorn.conf.py"),
        "--bind", f"127.0.0.1:{port}", "--workers", str(WORKERS),
        "--worker-class", WORKER_CLASS, "--threads", str(THREADS),
        # Steady state: no worker recycling (and its index rebuild) inside a phase.
        "--max-requests", "0",
    ]  # fmt: skip
    return subprocess.Popen(
        command, env=env, cwd=ROOT, stdout=log, stderr=log, start_new_session=True
    )


def wait_until_up(server: subprocess.Popen[bytes], base: str, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"gunicorn exited with status {server.returncode}")
        try:
            with urllib.request.urlopen(f"{base}/healthz", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError("gunicorn did not answer /healthz in time")


def stop_server(server: subprocess.Popen[bytes]) -> None:
    if server.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(server.pid, signal.SIGTERM)
    try:
        server.wait(timeout=30)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(server.pid, signal.SIGKILL)
        server.wait(timeout=10)


@dataclass
class Served:
    """A production-like server for one benchmark: its process, and afterwards how many
    tracebacks its log holds."""

    pid: int
    base: str
    server_errors: int = 0


@contextlib.contextmanager
def serving(env: dict[str, str], port: int) -> Iterator[Served]:
    """gunicorn started and answering; on a failure the tail of its log is printed, and it is
    always stopped; ``server_errors`` is counted from its log once the block is left."""
    with tempfile.TemporaryFile("w+") as log:
        server = start_server(env, port, log)
        served = Served(pid=server.pid, base=f"http://127.0.0.1:{port}")
        try:
            wait_until_up(server, served.base)
            yield served
        except BaseException:
            log.seek(0)
            sys.stderr.write("--- gunicorn log (tail) ---\n" + "".join(log.readlines()[-40:]))
            raise
        finally:
            stop_server(server)
        log.seek(0)
        served.server_errors = sum("Traceback" in line for line in log)


# --- The run -------------------------------------------------------------------


def prepare_database() -> str:
    """The benchmark database, migrated and loaded when empty (bootstrap_demo's chatter hidden)."""
    os.environ.pop("DJANGO_ENV", None)  # bootstrap_demo refuses to run in production
    with contextlib.redirect_stdout(io.StringIO()):
        return _django.setup()


def verdict(figures: dict[str, dict[str, dict[str, float]]]) -> dict[str, Any]:
    ratio = figures["procedure"]["procedure"]["rps"] / max(figures["bare"]["bare"]["rps"], 1e-9)
    pages = [
        (phase, kind, s["p95"])
        for phase, kinds in figures.items()
        for kind, s in kinds.items()
        if kind in PAGE_KINDS
    ]
    worst = max(pages, key=lambda page: page[2])
    errors = sum(
        s["errors"] for kinds in figures.values() for kind, s in kinds.items() if kind != "all"
    )
    return {
        "ratio": round(ratio, 3),
        "ratio_pass": ratio >= TARGET_RATIO,
        "worst_p95": {"phase": worst[0], "page": worst[1], "ms": worst[2]},
        "p95_pass": worst[2] < TARGET_P95_MS,
        "errors": errors,
    }


def main() -> int:
    database_url = prepare_database()
    workload, info = load_workload()
    from django.db import connections

    connections.close_all()
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    threads = f" x {THREADS} threads" if WORKER_CLASS == "gthread" else ""
    print(
        f"M3 HTTP load: gunicorn {WORKERS} {WORKER_CLASS} workers{threads}; {CLIENTS} clients in "
        f"{CLIENT_PROCESSES} process(es); {SECONDS:g} s a phase after {WARMUP_SECONDS:g} s of warm-up; "
        f"{os.cpu_count()} CPUs"
    )
    print(
        f"database {database_url.rsplit('@', 1)[-1]}; {info['procedures']} procedures weighted by "
        f"{info['weights_from']} (the top one {info['top_procedure_share']:.0%}); "
        f"{info['search_queries']} search queries; mix {MIX}"
    )
    if UNCACHED:
        print("BENCH_UNCACHED: a session cookie on every request, so pages bypass the page cache")
    load_before = os.getloadavg()
    figures: dict[str, dict[str, dict[str, float]]] = {}
    cpu: dict[str, dict[str, float]] = {}
    with (
        tempfile.TemporaryDirectory(prefix="dvc-static-") as static_root,
        tempfile.TemporaryFile("w+") as log,
    ):
        server: subprocess.Popen[bytes] | None = None
        pool = ProcessPoolExecutor(CLIENT_PROCESSES) if CLIENT_PROCESSES > 1 else None
        try:
            server = start_server(_server_env(database_url, static_root), port, log)
            wait_until_up(server, base)
            server_pid = server.pid

            def phase(name: str, seconds: float) -> dict[str, Any]:
                return run_phase(base, name, workload, seconds, pool, server_pid)

            phase("mix", WARMUP_SECONDS)  # every worker: search index, template cache, connections
            print(
                f"  {'phase':<10} {'page':<10} {'req/s':>8} {'p50':>7} {'p95':>7} {'p99':>7} {'errors':>7}   (ms)"
            )
            for name in ("mix", "procedure", "bare"):
                result = phase(name, SECONDS)
                figures[name] = summarise(name, result)
                cpu[name] = result["cpu"]
        except BaseException:
            log.seek(0)
            sys.stderr.write("--- gunicorn log (tail) ---\n" + "".join(log.readlines()[-40:]))
            raise
        finally:
            if server is not None:
                stop_server(server)
            if pool is not None:
                pool.shutdown(cancel_futures=True)

    result = verdict(figures)
    busiest = max(cpu.items(), key=lambda item: item[1]["other"])
    if busiest[1]["other"] >= 0.2:
        print(
            f"WARNING: other processes used {busiest[1]['other'] * 100:.0f}% of a core during the "
            f"{busiest[0]} phase; the figures understate this server. Run on a quiet machine."
        )
    ok = "PASS" if result["ratio_pass"] else "FAIL"
    print(
        f"procedure page / bare view throughput: {result['ratio']:.2f} (target >= {TARGET_RATIO:.2f}) {ok}"
    )
    worst = result["worst_p95"]
    ok = "PASS" if result["p95_pass"] else "FAIL"
    print(
        f"worst p95: {worst['ms']:.1f} ms ({worst['phase']}/{worst['page']}) (target < {TARGET_P95_MS:.0f} ms) {ok}"
    )
    print(f"non-200 answers and failed requests: {result['errors']}")
    passed = result["ratio_pass"] and result["p95_pass"] and result["errors"] == 0
    print("M3:", "PASS" if passed else "FAIL")

    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
    )
    record = {
        "time": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "commit": commit.stdout.strip(),
        "server": {"workers": WORKERS, "worker_class": WORKER_CLASS, "threads": THREADS},
        "clients": CLIENTS,
        "client_processes": CLIENT_PROCESSES,
        "seconds": SECONDS,
        "page_cache": "bypassed" if UNCACHED else "used",
        "cpus": os.cpu_count(),
        "load_before": [round(x, 2) for x in load_before],
        "workload": info,
        "figures": figures,
        "cpu_cores_used": cpu,
        **result,
        "pass": passed,
    }
    with RESULTS.open("a", encoding="utf-8") as handle:
        handle.write(json.dumps(record, ensure_ascii=False) + "\n")
    return 0 if passed else 1


if __name__ == "__main__":
    raise SystemExit(main())
