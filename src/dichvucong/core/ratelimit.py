"""Fixed-window request budgets in the shared cache, for endpoints that check or send secrets."""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.core.cache import cache


def client_address(request) -> str:  # noqa: ANN001 - HttpRequest
    """The client's address: the socket's, or what a trusted proxy says it was.

    nginx (deploy/nginx.conf) overwrites X-Forwarded-For with the address it saw; the
    header is believed only when the request comes from one of TRUSTED_PROXIES, so a
    client cannot choose its own address (and its own rate-limit budget).
    """
    remote = request.META.get("REMOTE_ADDR", "")
    if remote in settings.TRUSTED_PROXIES:
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")[-1].strip()
        return forwarded or remote
    return remote


def address_hash(request) -> str:  # noqa: ANN001
    """A short keyed hash of the address: enough to correlate events, not to identify anyone."""
    raw = f"{settings.SECRET_KEY}:{client_address(request)}".encode()
    return hashlib.sha256(raw).hexdigest()[:16]


def parse_rate(rate: str) -> tuple[int, int]:
    count, seconds = rate.split("/")
    return int(count), int(seconds)


def _cache_key(bucket: str, key: str) -> str:
    return f"rl:{bucket}:{hashlib.sha256(key.encode()).hexdigest()[:32]}"


def spent(bucket: str, key: str, rate: str) -> bool:
    """Is the budget of ``key`` in ``bucket`` already spent? Counts nothing: for budgets of
    failures, checked before trying and spent (``allow``) only when the try fails."""
    limit, _window = parse_rate(rate)
    return (cache.get(_cache_key(bucket, key)) or 0) >= limit


def allow(bucket: str, key: str, rate: str) -> bool:
    """Count one hit of ``key`` in ``bucket``; False once the budget of ``rate`` ("N/seconds") is spent."""
    limit, window = parse_rate(rate)
    cache_key = _cache_key(bucket, key)
    if cache.add(cache_key, 1, timeout=window):
        return True
    try:
        hits = cache.incr(cache_key)
    except ValueError:  # expired between add and incr
        cache.add(cache_key, 1, timeout=window)
        return True
    return hits <= limit


def allow_request(request, bucket: str) -> bool:  # noqa: ANN001
    return allow(bucket, client_address(request), settings.AUTH_RATE_LIMITS[bucket])
