"""The back office at scale: officials' worklists and searches, citizens' tracking pages.

    .venv/bin/python benchmarks/backoffice_load.py

Prepares a PostgreSQL database (``bench_backoffice``; BENCH_DATABASE_URL overrides it):
migrated, with the real catalog, and BENCH_SCALE dossiers (1 000 000) of 500 agencies
over five years made by ``benchmarks/data/backoffice.py`` (skipped when already there).
Then it starts the production-like server of http_load.py (gunicorn, DJANGO_ENV=production,
Redis, BENCH_WORKERS sync workers) and signs in, over HTTP, BENCH_CLIENTS officials (password
and authenticator code: level 2, as production's BACKOFFICE_MIN_LEVEL asks) — half of
them of the busiest agencies, half of agencies drawn at random, receivers and processors
alternately — and BENCH_CLIENTS citizens who have an open dossier (password, level 1).

Each of BENCH_CLIENTS clients (an official's and a citizen's browser) then asks, in a closed
loop for BENCH_SECONDS after BENCH_WARMUP_SECONDS of warm-up, one of these, in turn:

  worklist     GET /can-bo/?ds=receive|process|overdue   the official's own lists
  search_code  GET /can-bo/?q=<code>       a dossier of the official's agency (any age)
  search_pin   GET /can-bo/?q=<12-digit PIN>   an applicant of that agency
  search_name  GET /can-bo/?q=<full name>  the same applicant, by name (matches namesakes)
  tracking     GET /ho-so/<pk>/            the citizen's own dossier (open 70% of the time)
  tracking_live GET /ho-so/<pk>/theo-doi/  the live fragment, when the URL exists

Answers must be 200 and a search must show the dossier looked for. It prints p50/p95/p99
per request kind with PASS/FAIL against p95 < 300 ms, the rows of the main tables, and,
for each kind, its queries measured alone in this process (Django test client); for a
kind that fails, or the slowest one, the EXPLAIN (ANALYZE, BUFFERS) of its slowest query.
Figures are appended to benchmarks/results/backoffice_load.jsonl.

Environment: BENCH_SECONDS (60), BENCH_WARMUP_SECONDS (10), BENCH_CLIENTS (16), BENCH_THINK_SECONDS
(0: saturation; 1 models people pausing about a second between pages),
BENCH_SCALE (1000000), BENCH_AGENCIES (500), BENCH_WORKERS (4), BENCH_DATABASE_URL,
BENCH_REDIS_URL, BENCH_RESULTS; BENCH_RESET=1 drops and regenerates the database.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import io
import json
import os
import random
import re
import secrets
import shutil
import sys
import tempfile
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote_plus

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _django  # noqa: E402
import http_load  # noqa: E402
from data import backoffice as data  # noqa: E402
from submission_load import Browser  # noqa: E402

SECONDS = float(os.environ.get("BENCH_SECONDS", "60"))
WARMUP_SECONDS = float(os.environ.get("BENCH_WARMUP_SECONDS", "10"))
CLIENTS = int(os.environ.get("BENCH_CLIENTS", "16"))
# Seconds a client waits after each answer (a person reading the list). 0: the server at
# saturation, where most of a request's latency is its queue behind the other clients'.
THINK_SECONDS = float(os.environ.get("BENCH_THINK_SECONDS", "0"))
SCALE = int(os.environ.get("BENCH_SCALE", "1000000"))
AGENCIES = int(os.environ.get("BENCH_AGENCIES", "500"))
DATABASE_URL = os.environ.get("BENCH_DATABASE_URL", data.DEFAULT_URL)
RESET = os.environ.get("BENCH_RESET", "") not in ("", "0")
RESULTS = Path(
    os.environ.get("BENCH_RESULTS", Path(__file__).parent / "results" / "backoffice_load.jsonl")
)
PASSWORD = "Bench-can-bo-2026!"  # noqa: S105 - benchmark accounts only
TARGET_P95_MS = 300.0
SLOW_QUERY_MS = 10.0  # below this, a query's plan is not worth printing
KINDS = ("worklist", "search_code", "search_pin", "search_name", "tracking", "tracking_live")
_TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


@dataclass
class Official:
    user_id: int
    username: str
    totp_key: str  # base32
    role: str
    agency_id: int
    lists: tuple[str, ...]
    codes: list[str] = field(default_factory=list)  # dossiers of the agency
    applicants: list[tuple[str, str, str]] = field(default_factory=list)  # (pin, name, a code of theirs)


@dataclass
class Citizen:
    user_id: int
    pin: str
    dossiers: list[int]  # open ones first
    open_count: int


# --- Preparation (in this process) ---------------------------------------------------------


def prepare() -> dict[str, Any]:
    data.prepare_database(DATABASE_URL, reset=RESET)
    generated = data.generate(DATABASE_URL, SCALE, AGENCIES)
    os.environ.pop("DJANGO_ENV", None)
    with contextlib.redirect_stdout(io.StringIO()):
        _django.setup(DATABASE_URL)  # migrated and loaded already: nothing to do
    rng = random.Random(11)
    officials = choose_officials(rng)
    citizens = choose_citizens(rng)
    give_passwords(officials, citizens)
    from django.urls import NoReverseMatch, reverse

    try:
        reverse("dossiers:tracking", args=[1])
        live = True
    except NoReverseMatch:
        live = _resolves("/ho-so/1/theo-doi/")
    return {"generated": generated, "officials": officials, "citizens": citizens, "live": live}


def _resolves(path: str) -> bool:
    from django.urls import Resolver404, resolve

    try:
        resolve(path)
        return True
    except Resolver404:
        return False


def choose_officials(rng: random.Random) -> list[Official]:
    """Half of the busiest agencies (most open cases), half drawn at random; a receiver and a
    processor alternately; each with codes and applicants of their agency to look for."""
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute(
            "SELECT agency_id FROM backoffice_case WHERE closed_at IS NULL GROUP BY agency_id "
            "ORDER BY count(*) DESC, agency_id"
        )
        by_load = [row[0] for row in cur.fetchall()]
    busiest = by_load[: CLIENTS // 2]
    others = rng.sample(by_load[CLIENTS // 2 :], CLIENTS - len(busiest))
    chosen: list[Official] = []
    with connection.cursor() as cur:
        for number, agency_id in enumerate(busiest + others):
            role = "receiver" if number % 2 == 0 else "processor"
            cur.execute(
                "SELECT u.id, u.username FROM accounts_officialposition p JOIN accounts_user u ON u.id = p.user_id "
                "WHERE p.agency_id = %s AND p.role = %s ORDER BY u.id LIMIT 1",
                [agency_id, role],
            )
            user_id, username = cur.fetchone()
            lists = ("receive", "overdue") if role == "receiver" else ("process", "overdue")
            official = Official(user_id, username, "", role, agency_id, lists)
            # Any of the agency's dossiers: a random sample by primary key range, then the applicants.
            cur.execute(
                "SELECT d.code, u.pin, u.full_name FROM dossiers_dossier d JOIN accounts_user u ON u.id = d.applicant_id "
                "WHERE d.agency_id = %s ORDER BY md5(d.id::text) LIMIT 200",
                [agency_id],
            )
            rows = cur.fetchall()
            official.codes = [code for code, _pin, _name in rows]
            official.applicants = [(pin, name, code) for code, pin, name in rows[:100]]
            chosen.append(official)
    return chosen


def choose_citizens(rng: random.Random) -> list[Citizen]:
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute(
            "SELECT applicant_id FROM dossiers_dossier WHERE status IN "
            "('submitted', 'received', 'processing', 'awaiting_supplement') GROUP BY applicant_id "
            "ORDER BY md5(applicant_id::text) LIMIT %s",
            [CLIENTS],
        )
        ids = [row[0] for row in cur.fetchall()]
        citizens = []
        for user_id in ids:
            cur.execute("SELECT pin FROM accounts_user WHERE id = %s", [user_id])
            pin = cur.fetchone()[0]
            cur.execute(
                "SELECT id, status IN ('submitted', 'received', 'processing', 'awaiting_supplement') FROM "
                "dossiers_dossier WHERE applicant_id = %s ORDER BY 2 DESC, id DESC",
                [user_id],
            )
            rows = cur.fetchall()
            citizens.append(Citizen(user_id, pin, [r[0] for r in rows], sum(1 for r in rows if r[1])))
    return citizens


def give_passwords(officials: list[Official], citizens: list[Citizen]) -> None:
    """The benchmark's password for all (the generator's accounts have none); no authenticator yet."""
    from django.contrib.auth.hashers import make_password
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from dichvucong.accounts.models import User

    hashed = make_password(PASSWORD)
    ids = [o.user_id for o in officials] + [c.user_id for c in citizens]
    User.objects.filter(pk__in=ids).update(password=hashed, is_active=True)
    TOTPDevice.objects.filter(user_id__in=ids).delete()


def give_authenticators(officials: list[Official]) -> None:
    """A fresh authenticator for each official: over HTTP they sign in at level 2."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    for official in officials:
        key = secrets.token_hex(20)
        TOTPDevice.objects.create(user_id=official.user_id, name="bench", key=key, confirmed=True)
        official.totp_key = base64.b32encode(bytes.fromhex(key)).decode()


