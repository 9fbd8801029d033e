"""Server-side sessions of the demo ministry portal, kept in the Django cache.

The browser holds only a random id (cookie ``ministry_sim_session``); everything else,
including the ID token kept for RP-initiated logout, stays on the server. Back-channel
logout arrives without any cookie, so the store also keeps two indexes, ``sid`` → session
ids and ``sub`` → session ids, to find the sessions a logout token names.
"""

from __future__ import annotations

import secrets
import time
from typing import Any

from django.core.cache import cache

COOKIE_NAME = "ministry_sim_session"
COOKIE_PATH = "/sim/ministry/"
# A working day: the provider's refresh tokens live as long, and a demo needs no more.
SESSION_SECONDS = 8 * 3600
# An authorization request the person never finished is forgotten after ten minutes.
PENDING_SECONDS = 600
# More than any state a browser may hold at once (several tabs signing in); bounds the record.
MAX_PENDING = 5

_PREFIX = "sim-ministry"


def _session_key(session_id: str) -> str:
    return f"{_PREFIX}:session:{session_id}"


def _index_key(kind: str, value: str) -> str:
    return f"{_PREFIX}:{kind}:{value}"


def new_session_id() -> str:
    # 256 bits from the OS generator: the id is the only credential the browser holds.
    return secrets.token_urlsafe(32)


def load(session_id: str | None) -> dict[str, Any] | None:
    """The session record behind a cookie value, or None for an unknown or missing id."""
    if not session_id:
        return None
    record = cache.get(_session_key(session_id))
    return record if isinstance(record, dict) else None


def save(session_id: str, record: dict[str, Any]) -> None:
    cache.set(_session_key(session_id), record, SESSION_SECONDS)


def add_pending_authorization(session_id: str, state: str, request: dict[str, Any]) -> None:
    """Remember an authorization request (nonce, PKCE verifier, …) until its callback.

    It is stored in the browser's own record, not under the state alone, so a callback is
    accepted only from the browser that started the request (login CSRF protection).
    """
    record = load(session_id) or {}
    now = time.time()
    pending = {
        key: value
        for key, value in record.get("pending", {}).items()
        if now - value.get("created", 0) < PENDING_SECONDS
    }
    pending[state] = {**request, "created": now}
    # Oldest first in insertion order: keep the newest few.
    record["pending"] = dict(list(pending.items())[-MAX_PENDING:])
    save(session_id, record)


def pop_pending_authorization(session_id: str | None, state: str) -> dict[str, Any] | None:
    """Take (once) the request a callback answers; None when unknown, expired or foreign."""
    record = load(session_id)
    if record is None or not session_id or not state:
        return None
    request = record.get("pending", {}).pop(state, None)
    save(session_id, record)
    if request is None or time.time() - request.get("created", 0) >= PENDING_SECONDS:
        return None
    return request


def start_signed_in_session(old_session_id: str | None, user: dict[str, Any]) -> str:
    """Create the signed-in session under a fresh id and return it.

    The id changes at sign-in so that an id planted in the browser before (session
    fixation) never becomes a signed-in session.
    """
    if old_session_id:
        cache.delete(_session_key(old_session_id))
    session_id = new_session_id()
    save(session_id, {"user": user})
    for kind in ("sid", "sub"):
        if user.get(kind):
            _index_add(kind, user[kind], session_id)
    return session_id


def end_session(session_id: str | None) -> dict[str, Any] | None:
    """Delete one session (local sign-out); returns what it held, for the logout redirect."""
    record = load(session_id)
    if record is None or not session_id:
        return None
    cache.delete(_session_key(session_id))
    user = record.get("user") or {}
    for kind in ("sid", "sub"):
        if user.get(kind):
            _index_remove(kind, user[kind], session_id)
    return record


def end_sessions_of(*, sid: str | None, sub: str | None) -> int:
    """Delete the sessions a back-channel logout names; returns how many were still alive.

    Back-Channel Logout §2.7: with a ``sid``, only the sessions of that provider session end;
    with ``sub`` alone, every session of that person. When both are given, a session must
    match both, so a token about one person can never end another's session.
    """
    if sid:
        candidates = cache.get(_index_key("sid", sid)) or []
    elif sub:
        candidates = cache.get(_index_key("sub", sub)) or []
    else:
        return 0
    ended = 0
    for session_id in candidates:
        user = (load(session_id) or {}).get("user") or {}
        if sub and user.get("sub") != sub:
            continue
        if end_session(session_id) is not None:
            ended += 1
    return ended


def _index_add(kind: str, value: str, session_id: str) -> None:
    # Read-modify-write without a lock: the Django cache API has no atomic list append.
    # Two sign-ins of the same provider session in the same instant are not a demo case; in
    # the worst case one stale entry survives until its own session expires.
    key = _index_key(kind, value)
    session_ids = [sid for sid in cache.get(key) or [] if load(sid) is not None]
    session_ids.append(session_id)
    cache.set(key, session_ids, SESSION_SECONDS)


def _index_remove(kind: str, value: str, session_id: str) -> None:
    key = _index_key(kind, value)
    session_ids = [sid for sid in cache.get(key) or [] if sid != session_id]
    if session_ids:
        cache.set(key, session_ids, SESSION_SECONDS)
    else:
        cache.delete(key)
