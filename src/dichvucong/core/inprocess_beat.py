"""Beat jobs in the web process, for the embedded mode only (``make run``: no broker, no
beat process). ``INPROCESS_BEAT`` names the tasks to run, as patterns (``exchange.*``);
each runs on its ``CELERY_BEAT_SCHEDULE`` interval in one daemon thread. Deployments run
``celery beat`` instead, and this never starts in production.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from fnmatch import fnmatch

from django.conf import settings
from django.db import close_old_connections

logger = logging.getLogger(__name__)
_started = threading.Event()


def wanted() -> list[str]:
    """The patterns, when this process is the one to run them (runserver's serving child)."""
    patterns = [p for p in os.environ.get("INPROCESS_BEAT", "").split(",") if p.strip()]
    serving = os.environ.get("RUN_MAIN") == "true"
    return [p.strip() for p in patterns] if patterns and serving and not settings.PRODUCTION else []


def start(patterns: list[str]) -> None:
    if _started.is_set():
        return
    _started.set()
    jobs = {entry["task"]: float(entry["schedule"]) for entry in settings.CELERY_BEAT_SCHEDULE.values()
            if isinstance(entry["schedule"], (int, float)) and any(fnmatch(entry["task"], p) for p in patterns)}
    threading.Thread(target=_loop, args=(jobs,), daemon=True, name="inprocess-beat").start()
    logger.info("in-process beat: %s", ", ".join(sorted(jobs)))


def _loop(jobs: dict[str, float]) -> None:
    from dichvucong.celery import app

    app.loader.import_default_modules()
    due = {name: time.monotonic() + 10 for name in jobs}  # after the server is up
    while True:
        time.sleep(1)
        for name, interval in jobs.items():
            if time.monotonic() < due[name]:
                continue
            due[name] = time.monotonic() + interval
            try:
                app.tasks[name]()
            except Exception:
                logger.exception("in-process beat job failed", extra={"task": name})
            finally:
                close_old_connections()
