"""A back office's worth of dossiers: citizens, officials, dossiers, cases, history, step logs.

    .venv/bin/python benchmarks/data/backoffice.py [--scale N] [--agencies 500] [--years 5]
        [--seed 2026] [--reset] [--no-step-logs] [--database-url URL]

Fills a PostgreSQL database (``bench_backoffice`` on 127.0.0.1 by default;
BENCH_DATABASE_URL or --database-url overrides it) with what the one-stop back office
holds after some years of service, for the back-office and statistics benchmarks:

* ``n_agencies`` real agencies of the catalog (four in five communes, the rest provincial
  departments), each with a load drawn from a log-normal law (some are busy, most quiet);
* about one citizen per five dossiers, with 12-digit PINs consistent with their birth
  year and sex, and Vietnamese names drawn with the surnames' real frequencies; a citizen
  files mostly at "their" agency;
* per agency 3 receivers, 4 processors and 2 approvers (officials with a position);
* ``n_dossiers`` dossiers submitted over ``years`` years (volume growing over time, office
  hours, few at weekends), procedures of the agency's level weighted by national usage,
  codes ``<agency code>-<yymmdd>-<nnnn>`` with the day's counters kept in
  DossierSequence, appointed dates from 3 to 20 working days; about 9% finish late; those
  whose processing has not ended by now are open (under 1%, plus
  stuck, overdue ones: 5% of last year's, 0.5% of older ones) in submitted/received/processing/awaiting_supplement;
* one back-office Case per dossier on ``workflows.default_steps()`` with its current step,
  assignee, pause, lateness and closing, 2 to 5 DossierEvents per dossier (status changes,
  public; step changes, internal) and a StepLog per step entered.

Everything is written with COPY in one transaction, after which the marker table
``bench_dataset`` holds the parameters and row counts: a second run with the same
parameters does nothing, with other parameters it refuses unless ``--reset`` (which drops
and recreates the database, migrates it and loads the catalog). Inside that transaction
the secondary indexes and foreign keys of the four big tables are dropped and recreated
afterwards, exactly as they were (a failure rolls everything back). Ends with VACUUM
(FREEZE, ANALYZE).

Importable: ``prepare_database(url, reset=...)`` then ``generate(url, n_dossiers=...)``;
``dataset(url)`` tells what a database holds.
"""

from __future__ import annotations

import argparse
import bisect
import hashlib
import itertools
import json
import math
import os
import random
import subprocess
import sys
import time
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/bench_backoffice"
DATASET = "backoffice"
VN = 7 * 3600  # Asia/Ho_Chi_Minh is UTC+7 all year
DAY = 86400

# Surnames with their approximate shares of the population.
SURNAMES = (
    ("Nguyễn", 38), ("Trần", 11), ("Lê", 9.5), ("Phạm", 7.1), ("Hoàng", 4.2), ("Huỳnh", 1.5), ("Phan", 4.5),
    ("Vũ", 3.9), ("Võ", 1.5), ("Đặng", 2.1), ("Bùi", 2), ("Đỗ", 1.4), ("Hồ", 1.3), ("Ngô", 1.3),
    ("Dương", 1), ("Lý", 0.5), ("Đinh", 0.6), ("Trương", 0.6), ("Lương", 0.4), ("Mai", 0.4), ("Tạ", 0.2),
    ("Cao", 0.3), ("Lưu", 0.3), ("Đoàn", 0.4), ("Châu", 0.2), ("Tô", 0.2), ("Hà", 0.3), ("Thái", 0.2),
)  # fmt: skip
MIDDLE_MALE = ("Văn", "Văn", "Văn", "Đức", "Minh", "Hữu", "Quang", "Công", "Thành", "Xuân", "Ngọc", "Trung",
               "Thanh", "Hoàng", "Tiến", "Mạnh", "Đình", "Quốc", "Anh", "Gia")  # fmt: skip
MIDDLE_FEMALE = ("Thị", "Thị", "Thị", "Thị", "Ngọc", "Thu", "Thanh", "Phương", "Hồng", "Minh", "Kim", "Thùy",
                 "Hoài", "Bích", "Khánh", "Mai", "Diệu", "Hải", "Bảo", "Quỳnh")  # fmt: skip
GIVEN_MALE = ("An", "Anh", "Bảo", "Bình", "Cường", "Dũng", "Duy", "Đạt", "Đức", "Hải", "Hiếu", "Hoàng", "Hùng",
              "Huy", "Khánh", "Khoa", "Kiên", "Lâm", "Long", "Lộc", "Minh", "Nam", "Nghĩa", "Phong", "Phúc",
              "Quân", "Quang", "Sơn", "Tài", "Tâm", "Thắng", "Thành", "Thịnh", "Toàn", "Trung", "Tuấn", "Tùng",
              "Việt", "Vinh", "Vũ")  # fmt: skip