# --- Alone: the queries of each kind, in this process ---------------------------------------


def paths_for(official: Official, citizen: Citizen, rng: random.Random, kind: str, live: bool) -> tuple[str, str]:
    """(path, what the answer must contain)."""
    if kind == "worklist":
        return f"/can-bo/?ds={rng.choice(official.lists)}", ""
    if kind == "search_code":
        code = rng.choice(official.codes)
        return f"/can-bo/?q={quote_plus(code)}", code
    pin, name, code = rng.choice(official.applicants)
    if kind == "search_pin":
        return f"/can-bo/?q={pin}", code
    if kind == "search_name":
        return f"/can-bo/?q={quote_plus(name)}", ""
    open_ones = citizen.dossiers[: citizen.open_count]
    pk = rng.choice(open_ones) if open_ones and rng.random() < 0.7 else rng.choice(citizen.dossiers)
    return (f"/ho-so/{pk}/theo-doi/" if kind == "tracking_live" else f"/ho-so/{pk}/"), ""


def measure_alone(prepared: dict[str, Any], kinds: tuple[str, ...]) -> dict[str, Any]:
    """Each kind once more through Django's test client (after a first, warming request):
    its number of queries, its time and its slowest query (SQL with parameters)."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    rng = random.Random(5)
    official = prepared["officials"][0]  # the busiest agency's receiver
    # The citizen whose open dossier is the oldest: the dearest tracking page of the sample.
    citizen = min((c for c in prepared["citizens"] if c.open_count), key=lambda c: min(c.dossiers[: c.open_count]))
    oldest = min(citizen.dossiers[: citizen.open_count])
    officials_client, citizens_client = Client(), Client()
    # Password only (level 1: enough for the back office outside production, as here), before
    # the officials get their authenticators.
    for client, identifier in ((officials_client, official.username), (citizens_client, citizen.pin)):
        signed_in = client.post("/tai-khoan/dang-nhap/", {"identifier": identifier, "password": PASSWORD})
        if signed_in.status_code != 302 or "dang-nhap" in signed_in["Location"]:
            raise SystemExit(f"the probe could not sign {identifier} in ({signed_in.status_code})")
    alone: dict[str, Any] = {}
    for kind in kinds:
        client = citizens_client if kind.startswith("tracking") else officials_client
        path, _ = paths_for(official, citizen, rng, kind, prepared["live"])
        if kind.startswith("tracking"):
            path = f"/ho-so/{oldest}/theo-doi/" if kind == "tracking_live" else f"/ho-so/{oldest}/"
        client.get(path)
        started = time.perf_counter()
        with CaptureQueriesContext(connection) as queries:
            response = client.get(path)
        took = (time.perf_counter() - started) * 1000
        if response.status_code != 200:
            raise SystemExit(f"the probe's {path} answered {response.status_code}")
        slowest = max(queries.captured_queries, key=lambda q: float(q["time"]), default={"sql": "", "time": 0})
        shapes = Counter(re.sub(r"'[^']*'|\b\d+\b", "N", q["sql"])[:200] for q in queries.captured_queries)
        alone[kind] = {
            "most_repeated": f"{shapes.most_common(1)[0][1]}x {shapes.most_common(1)[0][0]}" if shapes else "",
            "path": path, "status": response.status_code, "ms": round(took, 1), "queries": len(queries),
            "sql_ms": round(sum(float(q["time"]) for q in queries.captured_queries) * 1000, 1),
            "slowest_ms": round(float(slowest["time"]) * 1000, 1), "slowest_sql": slowest["sql"],
        }  # fmt: skip
    return alone


def explain(sql: str) -> str:
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql)
        return "\n".join(row[0] for row in cur.fetchall())


def row_counts() -> dict[str, int]:
    from django.db import connection

    tables = ("accounts_user", "accounts_officialposition", "catalog_agency", "catalog_procedure",
              "dossiers_dossier", "dossiers_dossierevent", "backoffice_case", "backoffice_steplog")  # fmt: skip
    counts = {}
    with connection.cursor() as cur:
        for table in tables:
            cur.execute(f"SELECT count(*) FROM {table}")  # noqa: S608 - fixed names
            counts[table] = cur.fetchone()[0]
        cur.execute("SELECT count(*) FROM backoffice_case WHERE closed_at IS NULL")
        counts["open_cases"] = cur.fetchone()[0]
    return counts


# --- The clients (aiohttp against the server) ----------------------------------------------


class StepFailed(Exception):
    pass


async def sign_in(browser: Browser, identifier: str, totp_key: str | None, landing: str) -> None:
    import pyotp

    _status, _loc, page = await browser.send("GET", "/tai-khoan/dang-nhap/")
    token = _TOKEN.search(page).group(1)
    status, location, _ = await browser.send(
        "POST", "/tai-khoan/dang-nhap/",
        data={"identifier": identifier, "password": PASSWORD, "csrfmiddlewaretoken": token, "next": landing},
    )  # fmt: skip
    if location.endswith("/buoc-hai/"):
        if not totp_key:
            raise StepFailed(f"{identifier}: a second factor was asked for")
        status, location, _ = await browser.send(
            "POST", "/tai-khoan/dang-nhap/buoc-hai/",
            data={"code": pyotp.TOTP(totp_key).now(), "csrfmiddlewaretoken": token},
        )  # fmt: skip
    if status != 302 or "dang-nhap" in location:
        raise StepFailed(f"{identifier}: sign-in answered {status} {location}")
    status, _loc, _page = await browser.send("GET", landing)
    if status != 200:
        raise StepFailed(f"{identifier}: {landing} answered {status} after signing in")


@dataclass
class Tally:
    latencies: dict[str, list[tuple[float, float]]] = field(default_factory=lambda: defaultdict(list))
    errors: Counter = field(default_factory=Counter)
    missing: Counter = field(default_factory=Counter)  # a search that did not show the dossier


async def run_clients(base: str, prepared: dict[str, Any], kinds: tuple[str, ...], tally: Tally) -> dict[str, float]:
    import aiohttp

    timeout = aiohttp.ClientTimeout(total=60)
    sessions = [
        aiohttp.ClientSession(timeout=timeout, cookie_jar=aiohttp.DummyCookieJar(),
                              connector=aiohttp.TCPConnector(limit=1))
        for _ in range(2 * CLIENTS)
    ]  # fmt: skip
    officials = [Browser(s, base) for s in sessions[:CLIENTS]]
    citizens = [Browser(s, base) for s in sessions[CLIENTS:]]
    try:
        await asyncio.gather(
            *(sign_in(b, o.username, o.totp_key, "/can-bo/") for b, o in zip(officials, prepared["officials"], strict=True)),
            *(sign_in(b, c.pin, None, "/ho-so/") for b, c in zip(citizens, prepared["citizens"], strict=True)),
        )  # fmt: skip
        window = {"start": time.perf_counter() + WARMUP_SECONDS}
        window["stop"] = window["start"] + SECONDS

        async def client(number: int) -> None:
            rng = random.Random(number * 7919)
            official, citizen = prepared["officials"][number], prepared["citizens"][number]
            turn = number
            while time.perf_counter() < window["stop"]:
                kind = kinds[turn % len(kinds)]
                turn += 1
                path, expected = paths_for(official, citizen, rng, kind, prepared["live"])
                browser = citizens[number] if kind.startswith("tracking") else officials[number]
                started = time.perf_counter()
                try:
                    status, _loc, page = await browser.send("GET", path)
                except (aiohttp.ClientError, TimeoutError) as exc:
                    tally.errors[f"{kind}:{type(exc).__name__}"] += 1
                    continue
                done = time.perf_counter()
                if status != 200:
                    tally.errors[f"{kind}:{status}"] += 1
                    continue
                if expected and expected not in page:
                    tally.missing[kind] += 1
                tally.latencies[kind].append((done, (done - started) * 1000))
                if THINK_SECONDS:
                    await asyncio.sleep(rng.uniform(0.5, 1.5) * THINK_SECONDS)

        await asyncio.gather(*(client(n) for n in range(CLIENTS)))
        return window
    finally:
        for session in sessions:
            await session.close()


def summarise(tally: Tally, window: dict[str, float], kinds: tuple[str, ...]) -> dict[str, dict[str, float]]:
    pct = _django.percentile
    figures = {}
    for kind in kinds:
        inside = [ms for at, ms in tally.latencies[kind] if window["start"] <= at <= window["stop"]]
        figures[kind] = {
            "count": len(inside), "rps": round(len(inside) / SECONDS, 1), "p50": round(pct(inside, 0.50), 1),
            "p95": round(pct(inside, 0.95), 1), "p99": round(pct(inside, 0.99), 1),
            "errors": sum(n for key, n in tally.errors.items() if key.startswith(kind + ":")),
            "missing": tally.missing[kind],
        }  # fmt: skip
    return figures


# --- The run ----------------------------------------------------------------------------------


def main() -> int:
    static_root = tempfile.mkdtemp(prefix="dvc-static-")
    try:
        return _run(static_root)
    finally:
        shutil.rmtree(static_root, ignore_errors=True)


def _run(static_root: str) -> int:
    began = time.perf_counter()
    prepared = prepare()
    generated = prepared["generated"]
    kinds = KINDS if prepared["live"] else KINDS[:-1]
    counts = row_counts()
    alone = measure_alone(prepared, kinds)
    give_authenticators(prepared["officials"])
    from django.db import connections

    connections.close_all()
    env = http_load._server_env(DATABASE_URL, static_root) | {
        "RATE_SIGN_IN": "1000000/1",  # everyone signs in from 127.0.0.1
        "RATE_OTP_VERIFY": "1000000/1",
    }
    port = http_load._free_port()
    base = f"http://127.0.0.1:{port}"
    print(
        f"Back office load: {counts['dossiers_dossier']:,} dossiers ({counts['open_cases']:,} open) of "
        f"{generated['params']['n_agencies']} agencies over {generated['params']['years']} years (generated in "
        f"{generated['seconds']:.0f} s); {CLIENTS} clients (official + citizen each, pausing {THINK_SECONDS:g} s on average); {SECONDS:g} s after "
        f"{WARMUP_SECONDS:g} s of warm-up; gunicorn {http_load.WORKERS} {http_load.WORKER_CLASS} workers; "
        f"{os.cpu_count()} CPUs; load average before {os.getloadavg()[0]:.2f}"
    )
    tally = Tally()
    with http_load.serving(env, port) as served:
        before, started = http_load._cpu_snapshot(), time.perf_counter()
        window = asyncio.run(run_clients(base, prepared, kinds, tally))
        cpu = http_load.cpu_used(before, http_load._cpu_snapshot(), served.pid, time.perf_counter() - started)
    server_errors = served.server_errors

    figures = summarise(tally, window, kinds)
    print(f"  {'request':<14} {'count':>6} {'req/s':>6} {'p50':>7} {'p95':>7} {'p99':>7}  (ms)  "
          f"{'errors':>6} {'missed':>6}  {'alone ms':>8} {'queries':>7} {'in SQL ms':>9} {'slowest q':>9}")  # fmt: skip
    for kind in kinds:
        f, a = figures[kind], alone[kind]
        verdict = "PASS" if f["p95"] < TARGET_P95_MS and f["count"] else "FAIL"
        print(
            f"  {kind:<14} {f['count']:6d} {f['rps']:6.1f} {f['p50']:7.1f} {f['p95']:7.1f} {f['p99']:7.1f}        "
            f"{f['errors']:6d} {f['missing']:6d}  {a['ms']:8.1f} {a['queries']:7d} {a['sql_ms']:9.1f} {a['slowest_ms']:9.1f}  "
            f"{verdict}"
        )
    print("  (alone: one request through Django's test client in this process, as the busiest agency's receiver;"
          " tracking: the sample's oldest open dossier)")
    print(
        f"  cpu % (of a core): gunicorn {cpu['gunicorn'] * 100:.0f}, load generator {cpu['load_generator'] * 100:.0f}, "
        f"PostgreSQL+Redis {cpu['postgres_redis'] * 100:.0f}, other {cpu['other'] * 100:.0f}; machine "
        f"{cpu['machine'] * 100:.0f} of {(os.cpu_count() or 1) * 100}"
    )
    print(f"  errors: {dict(tally.errors) or 'none'}; tracebacks in the server log: {server_errors}")
    print("  rows: " + ", ".join(f"{table} {n:,}" for table, n in counts.items()))
    failing = [k for k in kinds if not (figures[k]["p95"] < TARGET_P95_MS and figures[k]["count"])]
    worst = max(kinds, key=lambda k: figures[k]["p95"])
    plans = {}
    for kind in failing or [worst]:
        sql = alone[kind]["slowest_sql"]
        if alone[kind]["queries"] > 100:
            print(f"\n  {kind}: {alone[kind]['queries']} queries for one page alone (N+1): most repeated: "
                  f"{alone[kind]['most_repeated']}")
        if alone[kind]["slowest_ms"] < SLOW_QUERY_MS:
            print(f"\n  {kind}: no query of it takes {SLOW_QUERY_MS:g} ms or more alone (slowest "
                  f"{alone[kind]['slowest_ms']} ms, all {alone[kind]['queries']} together {alone[kind]['sql_ms']} ms "
                  f"of {alone[kind]['ms']} ms): its time is spent outside the database")
        elif sql:
            plans[kind] = {"sql": sql, "plan": explain(sql)}
            label = "FAILS" if kind in failing else "the slowest kind (passes)"
            print(f"\n  {kind} {label}; its slowest query ({alone[kind]['slowest_ms']} ms alone):\n  {sql}\n")
            print("\n".join("    " + line for line in plans[kind]["plan"].splitlines()))
    passed = not failing and not tally.errors and not any(tally.missing.values()) and server_errors == 0
    for kind in kinds:
        print(f"{'PASS' if kind not in failing else 'FAIL'}: {kind} p95 {figures[kind]['p95']} ms "
              f"(target < {TARGET_P95_MS:.0f} ms at {CLIENTS} clients)")  # fmt: skip
    print("back office load:", "PASS" if passed else "FAIL", f"({time.perf_counter() - began:.0f} s in all)")

    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    with RESULTS.open("a", encoding="utf-8") as handle:
        handle.write(json.dumps({
            "time": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "clients": CLIENTS, "think_seconds": THINK_SECONDS,
            "seconds": SECONDS,
            "server": {"workers": http_load.WORKERS, "worker_class": http_load.WORKER_CLASS}, "cpus": os.cpu_count(),
            "dataset": {"params": generated["params"], "seconds": generated["seconds"]}, "rows": counts,
            "figures": figures, "alone": {k: {kk: v for kk, v in a.items() if kk != "slowest_sql"} for k, a in alone.items()},
            "cpu_cores_used": cpu, "errors": dict(tally.errors), "plans": plans, "pass": passed,
        }, ensure_ascii=False, default=str) + "\n")  # fmt: skip
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main())
