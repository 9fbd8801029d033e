"""A province's one-stop system (``simulators.onestop``) as a real process, a member of the
exchange of the e2e live server.

The simulator is started the way ``make run`` starts it: its own key and SQLite file under a
tmp folder, a free loopback port, the portal's URL (the live server: its token audience and
the address of its messages) and the CA simulator on the live server (it signs results with
an agency certificate the portal trusts). ``register`` tells the portal about it through the
``exchange_member`` command, before it starts, so that its first messages (catalog,
heartbeat) are accepted rather than backed off.

The database is reached through ``in_db``: on SQLite the live server shares the test's
connection, and what a request of the simulator queued after its commit (applying the
message) runs only when ``settle`` runs it, which is why ``wait_until`` settles between polls.

On SQLite that one connection (and its transaction, savepoints and on-commit list) is also
shared by every request thread of the live server, and the simulators post to it whenever
they like, unlike a browser that waits for the test: two threads' atomic blocks would
interleave on it (one's savepoint rollback undoing the other's writes, or an on-commit hook
lost). ``exchange_site`` therefore serialises database work on SQLite: one lock held by each
live-server request and by each ``in_db`` here. The requests a locked piece of work itself
causes touch no database and are let through, or they would wait for the lock forever: the
simulator fetching the portal's JWKS while the portal asks it for a token, and the
simulators of outside systems on the live server (``/sim/``: the population registry at
registration, OCSP at the CA while a result is checked), which keep their state in the cache.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import quote

import httpx
import pytest

from tests.e2e import test_backoffice_journey as journey

SRC = Path(__file__).resolve().parents[2] / "src"
T = TypeVar("T")
_DATABASE = threading.Lock()  # SQLite only: see the module docstring
_UNLOCKED_PATHS = ("/api/v1/lien-thong/jwks.json", "/sim/", "/static/")
_serialised = threading.Event()  # set while exchange_site serialises the live server


def in_db(function: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """``test_backoffice_journey.in_db``, holding the database lock while the live server's
    requests are serialised (SQLite)."""
    if not _serialised.is_set():
        return journey.in_db(function, *args, **kwargs)
    with _DATABASE:
        return journey.in_db(function, *args, **kwargs)


def settle() -> None:
    """Run what was queued for after a commit (SQLite); a no-op on PostgreSQL."""
    in_db(lambda: None)


@pytest.fixture
def exchange_site(signing, settings, tmp_path, monkeypatch) -> Iterator[str]:
    """The live server as the exchange's portal: its own key for this test, its public URL the
    live server's (the audience of members' client assertions and the simulators' portal
    URL), the CA simulator on it; on SQLite, its requests serialised with ``in_db``."""
    from django.contrib.staticfiles.handlers import StaticFilesHandler

    settings.EXCHANGE_KEY_FILE = tmp_path / "portal.jwk"
    settings.PUBLIC_BASE_URL = signing
    if journey._shared_connection() is not None:
        handle = StaticFilesHandler.__call__

        def serialised(self, environ, start_response):  # noqa: ANN001, ANN202
            if environ.get("PATH_INFO", "").startswith(_UNLOCKED_PATHS):
                return handle(self, environ, start_response)
            with _DATABASE:
                # The body is produced and the response closed (request_finished) inside the
                # lock: a streamed response may read the database too.
                response = handle(self, environ, start_response)
                try:
                    return list(response)
                finally:
                    if hasattr(response, "close"):
                        response.close()

        monkeypatch.setattr(StaticFilesHandler, "__call__", serialised)
        _serialised.set()
    try:
        yield signing
    finally:
        _serialised.clear()


def wait_until(predicate: Callable[[], T], timeout: float = 30.0, what: str = "condition") -> T:
    """Poll ``predicate`` until it returns something true (returned), settling the on-commit
    hooks (SQLite) before each poll; AssertionError naming ``what`` after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        settle()
        if found := predicate():
            return found
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(0.2)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _environment() -> dict[str, str]:
    env = {**os.environ, "PYTHONPATH": str(SRC)}
    env.pop("DJANGO_SETTINGS_MODULE", None)  # it must not need Django
    return env