GIVEN_FEMALE = ("An", "Anh", "Chi", "Dung", "Giang", "Hà", "Hạnh", "Hằng", "Hiền", "Hoa", "Huệ", "Hương", "Huyền",
                "Lan", "Liên", "Linh", "Loan", "Ly", "Mai", "My", "Nga", "Ngân", "Ngọc", "Nhung", "Oanh", "Phương",
                "Quyên", "Tâm", "Thảo", "Thủy", "Trang", "Trâm", "Tuyết", "Uyên", "Vân", "Vy", "Xuân", "Yến",
                "Nhi", "Hân")  # fmt: skip
STREETS = ("Lê Lợi", "Trần Hưng Đạo", "Nguyễn Trãi", "Hai Bà Trưng", "Quang Trung", "Lý Thường Kiệt",
           "Hùng Vương", "Phan Chu Trinh", "Điện Biên Phủ", "Nguyễn Huệ", "Lê Duẩn", "Võ Thị Sáu")  # fmt: skip
DUE_WORKING_DAYS = (3, 5, 5, 7, 7, 10, 10, 12, 15, 20)
ROLES = (("receiver", 3), ("processor", 4), ("approver", 2))
BIG_TABLES = ("dossiers_dossier", "dossiers_dossierevent", "backoffice_case", "backoffice_steplog")


@dataclass(frozen=True)
class Params:
    n_dossiers: int = 1_000_000
    n_agencies: int = 500
    years: int = 5
    seed: int = 2026
    citizens_per_dossier: float = 0.2
    step_logs: bool = True


# --- Database ----------------------------------------------------------------------------


def _admin_url(url: str) -> str:
    return url.rsplit("/", 1)[0] + "/postgres"


def _manage(url: str, *args: str) -> None:
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_ENV"} | {
        "DATABASE_URL": url,
        "DJANGO_SETTINGS_MODULE": "dichvucong.settings",
    }
    subprocess.run(
        [sys.executable, str(ROOT / "src" / "manage.py"), *args], env=env, check=True, cwd=ROOT
    )


def prepare_database(url: str = DEFAULT_URL, *, reset: bool = False, quiet: bool = False) -> None:
    """Create (or with ``reset`` drop and recreate) the database, migrate it, load the catalog."""
    import psycopg

    name = url.rsplit("/", 1)[-1]
    if name in ("postgres", "test", "template0", "template1"):
        raise SystemExit(f"refusing to use the database {name!r}")
    with psycopg.connect(_admin_url(url), autocommit=True) as conn:
        if reset:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')
    started = time.perf_counter()
    _manage(url, "migrate", "--noinput", "-v0")
    with psycopg.connect(url) as conn:
        loaded = conn.execute("SELECT count(*) FROM catalog_procedure").fetchone()[0]
        units = conn.execute("SELECT count(*) FROM catalog_agency WHERE level = 'commune'").fetchone()[0]
    if not loaded or not units:
        dataset = os.environ.get("CATALOG_DATASET") or str(
            ROOT / "src" / "dichvucong" / "catalog" / "dataset" / "catalog.json.gz"
        )
        _manage(url, "import_catalog", dataset, "--no-progress")
        _manage(url, "load_reference_data")
    if not quiet:
        print(f"database {name}: migrated, catalog loaded ({time.perf_counter() - started:.0f} s)")


def dataset(url: str = DEFAULT_URL) -> dict | None:
    """What ``generate`` wrote in this database (parameters, counts, seconds), or None."""
    import psycopg

    with psycopg.connect(url) as conn:
        if conn.execute("SELECT to_regclass('bench_dataset')").fetchone()[0] is None:
            return None
        row = conn.execute(
            "SELECT params, counts, seconds, generated_at FROM bench_dataset WHERE name = %s", (DATASET,)
        ).fetchone()
    if row is None:
        return None
    return {"params": row[0], "counts": row[1], "seconds": row[2], "generated_at": row[3]}


# --- Small helpers -----------------------------------------------------------------------


def _ts(t: float) -> str:
    return time.strftime("%Y-%m-%d %H:%M:%S+00", time.gmtime(int(t)))


def _esc(text: str) -> str:
    """A value for COPY's text format."""
    return text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


def _json(value: object) -> str:
    return _esc(json.dumps(value, ensure_ascii=False, separators=(",", ":")))


class Picker:
    """A weighted draw by bisection on cumulative weights."""

    def __init__(self, items: list, weights: Iterable[float]):
        self.items = items
        self.cumulative = list(itertools.accumulate(weights))
        self.total = self.cumulative[-1]

    def __call__(self, rng: random.Random):  # noqa: ANN204
        return self.items[bisect.bisect_right(self.cumulative, rng.random() * self.total)]


