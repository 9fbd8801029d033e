"""Faults on demand: the adapters fail closed and fast, and recover when the fault ends."""

from __future__ import annotations

import time

import pytest

from dichvucong.registries import (
    RegistryRejected,
    RegistryUnavailable,
    VerificationResult,
    get_enterprise,
    lookup_personal_tax_code,
    verify_citizen,
)


def _verify(citizen):
    return verify_citizen(
        pin=citizen.pin, full_name=citizen.full_name, date_of_birth=citizen.date_of_birth
    )


def test_timeout_raises_unavailable_within_the_configured_timeout(registries, settings, citizen):
    settings.REGISTRY_TIMEOUT_SECONDS = 0.5
    settings.REGISTRY_SIM_TIMEOUT_SLEEP = 1.5
    registries("population", "timeout")

    started = time.monotonic()
    with pytest.raises(RegistryUnavailable) as raised:
        _verify(citizen)

    assert time.monotonic() - started < 1.2
    assert raised.value.registry == "population"


def test_error_fault_raises_unavailable(registries, citizen):
    registries("population", "error")

    with pytest.raises(RegistryUnavailable, match="server error 503"):
        _verify(citizen)


def test_fault_for_one_registry_leaves_the_others_alone(registries, citizen):
    registries("tax", "error")

    assert _verify(citizen).result is VerificationResult.MATCH
    with pytest.raises(RegistryUnavailable):
        lookup_personal_tax_code(citizen.pin)


def test_fault_for_all_registries(registries, citizen):
    registries("all", "error")

    with pytest.raises(RegistryUnavailable):
        _verify(citizen)
    with pytest.raises(RegistryUnavailable) as raised:
        get_enterprise("0100000000")
    assert raised.value.registry == "enterprise"


def test_counted_fault_then_recovery(registries, citizen):
    faults = registries("population", "error", count=2)
    assert faults["faults"]["population"] == {"mode": "error", "remaining": 2}

    for _ in range(2):
        with pytest.raises(RegistryUnavailable):
            _verify(citizen)

    assert _verify(citizen).result is VerificationResult.MATCH


def test_clearing_a_fault(registries, citizen):
    registries("population", "error")
    faults = registries("population", "none")

    assert faults["faults"] == {}
    assert _verify(citizen).is_match


def test_wrong_token_is_rejected(registries, settings, citizen):
    settings.SIM_REGISTRIES_API_TOKEN = "the-registries-own-token"

    with pytest.raises(RegistryRejected) as raised:
        _verify(citizen)

    assert raised.value.status_code == 401
    assert raised.value.error_code == "unauthorized"


def test_unreachable_registry_is_unavailable(settings, citizen):
    settings.REGISTRIES_BASE_URL = "http://127.0.0.1:9/sim/registries/"

    with pytest.raises(RegistryUnavailable, match="connection failed"):
        _verify(citizen)


def test_fault_switchboard_refuses_unknown_modes(registries, sim_server):
    import httpx

    response = httpx.post(
        sim_server + "/sim/registries/faults", json={"registry": "population", "mode": "explode"}
    )

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_request"
