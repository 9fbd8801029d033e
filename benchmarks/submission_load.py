"""Online submission under load (issue 4): dossiers with a 1 MB attachment at 20 users.

    .venv/bin/python benchmarks/submission_load.py

Starts the production-like server of http_load.py (gunicorn, DJANGO_ENV=production,
PostgreSQL, Redis) with the embedded malware scanner (MALWARE_SCANNER=eicar: ClamAV's
own cost is not measured) and files in a temporary MEDIA_ROOT. BENCH_USERS virtual
users, each its own verified citizen (a person of the population simulator's data set,
with its registry attributes and a TOTP device, so that the session reaches level 2 as
birth registration needs), sign in over HTTP (password + authenticator code), then loop
in a closed loop for BENCH_SECONDS after BENCH_WARMUP_SECONDS of warm-up:

  start    POST /ho-so/bat-dau/1.001193/   (a Hà Nội commune) -> 302 to the draft
  render   GET  /ho-so/<pk>/               the e-form, prefilled from the verified attributes
  upload   POST /ho-so/<pk>/dinh-kem/      a 1 MB, 3-page PDF for the birth certificate component
  submit   POST /ho-so/<pk>/               action=submit, the form, delivery online, its
                                           submission key -> 302 to the receipt

Birth registration (1.001193) is free, so a submission completes without payment.
It prints dossiers submitted per second, p50/p95/p99 of every step, PASS/FAIL for
"p95 of a submission < 1 s and of a form render < 300 ms at 20 users", the queries each
step makes (measured in this process on the same database), and checks in the database
that the submitted dossiers are exactly the submissions the clients saw succeed, each
with its attachment. Figures are appended to benchmarks/results/submission_load.jsonl.

Environment: BENCH_SECONDS (60), BENCH_WARMUP_SECONDS (5), BENCH_USERS (20),
BENCH_THINK_SECONDS (0: saturation; 1 models a person pausing between steps), BENCH_WORKERS (4), BENCH_DATABASE_URL, BENCH_REDIS_URL, BENCH_RESULTS.
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
from datetime import date, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _django  # noqa: E402
import http_load  # noqa: E402

SECONDS = float(os.environ.get("BENCH_SECONDS", "60"))
WARMUP_SECONDS = float(os.environ.get("BENCH_WARMUP_SECONDS", "5"))
USERS = int(os.environ.get("BENCH_USERS", "20"))
# Seconds a user spends between two steps (reading the form, choosing a file). 0: the server
# at saturation, where every step's latency is mostly the queue behind the others' steps.
THINK_SECONDS = float(os.environ.get("BENCH_THINK_SECONDS", "0"))
RESULTS = Path(
    os.environ.get("BENCH_RESULTS", Path(__file__).parent / "results" / "submission_load.jsonl")
)
PROCEDURE = "1.001193"  # birth registration: free, commune level, its own e-form
PDF_BYTES = 1024 * 1024
PDF_PAGES = 3
PREFIX = "subload-"  # not "bench-": auth_load deletes those
PASSWORD = "Bench-nop-ho-so-2026!"  # noqa: S105 - benchmark accounts only
TARGET_SUBMIT_P95_MS = 1000.0
TARGET_RENDER_P95_MS = 300.0
STEPS = ("start", "render", "upload", "submit")
_TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
_KEY = re.compile(r'name="submission_key" value="([^"]+)"')


@dataclass(frozen=True)
class Citizen:
    username: str
    totp_key: str  # base32, for pyotp
    pin: str
    phone: str  # as typed: 0912345678
    address: str


# --- Preparation (in this process, on the benchmark database) ----------------------


def make_pdf(size: int = PDF_BYTES, pages: int = PDF_PAGES) -> bytes:
    """A valid PDF of exactly ``size`` bytes: a few A4 pages and an embedded stream of random
    (incompressible, like a scan's image data) bytes that makes up the weight."""
    from pypdf import PdfWriter

    def build(padding: int) -> bytes:
        writer = PdfWriter()
        for _ in range(pages):
            writer.add_blank_page(width=595, height=842)
        writer.add_attachment("ban-quet.bin", random.Random(7).randbytes(padding))
        buffer = io.BytesIO()
        writer.write(buffer)
        return buffer.getvalue()

    padding = size
    for _ in range(5):
        data = build(padding)
        if len(data) == size:
            return data
        padding -= len(data) - size
    raise RuntimeError(f"could not make a PDF of {size} bytes (last {len(data)})")


def _people(count: int) -> list[Any]:
    """Adults of the population simulator with a phone, past the demo accounts' people."""
    from simulators.registries.population_data import demo_people, people

    demo = {p.pin for p in demo_people(10)}
    chosen = [
        p
        for p in people()
        if not p.deceased and 18 <= p.age <= 70 and p.phone and p.pin not in demo
    ]
    if len(chosen) < count:
        raise SystemExit(f"the population simulator has only {len(chosen)} suitable people")
    return chosen[:count]


def create_citizens(count: int) -> list[Citizen]:
    """Verified citizens with the registry's attributes and a fresh TOTP device each.

    Accounts are kept between runs (same usernames, same people); their devices are new
    each run, so that a code is never refused as already used within a 30-second step.
    """
    from django.contrib.auth.hashers import make_password
    from django.utils import timezone
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from dichvucong.accounts.constants import (
        AccountType,
        AttributeName,
        AttributeSource,
        IdentityProofing,
    )
    from dichvucong.accounts.identifiers import normalise_phone
    from dichvucong.accounts.models import IdentityAttribute, User

    now = timezone.now()
    hashed = make_password(PASSWORD)
    citizens = []
    for number, person in enumerate(_people(count)):
        username = f"{PREFIX}{number:03d}"
        User.objects.filter(pin=person.pin).exclude(username=username).update(pin=None)
        user, _created = User.objects.update_or_create(
            username=username,
            defaults={
                "pin": person.pin,
                "full_name": person.full_name,
                "password": hashed,
                "is_active": True,
                "account_type": AccountType.CITIZEN,
                "identity_proofing": IdentityProofing.REGISTRY_VERIFIED,
                "phone": normalise_phone(person.phone),
                "phone_confirmed_at": now,
                "email": f"{username}@example.vn",
                "email_confirmed_at": now,
            },
        )
        for name, value in (
            (AttributeName.PIN, person.pin),
            (AttributeName.FULL_NAME, person.full_name),
            (AttributeName.DATE_OF_BIRTH, person.date_of_birth.isoformat()),
            (AttributeName.SEX, person.sex),
            (AttributeName.PERMANENT_ADDRESS, person.permanent_address),
        ):
            IdentityAttribute.objects.update_or_create(
                user=user,
                name=name,
                defaults={"value": value, "source": AttributeSource.POPULATION, "verified_at": now},
            )
        TOTPDevice.objects.filter(user=user).delete()
        key = secrets.token_hex(20)
        TOTPDevice.objects.create(user=user, name="bench", key=key, confirmed=True)
        local_phone = "0" + normalise_phone(person.phone)[3:]
        citizens.append(
            Citizen(
                username,
                base64.b32encode(bytes.fromhex(key)).decode(),
                person.pin,
                local_phone,
                person.permanent_address,
            )
        )
    return citizens


def place_and_component() -> tuple[str, int]:
    """A Hà Nội commune (birth registration is filed at a commune) and the index of the
    birth certificate component among the procedure's components."""
    from dichvucong.catalog.models import Procedure
    from dichvucong.dossiers.eforms import commune_choices

    commune = dict(commune_choices())["Thành phố Hà Nội"][0][0]
    components = Procedure.objects.get(code=PROCEDURE).current.components or []
    index = next((i for i, c in enumerate(components) if "Giấy chứng sinh" in c.get("name", "")), 0)
    if not components:
        raise SystemExit(f"{PROCEDURE} has no components to attach a file to")
    return commune, index


def form_data(citizen: Citizen, commune: str) -> dict[str, str]:
    """The birth registration form as a person fills it (applicant's name and PIN are
    prefilled from verified attributes and not editable, so not posted)."""
    return {
        "applicant__address": citizen.address,
        "applicant__phone": citizen.phone,
        "applicant__relationship": "mother",
        "child__full_name": "Nguyễn Minh An",
        "child__date_of_birth": (date.today() - timedelta(days=7)).isoformat(),
        "child__sex": "male",
        "child__province": "1",
        "child__commune": commune,
    }


def count_queries(citizen: Citizen, commune: str, component: int, pdf: bytes) -> dict[str, Any]:
    """One start -> render -> upload -> submit through Django's test client, counting the
    SQL each step runs (and naming the statement repeated most on the form page) and its
    time with nobody else on the server."""
    import pyotp
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client()
    client.post("/tai-khoan/dang-nhap/", {"identifier": citizen.username, "password": PASSWORD})
    signed_in = client.post(
        "/tai-khoan/dang-nhap/buoc-hai/", {"code": pyotp.TOTP(citizen.totp_key).now()}
    )
    if signed_in.status_code != 302:
        raise SystemExit("the probe citizen could not sign in at level 2")
    counts: dict[str, Any] = {"alone_ms": {}}

    def measured(step: str, call):  # noqa: ANN001, ANN202
        started = time.perf_counter()
        with CaptureQueriesContext(connection) as queries:
            response = call()
        counts["alone_ms"][step] = round((time.perf_counter() - started) * 1000, 1)
        counts[step] = len(queries)
        return response, queries

    started, _ = measured(
        "start",
        lambda: client.post(f"/ho-so/bat-dau/{PROCEDURE}/", {"province": "1", "commune": commune}),
    )
    path = started["Location"]
    client.get(path)  # templates compiled, caches filled: the timed render is a steady one
    page, queries = measured("render", lambda: client.get(path))
    shapes = Counter(re.sub(r"\b\d+\b", "N", q["sql"])[:160] for q in queries.captured_queries)
    statement, times = shapes.most_common(1)[0]
    counts["render_most_repeated"] = {"times": times, "sql": statement}
    counts["render_bytes"] = len(page.content)
    measured(
        "upload",
        lambda: client.post(
            f"{path}dinh-kem/",
            {
                "component": str(component),
                "file": SimpleUploadedFile("giay-chung-sinh.pdf", pdf, "application/pdf"),
            },
        ),
    )
    key = _KEY.search(page.content.decode()).group(1)
    submitted, _ = measured(
        "submit",
        lambda: client.post(
            path,
            {
                **form_data(citizen, commune),
                "action": "submit",
                "delivery_method": "online",
                "submission_key": key,
            },
        ),
    )
    if not submitted.get("Location", "").endswith("/bien-nhan/"):
        raise SystemExit(
            f"the probe submission failed ({submitted.status_code}); is the form data still valid?"
        )
    return counts


def delete_bench_dossiers() -> int:
    from dichvucong.dossiers.models import Dossier

    deleted, _ = Dossier.objects.filter(applicant__username__startswith=PREFIX).delete()
    return deleted


def prepare(media_root: str) -> dict[str, Any]:
    os.environ.pop("DJANGO_ENV", None)  # bootstrap_demo refuses to run in production
    os.environ["MEDIA_ROOT"] = media_root  # the probe's upload too, not the project's var/
    with contextlib.redirect_stdout(io.StringIO()):
        _django.setup()
    pdf = make_pdf()
    from pypdf import PdfReader

    pages = len(PdfReader(io.BytesIO(pdf)).pages)
    citizens = create_citizens(USERS + 1)
    commune, component = place_and_component()
    delete_bench_dossiers()
    queries = count_queries(citizens[-1], commune, component, pdf)
    delete_bench_dossiers()
    from django.db import connections

    connections.close_all()
    return {
        "citizens": citizens[:USERS],
        "commune": commune,
        "component": component,
        "pdf": pdf,
        "pdf_pages": pages,
        "queries": queries,
        "database_url": os.environ["DATABASE_URL"],
    }


# --- The virtual users (aiohttp against the server) --------------------------------------


class StepFailed(Exception):
    pass


@dataclass
class Tally:
    """What the clients saw: latencies per step (ms) and when each answer came, failures."""

    latencies: dict[str, list[tuple[float, float]]] = field(
        default_factory=lambda: defaultdict(list)
    )
    failures: Counter = field(default_factory=Counter)
    submitted: set[int] = field(
        default_factory=set
    )  # dossiers whose submission the client saw succeed
    unknown: int = 0  # submissions whose answer never came (timeout): they may have succeeded
    render_missing_prefill: int = 0


class Browser:
    """One person's browser: its own connection and cookie jar (production cookies are
    Secure and __Host- prefixed, which a client on plain http must keep by itself)."""

    def __init__(self, session: Any, base: str):
        self.session, self.base, self.jar = session, base, {}

    async def send(self, method: str, path: str, **kwargs: Any) -> tuple[int, str, str]:
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.jar.items())}
        async with self.session.request(
            method, self.base + path, headers=headers, allow_redirects=False, **kwargs
        ) as response:
            text = await response.text()
            self.jar.update({name: morsel.value for name, morsel in response.cookies.items()})
            return response.status, response.headers.get("Location", ""), text


