from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.shortcuts import redirect
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


class AdminAssuranceMiddleware:
    """The admin site (catalog, accounts, OpenID clients) asks for ADMIN_MIN_LEVEL.

    A stolen administrator password alone must not be enough to register an OpenID
    client or change someone's account; the administrator steps up like anyone else.
    """

    def __init__(self, get_response):  # noqa: ANN001
        self.get_response = get_response

    def __call__(self, request):  # noqa: ANN001
        if (
            request.path.startswith("/quan-tri/")
            and request.user.is_authenticated
            and request.user.is_staff
            and request.assurance_level < settings.ADMIN_MIN_LEVEL
        ):
            from dichvucong.accounts.decorators import step_up_url

            return redirect(step_up_url(settings.ADMIN_MIN_LEVEL, request.get_full_path()))
        return self.get_response(request)
