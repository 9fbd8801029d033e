"""The browser session's authentication, handed from the authorize view to the validator.

oauthlib calls the validator without the Django request; a context variable set
around the call carries the session's level, sid and time of authentication.
"""

from __future__ import annotations

import contextlib
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import UTC, datetime

from django.utils import timezone

from dichvucong.accounts.sessions import current_auth


@dataclass(frozen=True)
class SessionAuthentication:
    level: int
    sid: str
    auth_time: datetime


_current: ContextVar[SessionAuthentication | None] = ContextVar("sso_session_authentication", default=None)


def get() -> SessionAuthentication | None:
    return _current.get()


@contextlib.contextmanager
def from_request(request):  # noqa: ANN001
    auth = current_auth(request)
    at = auth.get("at")
    value = SessionAuthentication(
        level=int(auth.get("level", 0)),
        sid=auth.get("sid", ""),
        auth_time=datetime.fromtimestamp(at, tz=UTC) if at else timezone.now(),
    )
    token = _current.set(value)
    try:
        yield value
    finally:
        _current.reset(token)
