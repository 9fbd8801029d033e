from __future__ import annotations

from urllib.parse import urlsplit

from django.core.cache import cache

from dichvucong.sso.models import Client

ORIGINS_CACHE_KEY = "sso:redirect-origins"


def redirect_origins() -> frozenset[str]:
    """Origins of the active clients' redirect and post-logout URIs (cached; reset on save)."""
    origins = cache.get(ORIGINS_CACHE_KEY)
    if origins is None:
        found = set()
        for redirect_uris, logout_uris in Client.objects.filter(active=True).values_list(
            "redirect_uris", "post_logout_redirect_uris"
        ):
            for uri in f"{redirect_uris} {logout_uris}".split():
                parts = urlsplit(uri)
                if parts.scheme in ("https", "http") and parts.netloc:
                    found.add(f"{parts.scheme}://{parts.netloc}")
        origins = frozenset(found)
        cache.set(ORIGINS_CACHE_KEY, origins, 300)
    return origins
