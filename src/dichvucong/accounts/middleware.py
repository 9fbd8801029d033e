from __future__ import annotations

from django.contrib.auth.models import AnonymousUser
from django.utils import timezone

from dichvucong.accounts.models import UserSession
from dichvucong.accounts.sessions import current_auth

_TOUCH_EVERY_SECONDS = 300


class SessionAssuranceMiddleware:
    """Puts the session's level on the request and drops sessions ended elsewhere.

    A session ended from another device ("sign out everywhere", a back-channel logout)
    has its ``UserSession`` row removed; a request still carrying its key is signed out.
    """

    def __init__(self, get_response):  # noqa: ANN001
        self.get_response = get_response

    def __call__(self, request):  # noqa: ANN001
        request.assurance_level = 0
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            auth = current_auth(request)
            sid = auth.get("sid")
            now = int(timezone.now().timestamp())
            # No record (a session opened outside sign_in, e.g. force_login in a test):
            # authenticated, but at level 0, so any level check sends it to step up.
            if sid:
                # Checked at most every few minutes: the row is removed when the session ends.
                if now - auth.get("checked", 0) > _TOUCH_EVERY_SECONDS:
                    if not UserSession.objects.filter(sid=sid).exists():
                        request.session.flush()
                        request.user = AnonymousUser()
                        return self.get_response(request)
                    UserSession.objects.filter(sid=sid).update(last_seen_at=timezone.now())
                    auth["checked"] = now
                    request.session.modified = True
                request.assurance_level = int(auth.get("level", 0))
        return self.get_response(request)
