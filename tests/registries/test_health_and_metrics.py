"""Operators' view: health of each registry and the latency histogram."""

from __future__ import annotations

import pytest
from prometheus_client import REGISTRY

from dichvucong.registries import RegistryUnavailable, check_registries, lookup_personal_tax_code


def _count(registry: str, outcome: str) -> float:
    value = REGISTRY.get_sample_value(
        "dvc_registry_request_seconds_count", {"registry": registry, "outcome": outcome}
    )
    return value or 0.0


def test_all_registries_healthy(registries):
    health = check_registries()

    assert [h.name for h in health] == ["population", "tax", "social-insurance", "enterprise"]
    assert all(h.ok and h.detail == "ok" for h in health)
    assert all(h.latency_ms >= 0 for h in health)


def test_health_shows_the_failing_registry(registries):
    registries("tax", "error")

    health = {h.name: h for h in check_registries()}

    assert not health["tax"].ok
    assert "RegistryUnavailable" in health["tax"].detail
    assert health["population"].ok and health["enterprise"].ok


def test_calls_are_timed_by_registry_and_outcome(registries, citizen):
    ok_before, unavailable_before = _count("tax", "ok"), _count("tax", "unavailable")

    lookup_personal_tax_code(citizen.pin)
    registries("tax", "error")
    with pytest.raises(RegistryUnavailable):
        lookup_personal_tax_code(citizen.pin)

    assert _count("tax", "ok") == ok_before + 1
    assert _count("tax", "unavailable") == unavailable_before + 1


def test_the_periodic_check_sets_the_up_gauge(registries):
    from prometheus_client import REGISTRY

    from dichvucong.ops.tasks import check_registries

    results = check_registries.delay().get()
    assert {r["registry"] for r in results} == {"population", "tax", "social-insurance", "enterprise"}
    assert REGISTRY.get_sample_value("dvc_registry_up", {"registry": "population"}) == 1
    registries("population", "error")
    check_registries.delay().get()
    assert REGISTRY.get_sample_value("dvc_registry_up", {"registry": "population"}) == 0
