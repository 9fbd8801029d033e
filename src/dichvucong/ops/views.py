"""Liveness and readiness probes (L1)."""

import time

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache


@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    """The process is up and serving; nothing else is checked."""
    return JsonResponse({"status": "ok"})


def _check_database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")


def _check_cache() -> None:
    key = "readyz:probe"
    cache.set(key, "1", 10)
    if cache.get(key) != "1":
        raise RuntimeError("cache did not return what was written")


def _check_broker() -> None:
    from dichvucong.celery import app

    if settings.CELERY_TASK_ALWAYS_EAGER:
        return  # tasks run in-process: there is no broker to reach
    with app.connection_for_write() as conn:
        conn.ensure_connection(max_retries=1, timeout=2)


@never_cache
def readyz(request: HttpRequest) -> JsonResponse:
    """Ready to take traffic: database, cache and broker all answer."""
    checks = {}
    healthy = True
    for name, check in (("database", _check_database), ("cache", _check_cache), ("broker", _check_broker)):
        started = time.perf_counter()
        try:
            check()
            checks[name] = {"status": "ok", "ms": round((time.perf_counter() - started) * 1000, 1)}
        except Exception as exc:  # noqa: BLE001 - a probe reports every failure
            healthy = False
            checks[name] = {"status": "error", "error": type(exc).__name__}
    return JsonResponse({"status": "ok" if healthy else "error", "checks": checks}, status=200 if healthy else 503)