async def sign_in(browser: Browser, citizen: Citizen) -> str:
    """Password then authenticator code (level 2); returns a CSRF token of the new session."""
    import pyotp

    status, _loc, page = await browser.send("GET", "/tai-khoan/dang-nhap/")
    token = _TOKEN.search(page).group(1)
    status, location, _ = await browser.send(
        "POST",
        "/tai-khoan/dang-nhap/",
        data={
            "identifier": citizen.username,
            "password": PASSWORD,
            "csrfmiddlewaretoken": token,
            "next": f"/ho-so/bat-dau/{PROCEDURE}/",
        },
    )
    if not location.endswith("/buoc-hai/"):
        raise StepFailed(f"sign-in answered {status} {location}")
    status, location, _ = await browser.send(
        "POST",
        "/tai-khoan/dang-nhap/buoc-hai/",
        data={"code": pyotp.TOTP(citizen.totp_key).now(), "csrfmiddlewaretoken": token},
    )
    if status != 302 or "dang-nhap" in location:
        raise StepFailed(f"second factor answered {status} {location}")
    status, _loc, page = await browser.send(
        "GET", f"/ho-so/bat-dau/{PROCEDURE}/"
    )  # the session's new token
    if status != 200:
        raise StepFailed(f"the start page answered {status}")
    return _TOKEN.search(page).group(1)