def _copy(cur, table: str, columns: str, rows: Iterator[str], chunk: int = 20000) -> int:  # noqa: ANN001
    count = 0
    with cur.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
        buffer: list[str] = []
        for line in rows:
            buffer.append(line)
            if len(buffer) >= chunk:
                copy.write("".join(buffer))
                count += len(buffer)
                buffer.clear()
        if buffer:
            copy.write("".join(buffer))
            count += len(buffer)
    return count


def _next_id(cur, table: str) -> int:  # noqa: ANN001
    return cur.execute(f"SELECT coalesce(max(id), 0) + 1 FROM {table}").fetchone()[0]  # noqa: S608


def _set_sequence(cur, table: str) -> None:  # noqa: ANN001
    cur.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), coalesce(max(id), 1)) FROM {table}")  # noqa: S608


def _secondary_ddl(cur, table: str) -> tuple[list[str], list[str], list[str]]:  # noqa: ANN001
    """(drop statements, create-index/unique statements, foreign-key statements) of a table."""
    drops, indexes, foreign = [], [], []
    for name, kind, definition in cur.execute(
        "SELECT conname, contype, pg_get_constraintdef(oid) FROM pg_constraint "
        "WHERE conrelid = %s::regclass AND contype IN ('f', 'u') ORDER BY contype DESC, conname",
        (table,),
    ):
        drops.append(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
        (foreign if kind == "f" else indexes).append(
            f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}'
        )
    for name, definition in cur.execute(
        "SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid) FROM pg_index i "
        "WHERE i.indrelid = %s::regclass AND NOT i.indisprimary "
        "AND i.indexrelid NOT IN (SELECT conindid FROM pg_constraint WHERE conrelid = %s::regclass)",
        (table, table),
    ):
        drops.append(f"DROP INDEX {name}")
        indexes.append(definition)
    return drops, indexes, foreign


# --- The world: agencies, procedures, people ---------------------------------------------


@dataclass
class Agency:
    id: int
    code: str
    name: str
    level: str
    province_code: int | None
    weight: float
    procedures: Picker | None = None


