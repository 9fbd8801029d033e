"""Test set-up: the real catalog is loaded once per session into the test database.

Tests then run inside transactions on top of it, so each sees the whole catalog
(4,000+ procedures, 34 provinces, 3,321 communes) and leaves it as it found it.
"""

from __future__ import annotations

import pytest
from django.conf import settings
from django.core.cache import cache
from django.core.management import call_command


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):  # noqa: PT004 - extends pytest-django's fixture
    with django_db_blocker.unblock():
        call_command("import_catalog", str(settings.CATALOG_DATASET), "--no-progress", verbosity=0)
        call_command("load_reference_data", verbosity=0)


@pytest.fixture(autouse=True)
def _fresh_cache_and_index(settings):
    """Every test starts with an empty cache and an index that follows catalog changes at once."""
    settings.SEARCH_INDEX_CHECK_SECONDS = 0
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(scope="session")
def sim_server():
    """Base URL of a real HTTP server on loopback serving the whole Django app in threads.

    For the simulators of outside systems (registries, CA, SMS gateway, eID provider): they
    keep their state in the cache and their data in code, never in the database, so they can
    run in another thread than the test's transaction. Real sockets give adapters real
    timeouts and connection errors to handle.
    """
    import threading
    from socketserver import ThreadingMixIn
    from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

    from django.core.wsgi import get_wsgi_application

    class _Server(ThreadingMixIn, WSGIServer):
        daemon_threads = True

    class _QuietHandler(WSGIRequestHandler):
        def log_message(self, *args):  # request lines would clutter test output
            pass

    server = make_server(
        "127.0.0.1", 0, get_wsgi_application(), server_class=_Server, handler_class=_QuietHandler
    )
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="session", autouse=True)
def _tasks_run_in_process():
    """Celery tasks run in the test's process, even when REDIS_URL names a broker (CI):
    no worker would be there to take them, and their effects are what the tests check."""
    from dichvucong.celery import app

    app.conf.task_always_eager = True
    app.conf.task_eager_propagates = True


@pytest.fixture(scope="session", autouse=True)
def _payment_callbacks_in_outbox():
    """The payment platform simulator queues its callbacks instead of posting them: tests
    read them from ``/sim/payments/outbox`` and deliver them in the order they want."""
    from django.test import override_settings

    with override_settings(SIM_PAYMENTS_DELIVER_CALLBACKS=False):
        yield


@pytest.fixture
def in_thread_wsgi():
    """For tests that call the WSGI app directly (httpx's WSGITransport, schemathesis):
    a real server closes the database connection after each request, which would close
    the test's own connection and transaction; Django's test client disconnects these
    signals the same way."""
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


def sign_in_at_level(client, user, level: int = 1):
    """``client.force_login`` plus the session record that the portal's sign-in writes, so
    that level checks (step-up, the admin's ADMIN_MIN_LEVEL) see a session at ``level``."""
    import secrets

    from django.utils import timezone

    from dichvucong.accounts.models import UserSession
    from dichvucong.accounts.sessions import SESSION_AUTH_KEY

    client.force_login(user)
    session = client.session
    sid = secrets.token_urlsafe(16)
    session[SESSION_AUTH_KEY] = {"methods": ["password"], "level": level, "sid": sid,
                                 "at": int(timezone.now().timestamp())}
    session.save()
    UserSession.objects.create(user=user, session_key=session.session_key, sid=sid, level=level)
    return client


@pytest.fixture
def committed(django_db_blocker):
    """A decorator: the function runs outside the test's transaction, on its own connections,
    and commits (for races between real connections, PostgreSQL)."""
    from django.db import connections

    def wrap(function):  # noqa: ANN001, ANN202
        def run(*args):  # noqa: ANN002, ANN202
            with django_db_blocker.unblock():
                try:
                    return function(*args)
                finally:
                    connections.close_all()
        return run

    return wrap


class SimulatorClient:
    """A simulator with faults on demand and an outbox of callbacks, reached over HTTP like
    the real system would be (the payment platform, the postal carrier)."""

    def __init__(self, base: str) -> None:
        self.base = base

    def fault(self, mode: str) -> None:
        import httpx

        httpx.post(f"{self.base}faults", json={"mode": mode}, timeout=5).raise_for_status()

    def outbox(self) -> list[dict]:
        import httpx

        return httpx.get(f"{self.base}outbox", timeout=5).json()
