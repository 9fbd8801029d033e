"""A province's one-stop system ("hệ thống một cửa điện tử") as a separate process: a member
of the portal's exchange, for development (``make run``), demonstrations and tests.

The contract it honours is the portal's (docs/exchange.md), from the member's side:

- it has its own EC P-256 key (``<data-dir>/key.jwk.json``) and its own SQLite database
  (``<data-dir>/onestop.sqlite3``): dossiers, the inbox of messages received and the outbox of
  messages to send survive a restart, so nothing is lost when it is killed;
- it answers ``POST /lien-thong/token`` (client credentials with ``private_key_jwt``, the
  portal's key taken from the portal's JWKS) and ``POST /lien-thong/thong-diep`` (signed
  envelopes, checked in the order of the portal's own table), and publishes
  ``GET /lien-thong/jwks.json``;
- it processes handed-over dossiers in steps (on a timer or by command), sends status updates,
  supplement requests and a PAdES-signed PDF result back, publishes its catalog, reports
  statistics and sends heartbeats, through an outbox a sender thread posts with backoff (a
  suspended member or revoked key waits too; dead messages go again on
  ``POST /control/outbox/replay``);
- it fails on demand (``POST /control/faults``) so the portal's resilience can be shown.

It never imports Django: only :mod:`dichvucong.exchange.protocol`, loaded from its file so
that importing the ``dichvucong`` package (which sets up Celery and Django) is avoided.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
from pathlib import Path
from types import ModuleType

_PROTOCOL = "dichvucong.exchange.protocol"


def _load_protocol() -> ModuleType:
    """The protocol module, without running ``dichvucong/__init__.py`` (it pulls in Celery and
    Django's settings machinery, which this process must not need)."""
    if _PROTOCOL in sys.modules:  # already imported (e.g. inside the portal's test run)
        return sys.modules[_PROTOCOL]
    path = Path(__file__).resolve().parents[2] / "dichvucong" / "exchange" / "protocol.py"
    if not path.is_file():  # an installed layout we do not know: import it the usual way
        return importlib.import_module(_PROTOCOL)
    spec = importlib.util.spec_from_file_location("_onestop_protocol", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


protocol = _load_protocol()