class OneStopProcess:
    """One running simulator: ``code`` its member code, ``agency`` the agency it answers for."""

    def __init__(self, site: str, root: Path, *, code: str, name: str, member_name: str, agency: str,
                 catalog: Path | None = None, step_seconds: float = 0) -> None:
        self.site, self.code, self.name, self.member_name, self.agency = site, code, name, member_name, agency
        self.data_dir = root / code
        self.catalog, self.step_seconds = catalog, step_seconds
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen | None = None
        self.public_key = self._init()

    def _init(self) -> Path:
        made = subprocess.run(
            [sys.executable, "-m", "simulators.onestop", "init", "--data-dir", str(self.data_dir),
             "--code", self.code], env=_environment(), capture_output=True, text=True, timeout=60, check=True)
        return Path(made.stdout.strip().splitlines()[-1])

    # --- the portal's side ------------------------------------------------------------------
    def register(self) -> None:
        """The member, its system (endpoint, token endpoint) and its public key, as an
        administrator registers them with ``manage.py exchange_member``.

        Each simulator starts with an empty database, so its result references restart at
        ``001/<year>/KQ-<code>``: the results an earlier test's simulator of the same code
        left in the portal (committed, on PostgreSQL) would make the portal refuse the new
        ones as ``reference_conflict``, and they are forgotten first."""
        from django.core.management import call_command

        from dichvucong.datastore.models import StoredDocument

        in_db(lambda: StoredDocument.objects.filter(is_issued_result=True,
                                                    result_reference__endswith=f"/KQ-{self.code}").delete())
        in_db(call_command, "exchange_member", "--code", self.code, "--name", self.member_name,
              "--kind", "province", "--agency", self.agency, "--endpoint", f"{self.url}/lien-thong/thong-diep",
              "--token-endpoint", f"{self.url}/lien-thong/token", "--key-file", str(self.public_key))

    def wait_for_catalog(self, procedure: str, timeout: float = 30.0) -> None:
        """Until the portal has applied the simulator's catalog (it lists ``procedure``): only
        then do dossiers of that procedure go to the member."""
        from dichvucong.exchange.models import MemberProcedure

        def listed() -> bool:
            return MemberProcedure.objects.filter(member__code=self.code, procedure__code=procedure).exists()

        wait_until(lambda: in_db(listed), timeout, f"{self.code}'s catalog listing {procedure}")

    @contextlib.contextmanager
    def running(self, procedure: str) -> Iterator[OneStopProcess]:
        """Registered, started, its catalog (listing ``procedure``) applied; stopped after."""
        self.register()  # before it starts: its first messages (the catalog) are then accepted
        self.start()
        try:
            self.wait_for_catalog(procedure)
            yield self
        finally:
            self.stop()

    # --- the process ------------------------------------------------------------------------
    def start(self) -> OneStopProcess:
        command = [sys.executable, "-m", "simulators.onestop", "serve", "--code", self.code, "--name", self.name,
                   "--agency-code", self.agency, "--port", str(self.port), "--data-dir", str(self.data_dir),
                   "--portal-url", self.site, "--ca-url", f"{self.site}/sim/ca/",
                   "--step-seconds", str(self.step_seconds), "--heartbeat-seconds", "600"]
        if self.catalog:
            command += ["--catalog", str(self.catalog)]
        log = open(self.data_dir.parent / f"{self.code}.log", "ab")  # noqa: SIM115 - the child holds it
        self.process = subprocess.Popen(command, env=_environment(), stdout=log, stderr=log)
        log.close()

        def healthy() -> bool:
            assert self.process.poll() is None, f"the simulator exited: {self.log()[-2000:]}"
            try:
                return httpx.get(self.url + "/health", timeout=1).status_code == 200
            except httpx.HTTPError:
                return False

        wait_until(healthy, 20, f"{self.code}'s /health")
        return self

    def log(self) -> str:
        path = self.data_dir.parent / f"{self.code}.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def stop(self) -> None:
        """Interrupt it (it stops its sender and closes its server), killing it if it lingers."""
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGINT)
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.kill()

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(10)

    # --- the control API --------------------------------------------------------------------
    def control(self, path: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
        """POST ``/control/<path>``; its JSON answer (which must be a success)."""
        reply = httpx.post(f"{self.url}/control/{path}", json=body or {}, timeout=60)
        assert reply.is_success, f"{self.code} {path}: {reply.status_code} {reply.text}"
        return reply.json()

    def state(self) -> dict[str, Any]:
        return httpx.get(f"{self.url}/control/state", timeout=10).json()

    def dossier(self, code: str) -> dict[str, Any] | None:
        """The simulator's own record of the dossier ``code``, if it has one."""
        return next((d for d in self.state()["dossiers"] if d["code"] == code), None)

    def advance(self, code: str) -> str:
        """Take the dossier's next step (received → processing → result issued); its new status."""
        return self.control(f"dossiers/{quote(code, safe='')}/advance")["status"]

    def faults(self, **switches: Any) -> dict[str, Any]:
        return self.control("faults", switches)["faults"]

    def reset(self) -> dict[str, Any]:
        """Healthy again: what was backing off is sent at once."""
        return self.control("faults/reset")["faults"]


LEGAL_ADVISER = "1.000426"  # Cấp thẻ tư vấn viên pháp luật: province level, free, level 2


@pytest.fixture
def dak_lak(exchange_site, tmp_path) -> Iterator[OneStopProcess]:  # noqa: F811 - the fixture
    """Đắk Lắk's one-stop system, registered, its catalog applied; advanced by the test only."""
    with OneStopProcess(exchange_site, tmp_path / "onestop", code="H66", agency="000.00.00.H66",
                        name="Hệ thống một cửa điện tử tỉnh Đắk Lắk", member_name="Tỉnh Đắk Lắk",
                        ).running(LEGAL_ADVISER) as system:
        yield system
