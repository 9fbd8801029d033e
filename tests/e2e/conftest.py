"""Browser-suite fixtures: one live server over the session's catalog, one Chromium.

pytest-django's ``live_server`` fixture pulls in ``transactional_db``, which flushes
every table after each test, so the catalog loaded once in ``django_db_setup``
(tests/conftest.py) would be gone after the first browser test and reloading it
costs ~15 s a time. Instead this module starts pytest-django's own ``LiveServer``
helper (a ``LiveServerThread`` with the static files handler) over the already
loaded test database, and leaves the data alone: the pages under test only read.

* SQLite (``make e2e`` locally): the test database is in memory, so the helper hands
  the main thread's connection to the server thread, as ``LiveServerTestCase`` does.
* PostgreSQL (``.ci/run``): the catalog was committed by ``django_db_setup``, so the
  server thread's own connections see it.

The tests carry ``django_db`` (plain, not transactional): that is how pytest-django
knows to create the test database at all (without any such test in the session it
creates none and Django would talk to the development database), and it only wraps
each test in a transaction that rolls back, which reads do not mind.

pytest-django blocks database access globally (it patches ``ensure_connection``),
which would also block the server thread; the block is lifted for as long as the
server runs, i.e. for the e2e tests only.

Playwright's sync API runs an asyncio loop in the main thread while it is open, and
Django's database code must not run under it (it refuses, and connections opened
there land in a task's context and are never closed, so PostgreSQL cannot drop the
test database). Chromium is therefore started per test, after pytest-django has
opened the test's transaction and stopped before it rolls it back: about half a
second a test.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

CHROMIUM = os.environ.get("E2E_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-quic",
    "--no-first-run",
    "--disable-component-update",
    "--disable-sync",
]
PROJECT_ROOT = Path(__file__).resolve().parents[2]
SCREENSHOT_DIR = PROJECT_ROOT / "test-output" / "screenshots"
AXE_JS = Path(__file__).resolve().parent / "vendor" / "axe-4.14.1.min.js"

PHONE = {"width": 375, "height": 812}
DESKTOP = {"width": 1280, "height": 800}

# Recorded in every page before its own scripts run; CDP-injected, so CSP does not apply.
CSP_RECORDER = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__cspViolations.push(`${e.violatedDirective} blocked ${e.blockedURI || "inline"}`
    + (e.sourceFile ? ` (${e.sourceFile}:${e.lineNumber})` : ""));
});
"""


@pytest.fixture(scope="module")
def site(django_db_setup, django_db_blocker) -> Iterator[str]:
    """Base URL of a live server over the loaded catalog (no flush, no reload)."""
    from pytest_django.live_server_helper import LiveServer

    with django_db_blocker.unblock():
        from django.db import connection

        # Never run against the development database: the test database must exist by now.
        name = str(connection.settings_dict["NAME"])
        test_db = (
            (connection.vendor == "sqlite" and connection.is_in_memory_db())
            or Path(name).name.startswith("test_")
            or name == connection.settings_dict.get("TEST", {}).get("NAME")
        )
        assert test_db, f"not a test database: {name}; the e2e tests must be marked django_db"
        server = LiveServer("localhost:0")
        server._live_server_modified_settings.enable()
        try:
            yield server.url
        finally:
            server._live_server_modified_settings.disable()
            server.stop()


@pytest.fixture
def browser(site):
    # Function scope, requested after the autouse database fixtures: see the module docstring.
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.skip(f"Chromium not found at {CHROMIUM}")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            yield browser
        finally:
            browser.close()


@dataclass
class Problems:
    """Console errors, uncaught exceptions, failed requests and CSP violations of one page."""

    messages: list[str] = field(default_factory=list)

    def check(self, page) -> None:
        found = list(self.messages)
        with contextlib.suppress(Exception):  # page closed or navigating: the console still counts
            found += [f"CSP: {v}" for v in page.evaluate("window.__cspViolations || []")]
        assert not found, "browser reported problems:\n  " + "\n  ".join(found)


@pytest.fixture
def open_page(browser, site):
    """``open_page(width=...)`` -> (page, problems): a fresh context per call."""
    contexts = []

    def _open(viewport: dict | None = None):
        context = browser.new_context(
            viewport=viewport or DESKTOP,
            base_url=site,
            locale="vi-VN",
            reduced_motion="reduce",
        )
        context.set_default_timeout(15_000)
        context.add_init_script(CSP_RECORDER)
        contexts.append(context)
        page = context.new_page()
        problems = Problems()

        def on_console(message) -> None:  # CSP violations are reported here as errors too
            if message.type == "error":
                problems.messages.append(
                    f"console.error: {message.text} @ {message.location.get('url', '')}"
                )

        page.on("console", on_console)
        page.on("pageerror", lambda e: problems.messages.append(f"uncaught: {e}"))
        page.on(
            "response",
            lambda r: (
                problems.messages.append(f"HTTP {r.status} {r.url}") if r.status >= 400 else None
            ),
        )
        page.on(
            "requestfailed",
            lambda r: (
                problems.messages.append(f"request failed: {r.url} ({r.failure})")
                if "ERR_ABORTED" not in (r.failure or "")  # cut short by a navigation
                else None
            ),
        )
        return page, problems

    yield _open
    for context in contexts:
        context.close()


@pytest.fixture(scope="session")
def axe_source() -> str:
    return AXE_JS.read_text(encoding="utf-8")