async def file_one_dossier(
    browser: Browser, citizen: Citizen, token: str, data: dict[str, Any], tally: Tally
) -> str:
    """start -> render -> upload -> submit; returns the CSRF token for the next round."""
    import aiohttp

    def timed(step: str, started: float) -> None:
        now = time.perf_counter()  # kept with the answer's time: summarise() keeps the window's
        tally.latencies[step].append((now, (now - started) * 1000))

    started = time.perf_counter()
    status, location, _ = await browser.send(
        "POST",
        f"/ho-so/bat-dau/{PROCEDURE}/",
        data={"province": "1", "commune": data["commune"], "csrfmiddlewaretoken": token},
    )
    if status != 302 or not re.fullmatch(r"/ho-so/\d+/", location):
        raise StepFailed(f"start: {status} {location}")
    timed("start", started)
    path = location
    await asyncio.sleep(THINK_SECONDS)

    started = time.perf_counter()
    status, _loc, page = await browser.send("GET", path)
    if status != 200 or "submission_key" not in page:
        raise StepFailed(f"render: {status}")
    timed("render", started)
    if citizen.pin not in page:
        tally.render_missing_prefill += 1
    token = _TOKEN.search(page).group(1)
    key = _KEY.search(page).group(1)
    await asyncio.sleep(THINK_SECONDS)

    form = aiohttp.FormData()
    form.add_field("csrfmiddlewaretoken", token)
    form.add_field("component", str(data["component"]))
    form.add_field(
        "file", data["pdf"], filename="giay-chung-sinh.pdf", content_type="application/pdf"
    )
    started = time.perf_counter()
    status, location, _ = await browser.send("POST", f"{path}dinh-kem/", data=form)
    if status != 302 or not location.startswith(path):
        raise StepFailed(f"upload: {status} {location}")
    timed("upload", started)
    await asyncio.sleep(THINK_SECONDS)

    started = time.perf_counter()
    try:
        status, location, body = await browser.send(
            "POST",
            path,
            data={
                **form_data(citizen, data["commune"]),
                "action": "submit",
                "delivery_method": "online",
                "submission_key": key,
                "csrfmiddlewaretoken": token,
            },
        )
    except (aiohttp.ClientError, TimeoutError):
        tally.unknown += 1
        raise
    if status != 302 or location != f"{path}bien-nhan/":
        raise StepFailed(
            f"submit: {status} {location} {'form errors' if 'error-summary' in body else ''}"
        )
    timed("submit", started)
    tally.submitted.add(int(path.strip("/").rsplit("/", 1)[-1]))
    return token


