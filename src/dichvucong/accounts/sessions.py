"""Signed-in sessions: how they start, rise in level, are listed and end (B4, B5, M2).

A session records the methods used in it and the level they reach. Signing in and
raising the level both give the browser a new session key, so a key seen before the
change is worth nothing after it. Ending a session (sign-out, "sign out everywhere",
deactivation, password reset, logout requested by another portal) emits
``accounts.session_ended``; the OpenID provider tells every portal that signed in
through that session (back-channel logout).
"""

from __future__ import annotations

import secrets
from importlib import import_module

from django.conf import settings
from django.contrib.auth import login
from django.db import transaction
from django.utils import timezone

from dichvucong.accounts import audit
from dichvucong.accounts.assurance import session_level
from dichvucong.accounts.models import User, UserSession
from dichvucong.core import events

SESSION_AUTH_KEY = "dvc_auth"
SESSION_ENDED = "accounts.session_ended"


def current_auth(request) -> dict:  # noqa: ANN001
    return request.session.get(SESSION_AUTH_KEY) or {}


def current_level(request) -> int:  # noqa: ANN001
    if not request.user.is_authenticated:
        return 0
    return int(current_auth(request).get("level", 0))


def current_sid(request) -> str:  # noqa: ANN001
    return current_auth(request).get("sid", "")


@transaction.atomic
def sign_in(request, user: User, *, methods: list[str]) -> int:  # noqa: ANN001
    """Start a session for ``user`` proven by ``methods``, or raise the current one's level.

    Returns the session's level. The same user adding a method keeps the session's
    ``sid`` (relying parties stay signed in) but gets a new session key.
    """
    auth = current_auth(request)
    same_user = request.user.is_authenticated and request.user.pk == user.pk
    if same_user:
        used = sorted(set(auth.get("methods", [])) | set(methods))
        sid = auth.get("sid") or secrets.token_urlsafe(24)
        old_key = request.session.session_key
        request.session.cycle_key()
        UserSession.objects.filter(session_key=old_key).delete()
    else:
        if request.user.is_authenticated:
            # Another person signs in on this browser: the previous session ends, and the
            # portals that signed in through it are told (Django's login() would only flush it).
            forget_current_session(request, reason="switched_user")
        used = sorted(set(methods))
        sid = secrets.token_urlsafe(24)
        login(request, user, backend="dichvucong.accounts.backends.IdentifierBackend")
    level = session_level(user, used)
    request.session[SESSION_AUTH_KEY] = {
        "methods": used,
        "level": level,
        "sid": sid,
        "at": int(timezone.now().timestamp()),
    }
    if request.session.session_key is None:  # login() and cycle_key() have stored it already
        request.session.save()
    UserSession.objects.update_or_create(
        sid=sid,
        defaults={
            "user": user,
            "session_key": request.session.session_key,
            "level": level,
            "methods": used,
            "user_agent": request.headers.get("User-Agent", "")[:200],
        },
    )
    audit.record(
        "step_up" if same_user else "sign_in", request=request, user=user, method="+".join(methods), level=level
    )
    return level


def _session_store():
    return import_module(settings.SESSION_ENGINE).SessionStore


def end_session(user_session: UserSession, *, reason: str) -> None:
    """Delete the browser session behind ``user_session`` and tell the portals that used it."""
    _session_store()(session_key=user_session.session_key).delete()
    sid, user_id = user_session.sid, user_session.user_id
    user_session.delete()
    events.emit(SESSION_ENDED, sid=sid, user_id=user_id, reason=reason)


def end_all_sessions(user: User, *, reason: str) -> int:
    sessions = list(UserSession.objects.filter(user=user))
    for user_session in sessions:
        end_session(user_session, reason=reason)
    return len(sessions)


def forget_current_session(request, *, reason: str) -> None:  # noqa: ANN001
    """Called while Django logs the user out: the session store is flushed by Django itself."""
    sid = current_sid(request)
    if not sid:
        return
    deleted, _ = UserSession.objects.filter(sid=sid).delete()
    if deleted:
        events.emit(SESSION_ENDED, sid=sid, user_id=request.user.pk, reason=reason)