def _agencies(cur, params: Params, rng: random.Random) -> list[Agency]:  # noqa: ANN001
    communes = cur.execute(
        "SELECT id, code, name, level, province_code FROM catalog_agency WHERE level = 'commune' ORDER BY code"
    ).fetchall()
    provincial = cur.execute(
        "SELECT id, code, name, level, province_code FROM catalog_agency WHERE level = 'province' ORDER BY code"
    ).fetchall()
    n_province = min(len(provincial), params.n_agencies // 5)
    n_commune = min(len(communes), params.n_agencies - n_province)
    chosen = rng.sample(provincial, n_province) + rng.sample(communes, n_commune)
    agencies = []
    for row in chosen:
        # Provincial departments serve a whole province: busier than a commune on average.
        weight = rng.lognormvariate(0.9 if row[3] == "province" else 0.0, 0.8)
        agencies.append(Agency(*row, weight=weight))
    return agencies


def _procedures(cur, agencies: list[Agency]) -> None:  # noqa: ANN001
    """Give each agency its Picker of (procedure id, version id, due working days)."""
    rows = cur.execute(
        "SELECT p.id, p.code, p.current_id, p.popularity, p.levels, v.department_kinds "
        "FROM catalog_procedure p JOIN catalog_procedureversion v ON v.id = p.current_id "
        "WHERE p.status = 'active' AND p.service_level <> 'offline' ORDER BY p.code"
    ).fetchall()
    kinds = dict(cur.execute("SELECT id, kind FROM catalog_agency WHERE level = 'province'").fetchall())
    by_level: dict[str, list] = {"commune": [], "province": []}
    for pid, code, version, popularity, levels, department_kinds in rows:
        digest = int(hashlib.sha1(code.encode(), usedforsecurity=False).hexdigest()[:8], 16)
        item = (pid, version, DUE_WORKING_DAYS[digest % len(DUE_WORKING_DAYS)], set(department_kinds or []))
        for level in by_level:
            if level in (levels or []):
                by_level[level].append((item, math.sqrt(popularity) + 1.0))
    for agency in agencies:
        candidates = by_level[agency.level]
        if agency.level == "province":
            kind = kinds.get(agency.id)
            matching = [(item, w) for item, w in candidates if kind and kind in item[3]]
            candidates = matching or candidates
        agency.procedures = Picker([item[:3] for item, _w in candidates], [w for _i, w in candidates])


def _name(rng: random.Random, surnames: Picker, female: bool) -> str:
    middle = rng.choice(MIDDLE_FEMALE if female else MIDDLE_MALE)
    given = rng.choice(GIVEN_FEMALE if female else GIVEN_MALE)
    if rng.random() < 0.15:  # a second middle name
        return f"{surnames(rng)} {middle} {rng.choice(MIDDLE_FEMALE if female else MIDDLE_MALE)} {given}"
    return f"{surnames(rng)} {middle} {given}"


def _pin(rng: random.Random, province: int, year: int, female: bool, used: set[str]) -> str:
    century = (year // 100) - 19
    while True:
        pin = f"{province:03d}{century * 2 + female}{year % 100:02d}{rng.randrange(1_000_000):06d}"
        if pin not in used:
            used.add(pin)
            return pin


# --- Generation ------------------------------------------------------------------------------


def generate(
    url: str = DEFAULT_URL,
    n_dossiers: int = 1_000_000,
    n_agencies: int = 500,
    years: int = 5,
    seed: int = 2026,
    *,
    step_logs: bool = True,
    now: float | None = None,
    quiet: bool = False,
) -> dict:
    """Fill a migrated database that holds the catalog; returns ``dataset(url)``.

    Does nothing when the database already holds this data set; refuses when it holds one
    with other parameters (prepare_database(url, reset=True) starts again).
    """
    import psycopg

    params = Params(n_dossiers=n_dossiers, n_agencies=n_agencies, years=years, seed=seed, step_logs=step_logs)
    existing = dataset(url)
    if existing is not None:
        if existing["params"] == asdict(params):
            if not quiet:
                print(f"data set already generated: {existing['counts']}")
            return existing
        raise SystemExit(
            f"the database holds another data set ({existing['params']}); use --reset to start again"
        )

    def say(message: str) -> None:
        if not quiet:
            print(f"  [{time.perf_counter() - began:6.1f} s] {message}", flush=True)

    began = time.perf_counter()
    rng = random.Random(seed)
    now = int(now or time.time())
    start = now - int(years * 365.25 * DAY)
    counts: dict[str, int] = {}
    with psycopg.connect(url) as conn, conn.cursor() as cur:
        cur.execute("SET LOCAL synchronous_commit = off")
        cur.execute("SET LOCAL maintenance_work_mem = '1GB'")
        cur.execute("SET LOCAL max_parallel_maintenance_workers = 2")
        cur.execute(
            "CREATE TABLE IF NOT EXISTS bench_dataset (name text PRIMARY KEY, params jsonb NOT NULL, "
            "counts jsonb NOT NULL, seconds double precision, generated_at timestamptz DEFAULT now())"
        )
        for table in BIG_TABLES:
            if cur.execute(f"SELECT EXISTS (SELECT 1 FROM {table})").fetchone()[0]:  # noqa: S608
                raise SystemExit(f"{table} is not empty: generate into a fresh database (--reset)")
        agencies = _agencies(cur, params, rng)
        _procedures(cur, agencies)
        agency_picker = Picker(list(range(len(agencies))), [a.weight for a in agencies])
        say(f"{len(agencies)} agencies chosen")

        # --- People ---------------------------------------------------------------------
        surnames = Picker([s for s, _w in SURNAMES], [w for _s, w in SURNAMES])
        used_pins: set[str] = set(p for (p,) in cur.execute("SELECT pin FROM accounts_user WHERE pin IS NOT NULL"))
        user_id = _next_id(cur, "accounts_user")
        n_citizens = max(100, int(n_dossiers * params.citizens_per_dossier))
        # Citizens live near an agency (in proportion to its load); most file there.
        home_of = [agency_picker(rng) for _ in range(n_citizens)]
        citizens_at: list[list[int]] = [[] for _ in agencies]
        citizen_ids = list(range(user_id, user_id + n_citizens))
        for number, home in enumerate(home_of):
            citizens_at[home].append(citizen_ids[number])
        officials: list[dict[str, list[int]]] = [{} for _ in agencies]
        user_names: dict[int, str] = {}
        joined_before = start - 30 * DAY

        def users() -> Iterator[str]:
            for number, home in enumerate(home_of):
                uid = citizen_ids[number]
                female = rng.random() < 0.5
                year = rng.randint(1945, 2006)
                province = agencies[home].province_code or rng.randint(1, 96)
                pin = _pin(rng, province, year, female, used_pins)
                name = _name(rng, surnames, female)
                user_names[uid] = name
                joined = _ts(joined_before + rng.random() * (now - joined_before))
                phone = f"+849{rng.randrange(10**8):08d}"
                yield (
                    f"{uid}\t!{rng.getrandbits(120):030x}\t\\N\tf\t{pin}\t\t\t\tf\tt\t{joined}\tcitizen\t"
                    f"{_esc(name)}\t{phone}\t\\N\t{joined}\t2\t{pin}\t\t\tvi\t\\N\t\\N\t{rng.getrandbits(128):032x}\n"
                )
            uid = user_id + n_citizens
            for index, agency in enumerate(agencies):
                for role, how_many in ROLES:
                    for k in range(how_many):
                        female = rng.random() < 0.5
                        year = rng.randint(1965, 2000)
                        pin = _pin(rng, agency.province_code or 1, year, female, used_pins)
                        name = _name(rng, surnames, female)
                        user_names[uid] = name
                        officials[index].setdefault(role, []).append(uid)
                        yield (
                            f"{uid}\t!{rng.getrandbits(120):030x}\t\\N\tf\tcb{agency.id}.{role}{k + 1}\t\t\t"
                            f"cb{agency.id}.{role}{k + 1}@{agency.id}.gov.vn\tf\tt\t{_ts(joined_before)}\tofficial\t"
                            f"{_esc(name)}\t\t{_ts(joined_before)}\t\\N\t2\t{pin}\t\t\tvi\t\\N\t\\N\t"
                            f"{rng.getrandbits(128):032x}\n"
                        )
                        uid += 1

        counts["accounts_user"] = _copy(
            cur, "accounts_user",
            "id, password, last_login, is_superuser, username, first_name, last_name, email, is_staff, "
            "is_active, date_joined, account_type, full_name, phone, email_confirmed_at, phone_confirmed_at, "
            "identity_proofing, pin, passport_number, nationality, preferred_language, deactivated_at, "
            "deletion_requested_at, subject",
            users(),
        )  # fmt: skip
        position_id = _next_id(cur, "accounts_officialposition")

        def positions() -> Iterator[str]:
            pid = position_id
            for index, agency in enumerate(agencies):
                for role, ids in officials[index].items():
                    for uid in ids:
                        yield f"{pid}\t{role}\tt\t{agency.id}\t{uid}\t\\N\n"
                        pid += 1

        counts["accounts_officialposition"] = _copy(
            cur, "accounts_officialposition", "id, role, active, agency_id, user_id, unit_id", positions()
        )
        _set_sequence(cur, "accounts_user")
        _set_sequence(cur, "accounts_officialposition")
        say(f"{counts['accounts_user']} users ({n_citizens} citizens), {counts['accounts_officialposition']} positions")

        # --- Plan every dossier: where, when, who, how it ends ---------------------------
        first_local_day = (start + VN) // DAY
        n_days = (now - start) // DAY
        growth = 1.0  # the last day sees (1 + growth) times the first day's volume
        plan: list[tuple[int, int]] = []
        for _ in range(n_dossiers):
            u = rng.random()
            x = (-1 + math.sqrt(1 + 2 * growth * u * (1 + growth / 2))) / growth
            day = first_local_day + min(int(x * n_days), n_days - 1)
            weekday = (day + 3) % 7  # 1970-01-01 was a Thursday; 0 is Monday
            if weekday >= 5 and rng.random() < 0.85:
                day -= weekday - 4  # most weekend filings are really Friday's
            hour = rng.uniform(7.5, 17.5) if rng.random() < 0.85 else rng.uniform(17.5, 23)
            t = day * DAY - VN + int(hour * 3600)
            if t >= now:
                t = now - rng.randint(60, 3 * 3600)
            plan.append((t, agency_picker(rng)))
        plan.sort()
        say(f"{n_dossiers} dossiers planned")

        steps = [step.as_dict() for step in _default_steps()]
        steps_json = _json(steps)
        step_kind = [s["kind"] for s in steps]
        step_role = [s["role"] for s in steps]
        step_name = [s["name"] for s in steps]
        dossier_id = _next_id(cur, "dossiers_dossier")
        case_id = _next_id(cur, "backoffice_case")
        sequences: dict[tuple[int, int], int] = {}
        # (id, t, agency index, applicant, procedure, version, due, finish, outcome, stage, code, receiver,
        #  processor, approver, delivery)
        dossiers: list[tuple] = []
        for number, (t, a) in enumerate(plan):
            agency = agencies[a]
            local_day = (t + VN) // DAY
            seq = sequences.get((a, local_day), 0) + 1
            sequences[(a, local_day)] = seq
            code = f"{agency.code}-{time.strftime('%y%m%d', time.gmtime(local_day * DAY))}-{seq:04d}"
            home = citizens_at[a]
            applicant = rng.choice(home) if home and rng.random() < 0.85 else rng.choice(citizen_ids)
            procedure, version, due_days = agency.procedures(rng)
            span = due_days * 1.4 * DAY  # working days to calendar days
            due = t + int(span)
            duration = span * rng.lognormvariate(-0.6, 0.45)
            roll = rng.random()
            if roll < 0.03:
                outcome, finish = "withdrawn", t + duration * 0.3
            elif roll < 0.065:
                outcome, finish = "refused", t + duration * 0.5
            else:
                outcome, finish = "result_issued", t + duration
            # Some dossiers stay open long past their appointed date (the applicant never
            # supplied what was asked, or nobody acted): more of the recent ones than of the old.
            if due < now and rng.random() < (0.05 if now - t < 365 * DAY else 0.005):
                outcome, finish = "stuck", None
            if finish is None or finish > now:
                if finish is None:
                    roll = rng.random()
                    p = 0.05 if roll < 0.15 else (0.5 if roll < 0.5 else -1.0)
                else:
                    p = (now - t) / (finish - t)
                if outcome == "withdrawn" or outcome == "refused":
                    p = min(p, 0.5)
                if p < 0:
                    stage = "awaiting_supplement"
                elif p < 0.08:
                    stage = "submitted"
                elif p < 0.15:
                    stage = "received"
                elif p < 0.75:
                    stage = "awaiting_supplement" if rng.random() < 0.12 else "processing"
                elif p < 0.90:
                    stage = "approve"
                elif p < 0.97:
                    stage = "sign"
                else:
                    stage = "return"
            else:
                stage = "closed"
            finish = None if finish is None else int(finish)
            staff = officials[a]
            dossiers.append((
                dossier_id + number, t, a, applicant, procedure, version, due, finish, outcome, stage, code,
                rng.choice(staff["receiver"]), rng.choice(staff["processor"]), rng.choice(staff["approver"]),
                rng.random(),
            ))  # fmt: skip
        del plan
        say(f"{len(dossiers)} dossiers drawn; {sum(d[9] != 'closed' for d in dossiers)} open")

        # --- Drop the big tables' secondary indexes and foreign keys (same transaction) -----
        recreate_indexes: list[str] = []
        recreate_foreign: list[str] = []
        for table in BIG_TABLES:
            drops, indexes, foreign = _secondary_ddl(cur, table)
            for statement in drops:
                cur.execute(statement)
            recreate_indexes += indexes
            recreate_foreign += foreign

        agency_name = {i: a.name for i, a in enumerate(agencies)}

        def stage_status(d: tuple) -> str:
            stage, outcome = d[9], d[8]
            if stage == "closed":
                return outcome
            if stage in ("approve", "sign"):
                return "processing"
            if stage == "return":
                return "result_issued"
            return stage

        def dossier_rows() -> Iterator[str]:
            for d in dossiers:
                did, t, a, applicant, procedure, version, due, finish, outcome, stage, code = d[:11]
                status = stage_status(d)
                received = stage != "submitted" and not (stage == "closed" and outcome == "withdrawn" and d[14] < 0.5)
                end = finish if stage == "closed" else min(now, t + (due - t) * 0.5)
                handler = user_names[d[12] if stage not in ("submitted", "received") else d[11]] if received else ""
                delivery = "online" if d[14] < 0.7 else ("post" if d[14] < 0.8 else "in_person")
                data = {"applicant__full_name": user_names[applicant], "applicant__address":
                        f"Số {(did % 200) + 1} đường {STREETS[did % len(STREETS)]}",
                        "note": "Nộp trực tuyến" if delivery == "online" else ""}  # fmt: skip
                yield (
                    f"{did}\t{code}\t{status}\t{_json(data)}\t{delivery}\t{did:032x}\t{_ts(t - 600 - did % 3000)}\t"
                    f"{_ts(end)}\t{_ts(t)}\t"
                    f"{time.strftime('%Y-%m-%d', time.gmtime(t + VN + 0.06 * (due - t))) if received else chr(92) + 'N'}"
                    f"\t{_ts(due)}\t{agencies[a].id}\t{applicant}\t\\N\t{procedure}\t{version}\t\\N\t"
                    f"{_esc(handler)}\t{_esc(agency_name[a]) if received else ''}\t{'one-stop' if received else ''}\n"
                )

        counts["dossiers_dossier"] = _copy(
            cur, "dossiers_dossier",
            "id, code, status, data, delivery_method, submission_key, created_at, updated_at, submitted_at, "
            "received_on, due_at, agency_id, applicant_id, business_id, procedure_id, procedure_version_id, "
            "draft_reminded_at, handler_name, handler_unit, processing_system",
            dossier_rows(),
        )  # fmt: skip
        say(f"{counts['dossiers_dossier']} dossiers copied")

        def sequence_rows() -> Iterator[str]:
            sid = _next_id(cur, "dossiers_dossiersequence")
            for (a, local_day), last in sequences.items():
                yield f"{sid}\t{agencies[a].code}\t{time.strftime('%Y-%m-%d', time.gmtime(local_day * DAY))}\t{last}\n"
                sid += 1

        counts["dossiers_dossiersequence"] = _copy(
            cur, "dossiers_dossiersequence", "id, agency_code, day, last", list(sequence_rows())
        )

        # Step boundaries as shares of the dossier's processing time.
        bounds = (0.0, 0.06, 0.75, 0.90, 0.97)
        stage_step = {"submitted": 0, "received": 1, "processing": 1, "awaiting_supplement": 1, "approve": 2,
                      "sign": 3, "return": 4}  # fmt: skip

        def at(d: tuple, share: float) -> int:
            t, finish = d[1], d[7]
            end = finish if finish is not None else t + (d[6] - t) * 1.6
            return min(int(t + (end - t) * share), now - 60)

        def case_rows() -> Iterator[str]:
            for number, d in enumerate(dossiers):
                did, t, a, _app, _p, _v, due, finish, outcome, stage = d[:10]
                agency_id = agencies[a].id
                assignee, paused, late, closed, on_time = "\\N", "\\N", "\\N", "\\N", "\\N"
                if stage == "closed":
                    index = 4 if outcome == "result_issued" else (1 if outcome == "refused" else 0)
                    started = at(d, bounds[index])
                    closed, on_time = _ts(finish), "t" if finish <= due else "f"
                    if finish > due:
                        late = _ts(due)
                else:
                    index = stage_step[stage]
                    started = min(at(d, bounds[index]), now - 60)
                    if stage == "awaiting_supplement":
                        paused = _ts(min(at(d, 0.3), now - 60))
                    if index == 1 and stage != "received" and d[14] < 0.7:
                        assignee = str(d[12])
                    if due < now and stage != "awaiting_supplement":
                        late = _ts(due)
                yield (
                    f"{case_id + number}\t{steps_json}\t{index}\t{step_kind[index]}\t{step_role[index]}\t"
                    f"{_ts(started)}\t{_ts(due)}\t{paused}\t\\N\t{late}\t{_ts(t)}\t{closed}\t{on_time}\t"
                    f"{agency_id}\t\\N\t{agency_id}\t{assignee}\t{did}\t\\N\t\\N\n"
                )

        counts["backoffice_case"] = _copy(
            cur, "backoffice_case",
            "id, steps, step_index, step_kind, step_role, step_started_at, due_at, paused_at, due_soon_at, "
            "late_since, opened_at, closed_at, closed_on_time, acting_agency_id, acting_unit_id, agency_id, "
            "assignee_id, dossier_id, unit_id, workflow_version_id",
            case_rows(),
        )  # fmt: skip
        say(f"{counts['backoffice_case']} cases copied")

        event_id = _next_id(cur, "dossiers_dossierevent")
        reasons = {"refused": "Không đủ điều kiện theo quy định: thiếu giấy tờ chứng minh",
                   "withdrawn": "Tôi muốn nộp lại hồ sơ khác",
                   "awaiting_supplement": "Đề nghị bổ sung bản sao giấy tờ tùy thân"}  # fmt: skip

        def event_rows() -> Iterator[str]:
            eid = event_id
            for d in dossiers:
                did, t, a, applicant, _p, _v, _due, finish, outcome, stage = d[:10]
                receiver, processor, approver = d[11], d[12], d[13]
                code = agencies[a].code
                # (at, kind, from, to, actor kind, actor, reason, details, public)
                events = [(t, "status", "draft", "submitted", "applicant", applicant, "", "{}", "t")]
                withdrawn_early = stage == "closed" and outcome == "withdrawn" and d[14] < 0.5
                if stage != "submitted" and not withdrawn_early:
                    r = at(d, 0.06)
                    events.append((r, "status", "submitted", "received", "official", receiver, "", "{}", "t"))
                    events.append((r, "step", "", "", "official", receiver, step_name[1],
                                   _json({"step": 1, "kind": "process", "agency": code}), "f"))
                last = "received"
                if stage not in ("submitted", "received") and not (stage == "closed" and outcome == "withdrawn"):
                    events.append((at(d, 0.1), "status", "received", "processing", "official", processor, "", "{}",
                                   "t"))  # fmt: skip
                    last = "processing"
                if stage == "awaiting_supplement":
                    events.append((at(d, 0.3), "status", "processing", "awaiting_supplement", "official", processor,
                                   reasons["awaiting_supplement"], "{}", "t"))  # fmt: skip
                elif stage in ("approve", "sign", "return"):
                    events.append((at(d, 0.75), "step", "", "", "official", processor, step_name[2],
                                   _json({"step": 2, "kind": "approve", "agency": code}), "f"))
                    if stage == "return":
                        events.append((at(d, 0.97), "status", "processing", "result_issued", "official", approver,
                                       "", "{}", "t"))  # fmt: skip
                elif stage == "closed":
                    if outcome == "result_issued":
                        events.append((finish, "status", "processing", "result_issued", "official", approver, "",
                                       "{}", "t"))  # fmt: skip
                    elif outcome == "refused":
                        events.append((finish, "status", last, "refused", "official", approver, reasons["refused"],
                                       "{}", "t"))  # fmt: skip
                    else:
                        events.append((finish, "status", "submitted" if withdrawn_early else last, "withdrawn",
                                       "applicant", applicant, reasons["withdrawn"], "{}", "t"))  # fmt: skip
                for e in events:
                    when = min(e[0], now - 1)
                    yield (
                        f"{eid}\t{_ts(when)}\t{e[2]}\t{e[3]}\t{e[4]}\t{_esc(e[6])}\t{e[5]}\t{did}\t{e[7]}\t{e[1]}\t"
                        f"{e[8]}\n"
                    )
                    eid += 1

        counts["dossiers_dossierevent"] = _copy(
            cur, "dossiers_dossierevent",
            "id, at, from_status, to_status, actor_kind, reason, actor_id, dossier_id, details, kind, public",
            event_rows(),
        )  # fmt: skip
        say(f"{counts['dossiers_dossierevent']} events copied")

        if step_logs:
            log_id = _next_id(cur, "backoffice_steplog")
            outcomes = ("accepted", "forwarded", "approved", "signed", "returned")

            def log_rows() -> Iterator[str]:
                lid = log_id
                for number, d in enumerate(dossiers):
                    stage, outcome, a = d[9], d[8], d[2]
                    who = (d[11], d[12], d[13], d[13], d[11])
                    if stage == "closed":
                        last = 4 if outcome == "result_issued" else (1 if outcome == "refused" else 0)
                    else:
                        last = stage_step[stage]
                    agency_id = agencies[a].id
                    for index in range(last + 1):
                        started = at(d, bounds[index])
                        if index < last:
                            end, official, result = _ts(at(d, bounds[index + 1])), who[index], outcomes[index]
                        elif stage == "closed":
                            end, official = _ts(d[7]), who[index]
                            result = outcomes[index] if outcome == "result_issued" else outcome
                        else:
                            end, official, result = "\\N", "\\N", ""
                            started = min(started, now - 60)
                        yield (
                            f"{lid}\t{index}\t{step_kind[index]}\t{_ts(started)}\t{end}\t{result}\t{agency_id}\t"
                            f"{case_id + number}\t{official}\n"
                        )
                        lid += 1

            counts["backoffice_steplog"] = _copy(
                cur, "backoffice_steplog",
                "id, step_index, kind, started_at, finished_at, outcome, agency_id, case_id, official_id",
                log_rows(),
            )
            say(f"{counts['backoffice_steplog']} step logs copied")
        for table in ("dossiers_dossier", "dossiers_dossierevent", "backoffice_case", "backoffice_steplog",
                      "dossiers_dossiersequence"):  # fmt: skip
            _set_sequence(cur, table)

        for statement in recreate_indexes:
            cur.execute(statement)
        say(f"{len(recreate_indexes)} indexes rebuilt")
        for statement in recreate_foreign:
            cur.execute(statement)
        say(f"{len(recreate_foreign)} foreign keys checked")
        seconds = time.perf_counter() - began
        cur.execute(
            "INSERT INTO bench_dataset (name, params, counts, seconds) VALUES (%s, %s, %s, %s)",
            (DATASET, json.dumps(asdict(params)), json.dumps(counts), seconds),
        )
        conn.commit()
    with psycopg.connect(url, autocommit=True) as conn:
        for table in (*BIG_TABLES, "accounts_user", "accounts_officialposition", "dossiers_dossiersequence"):
            conn.execute(f"VACUUM (FREEZE, ANALYZE) {table}")
    say("vacuumed and analysed")
    seconds = time.perf_counter() - began
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("UPDATE bench_dataset SET seconds = %s WHERE name = %s", (seconds, DATASET))
    if not quiet:
        print(f"generated in {seconds:.0f} s: {counts}")
    return dataset(url)


def _default_steps() -> list:
    sys.path.insert(0, str(ROOT / "src"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dichvucong.settings")
    import django
    from django.apps import apps

    if not apps.ready:
        django.setup()
    from dichvucong.backoffice.workflows import default_steps

    return default_steps()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL))
    parser.add_argument("--scale", type=int, default=1_000_000, help="dossiers (default 1 000 000)")
    parser.add_argument("--agencies", type=int, default=500)
    parser.add_argument("--years", type=int, default=5)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--no-step-logs", action="store_true")
    parser.add_argument("--reset", action="store_true", help="drop and recreate the database first")
    args = parser.parse_args(argv)
    prepare_database(args.database_url, reset=args.reset)
    generate(args.database_url, args.scale, args.agencies, args.years, args.seed, step_logs=not args.no_step_logs)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
