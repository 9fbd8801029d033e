from __future__ import annotations

from functools import wraps
from urllib.parse import urlencode

from django.shortcuts import redirect
from django.urls import reverse


def step_up_url(level: int, next_url: str) -> str:
    return f"{reverse('accounts:step-up')}?{urlencode({'level': level, 'next': next_url})}"


def require_level(level_of):  # noqa: ANN001 - int or callable(request, **kwargs) -> int
    """Views behind a level of assurance (B4): sign in first, then step up, then come back."""

    def decorator(view):  # noqa: ANN001
        @wraps(view)
        def wrapper(request, *args, **kwargs):  # noqa: ANN001
            level = level_of(request, **kwargs) if callable(level_of) else level_of
            here = request.get_full_path()
            if not request.user.is_authenticated:
                return redirect(f"{reverse('accounts:sign-in')}?{urlencode({'next': here})}")
            if request.assurance_level < level:
                return redirect(step_up_url(level, here))
            return view(request, *args, **kwargs)

        return wrapper

    return decorator