async def run_users(base: str, data: dict[str, Any], tally: Tally) -> dict[str, float]:
    """Sign everyone in, then warm up, then the measured window; each user finishes the
    dossier it is filing when time is up (its answers after the window are not counted)."""
    import aiohttp

    timeout = aiohttp.ClientTimeout(total=60)
    sessions = [
        aiohttp.ClientSession(
            timeout=timeout,
            cookie_jar=aiohttp.DummyCookieJar(),
            connector=aiohttp.TCPConnector(limit=1),
        )
        for _ in data["citizens"]
    ]
    browsers = [Browser(session, base) for session in sessions]
    try:
        tokens = await asyncio.gather(
            *(sign_in(b, c) for b, c in zip(browsers, data["citizens"], strict=True))
        )
        window: dict[str, float] = {}
        warm_until = time.perf_counter() + WARMUP_SECONDS
        window["start"] = warm_until
        window["stop"] = warm_until + SECONDS

        async def user(browser: Browser, citizen: Citizen, token: str) -> None:
            while time.perf_counter() < window["stop"]:
                try:
                    token = await file_one_dossier(browser, citizen, token, data, tally)
                except StepFailed as failed:
                    tally.failures[str(failed).split(":", 1)[0]] += 1
                    if len(tally.failures) <= 3 and sum(tally.failures.values()) <= 3:
                        print(f"  failure: {failed}", file=sys.stderr)
                except (aiohttp.ClientError, TimeoutError) as exc:
                    tally.failures[f"network:{type(exc).__name__}"] += 1

        await asyncio.gather(
            *(user(b, c, t) for b, c, t in zip(browsers, data["citizens"], tokens, strict=True))
        )
        window["ended"] = time.perf_counter()
        return window
    finally:
        for session in sessions:
            await session.close()


