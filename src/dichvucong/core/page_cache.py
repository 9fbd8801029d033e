"""Whole-page caching of public, anonymous pages.

A public page depends only on its URL (the language is in the path), on whether htmx
asked for a fragment, and on the data's revision; it carries no CSRF token and no
per-user content. So an anonymous GET is served from the cache with one lookup, and
a change of revision (every catalog write) makes every cached page stale at once.
A visitor with a session cookie (signed in, or mid-way through a form) always gets a
freshly rendered page.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.utils.translation import get_language

View = Callable[..., HttpResponse]


def cached_public_page(*, timeout: int, revision: Callable[[], str]) -> Callable[[View], View]:
    def decorator(view: View) -> View:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if request.method not in ("GET", "HEAD") or settings.SESSION_COOKIE_NAME in request.COOKIES:
                return view(request, *args, **kwargs)
            fragment = "1" if request.headers.get("HX-Request") else "0"
            raw = f"{revision()}|{get_language()}|{fragment}|{request.get_full_path()}"
            key = "page:" + hashlib.sha256(raw.encode()).hexdigest()
            hit = cache.get(key)
            if hit is not None:
                content, content_type = hit
                response = HttpResponse(content, content_type=content_type)
            else:
                response = view(request, *args, **kwargs)
                if response.status_code != 200 or response.cookies or getattr(response, "streaming", False):
                    return response
                cache.set(key, (response.content, response["Content-Type"]), timeout)
            response["Vary"] = "HX-Request"
            response["Cache-Control"] = "public, max-age=60"
            return response

        return wrapper

    return decorator
