"""Reachability of the registries, for the operators' status page and alerting."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from prometheus_client import Gauge

from .base import Registry, RegistryError, call_registry

REGISTRY_UP = Gauge("dvc_registry_up", "1 when the registry answered its last health check", ["registry"])


@dataclass(frozen=True)
class RegistryHealth:
    name: str
    ok: bool
    latency_ms: float
    detail: str  # "ok", or why not; never personal data


def check_registry(registry: Registry) -> RegistryHealth:
    """Ping one registry's health endpoint with the portal's credentials and timeout."""
    started = time.monotonic()
    try:
        body = call_registry(registry, "GET", f"{registry.value}/v1/health")
        ok = isinstance(body, dict) and body.get("status") == "ok"
        detail = "ok" if ok else "unexpected answer"
    except RegistryError as exc:
        ok, detail = False, f"{type(exc).__name__}: {exc}"
    REGISTRY_UP.labels(registry=registry.value).set(1 if ok else 0)
    return RegistryHealth(
        name=registry.value,
        ok=ok,
        latency_ms=round((time.monotonic() - started) * 1000, 1),
        detail=detail,
    )


def check_registries() -> list[RegistryHealth]:
    """The health of every registry, in a fixed order.

    Pinged in parallel so that the page waits at most one timeout, not one per registry.
    """
    registries = list(Registry)
    with ThreadPoolExecutor(
        max_workers=len(registries), thread_name_prefix="registry-health"
    ) as pool:
        return list(pool.map(check_registry, registries))