# --- Checks, report ---------------------------------------------------------------------


def check_database(tally: Tally) -> dict[str, Any]:
    """The database's account of the run, against what the clients saw."""
    from django.db.models import Count

    from dichvucong.dossiers.constants import DossierStatus
    from dichvucong.dossiers.models import Attachment, Dossier

    mine = Dossier.objects.filter(applicant__username__startswith=PREFIX)
    submitted = mine.filter(status=DossierStatus.SUBMITTED)
    ids = set(submitted.values_list("pk", flat=True))
    codes = submitted.values("code").distinct().count()
    keys = submitted.values("applicant", "submission_key").distinct().count()
    with_files = (
        Attachment.objects.filter(dossier__in=ids).values("dossier").annotate(n=Count("id"))
    )
    return {
        "submitted_in_db": len(ids),
        "submits_seen_by_clients": len(tally.submitted),
        "submits_without_answer": tally.unknown,
        "missing_in_db": len(tally.submitted - ids),
        "extra_in_db": len(ids - tally.submitted),
        "distinct_codes": codes,
        "distinct_submission_keys": keys,
        "submitted_without_attachment": len(ids) - with_files.count(),
        "drafts_left": mine.filter(status=DossierStatus.DRAFT).count(),
        "other_statuses": mine.exclude(
            status__in=[DossierStatus.SUBMITTED, DossierStatus.DRAFT]
        ).count(),
        "consistent": ids == tally.submitted and codes == keys == len(ids),
    }


