"""gunicorn settings of a web node (deploy/README.md describes the topology).

    gunicorn dichvucong.wsgi:application --config deploy/gunicorn.conf.py

Everything a node may need to change comes from the environment:
WEB_CONCURRENCY (worker processes), GUNICORN_WORKER_CLASS and GUNICORN_THREADS,
GUNICORN_BIND, FORWARDED_ALLOW_IPS (the nginx nodes), GUNICORN_TIMEOUT,
GUNICORN_MAX_REQUESTS, GUNICORN_LOG_LEVEL.
"""

from __future__ import annotations

import os
from typing import Any

# --- Sockets -------------------------------------------------------------------
bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
backlog = 2048

# --- Workers ---------------------------------------------------------------------
# The pages are CPU-bound Python (template rendering, the in-process search index)
# with short database and Redis round trips: sync workers, one per core plus one or
# two to cover those waits. Measured with benchmarks/http_load.py on 2 cores at 50
# clients: 4 sync workers gave the tightest latency (p95 40-65 ms); 2 gthread workers
# x 4 threads about 20% more requests/s at a similar p95 (keep-alive, fewer copies of
# the search index); 4 gthread workers x 4 threads the worst tail (p95 up to 175 ms).
# Either passes M3; switch with GUNICORN_WORKER_CLASS=gthread, WEB_CONCURRENCY=<cores>.
workers = int(os.environ.get("WEB_CONCURRENCY", str((os.cpu_count() or 1) + 2)))
worker_class = os.environ.get("GUNICORN_WORKER_CLASS", "sync")
threads = int(os.environ.get("GUNICORN_THREADS", "1"))
# Recycle a worker now and then (memory held by fragmentation); the jitter keeps the
# workers of a node from restarting together. Not too often: a new worker rebuilds the
# search index (about 0.7 s of CPU for the 4,000 procedures).
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "100000"))
max_requests_jitter = max_requests // 10

# --- Timeouts --------------------------------------------------------------------
# nginx gives up after 30 s (proxy_read_timeout); a worker silent for longer is killed.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = 30  # systemd's TimeoutStopSec is longer
keepalive = 5  # nginx keeps upstream connections open (gthread only; sync closes them)

# --- Limits on the request line and headers (nginx applies them first) -----------
limit_request_line = 8190
limit_request_fields = 100
limit_request_field_size = 8190

# --- Proxy -----------------------------------------------------------------------
# X-Forwarded-Proto/For are trusted only from the nginx nodes, so that
# SECURE_PROXY_SSL_HEADER and the client address cannot be forged by a client.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
proxy_allow_ips = forwarded_allow_ips

# --- Logging ---------------------------------------------------------------------
# No access log: URLs carry search text (/tim-kiem/?q=...), which may be personal
# data. nginx keeps the access log, with the path only ($uri, no query string).
accesslog = None
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "warning")
capture_output = False
proc_name = "dichvucong-web"

# The application is imported by each worker, not preloaded in the arbiter, so that
# HUP (systemctl reload) brings in new code with a graceful worker replacement.
preload_app = False


def post_worker_init(worker: Any) -> None:
    """Build the search index before the worker takes traffic, not on its first search."""
    try:
        from dichvucong.catalog.search import get_index

        get_index()
    except Exception:  # noqa: BLE001 - a cold index is simply built on first use instead
        worker.log.exception("search index warm-up failed")
    finally:
        # The warm-up ran on this worker's own connection; hand it back cleanly.
        from django.db import connections

        connections.close_all()