def summarise(tally: Tally, window: dict[str, float]) -> dict[str, Any]:
    pct = _django.percentile
    steps = {}
    for step in STEPS:
        inside = [ms for at, ms in tally.latencies[step] if window["start"] <= at <= window["stop"]]
        steps[step] = {
            "count": len(inside),
            "p50": round(pct(inside, 0.50), 1),
            "p95": round(pct(inside, 0.95), 1),
            "p99": round(pct(inside, 0.99), 1),
        }
    return {"submitted_per_second": round(steps["submit"]["count"] / SECONDS, 2), "steps": steps}


def main() -> int:
    media_root = tempfile.mkdtemp(prefix="dvc-media-")
    static_root = tempfile.mkdtemp(prefix="dvc-static-")
    try:
        return _run(media_root, static_root)
    finally:
        shutil.rmtree(media_root, ignore_errors=True)
        shutil.rmtree(static_root, ignore_errors=True)


def _run(media_root: str, static_root: str) -> int:
    data = prepare(media_root)
    env = http_load._server_env(data["database_url"], static_root) | {
        "MALWARE_SCANNER": "eicar",
        "MEDIA_ROOT": media_root,
        # Every user signs in from 127.0.0.1: lift the per-address budgets (tested in tests/accounts).
        "RATE_SIGN_IN": "1000000/1",
        "RATE_OTP_VERIFY": "1000000/1",
    }
    port = http_load._free_port()
    base = f"http://127.0.0.1:{port}"
    print(
        f"Submission load: {USERS} users (pausing {THINK_SECONDS:g} s between steps) filing {PROCEDURE} with a {len(data['pdf']) / 1048576:.2f} MB, "
        f"{data['pdf_pages']}-page PDF; {SECONDS:g} s after {WARMUP_SECONDS:g} s of warm-up; gunicorn "
        f"{http_load.WORKERS} {http_load.WORKER_CLASS} workers; {os.cpu_count()} CPUs; "
        f"load average before {os.getloadavg()[0]:.2f}"
    )
    tally = Tally()
    with http_load.serving(env, port) as served:
        before, began = http_load._cpu_snapshot(), time.perf_counter()
        window = asyncio.run(run_users(base, data, tally))
        elapsed = time.perf_counter() - began  # sign-ins, warm-up, window and the last rounds
        cpu = http_load.cpu_used(before, http_load._cpu_snapshot(), served.pid, elapsed)
    server_errors = served.server_errors

    figures = summarise(tally, window)
    database = check_database(tally)
    steps = figures["steps"]
    alone = data["queries"]["alone_ms"]
    print(
        f"  {'step':<8} {'count':>6} {'p50':>8} {'p95':>8} {'p99':>8}   (ms)   {'alone ms':>9} {'queries':>8}"
    )
    for step in STEPS:
        s = steps[step]
        print(
            f"  {step:<8} {s['count']:6d} {s['p50']:8.1f} {s['p95']:8.1f} {s['p99']:8.1f}          "
            f"{alone[step]:9.1f} {data['queries'][step]:8d}"
        )
    print(
        "  (alone: one round through Django's test client in this process, nobody else on the server)"
    )
    rounds = len(tally.submitted)
    cpu_per_dossier = cpu["gunicorn"] * elapsed / rounds if rounds else 0.0
    figures["server_cpu_seconds_per_dossier"] = round(cpu_per_dossier, 3)
    repeated = data["queries"]["render_most_repeated"]
    print(
        f"  form page: {data['queries']['render_bytes'] / 1024:.0f} KiB of HTML; its most repeated query ran "
        f"{repeated['times']}x: {repeated['sql'][:100]}"
    )
    print(
        f"  cpu % (of a core): gunicorn {cpu['gunicorn'] * 100:.0f}, load generator "
        f"{cpu['load_generator'] * 100:.0f}, PostgreSQL+Redis {cpu['postgres_redis'] * 100:.0f}, other "
        f"{cpu['other'] * 100:.0f}; machine {cpu['machine'] * 100:.0f} of {(os.cpu_count() or 1) * 100}; "
        f"server CPU per dossier {cpu_per_dossier:.2f} s"
    )
    if cpu["machine"] - cpu["gunicorn"] - cpu["load_generator"] - cpu["postgres_redis"] >= 0.2:
        print(
            "  WARNING: other work used the machine during the run (processes outside the benchmark, some "
            "gone before its end); the latencies understate this server."
        )
    failures = dict(tally.failures)
    print(
        f"  failed rounds: {sum(failures.values())} {failures or ''}; tracebacks in the server log: "
        f"{server_errors}; form pages without the prefilled PIN: {tally.render_missing_prefill}"
    )
    print(
        f"dossiers submitted per second: {figures['submitted_per_second']:.2f} "
        f"({steps['submit']['count']} in {SECONDS:g} s)"
    )
    print(
        f"database: {database['submitted_in_db']} submitted dossiers, clients saw "
        f"{database['submits_seen_by_clients']} successful submits (plus {database['submits_without_answer']} "
        f"unanswered); missing {database['missing_in_db']}, extra {database['extra_in_db']}, distinct codes "
        f"{database['distinct_codes']}, without attachment {database['submitted_without_attachment']}, drafts "
        f"left {database['drafts_left']}: {'OK' if database['consistent'] else 'MISMATCH'}"
    )
    submit_ok = steps["submit"]["p95"] < TARGET_SUBMIT_P95_MS and steps["submit"]["count"] > 0
    render_ok = steps["render"]["p95"] < TARGET_RENDER_P95_MS and steps["render"]["count"] > 0
    print(
        f"{'PASS' if submit_ok else 'FAIL'}: submission p95 {steps['submit']['p95']} ms "
        f"(target < {TARGET_SUBMIT_P95_MS:.0f} ms at {USERS} users)"
    )
    print(
        f"{'PASS' if render_ok else 'FAIL'}: form render p95 {steps['render']['p95']} ms "
        f"(target < {TARGET_RENDER_P95_MS:.0f} ms at {USERS} users)"
    )
    passed = submit_ok and render_ok and database["consistent"] and not failures
    print("submission load:", "PASS" if passed else "FAIL")

    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    with RESULTS.open("a", encoding="utf-8") as handle:
        handle.write(
            json.dumps(
                {
                    "time": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
                    "users": USERS,
                    "think_seconds": THINK_SECONDS,
                    "seconds": SECONDS,
                    "server": {
                        "workers": http_load.WORKERS,
                        "worker_class": http_load.WORKER_CLASS,
                    },
                    "cpus": os.cpu_count(),
                    "procedure": PROCEDURE,
                    "pdf_bytes": len(data["pdf"]),
                    **figures,
                    "queries": data["queries"],
                    "cpu_cores_used": cpu,
                    "failures": failures,
                    "database": database,
                    "submit_pass": submit_ok,
                    "render_pass": render_ok,
                    "pass": passed,
                },
                ensure_ascii=False,
            )
            + "\n"
        )
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main())
