"""Point the adapters at the simulators served by a real loopback HTTP server."""

from __future__ import annotations

import httpx
import pytest

from simulators.registries.population_data import Person, demo_people


@pytest.fixture
def registries(settings, sim_server):
    """The adapters talk to the simulators; returns a function that sets a fault."""
    settings.REGISTRIES_BASE_URL = sim_server + "/sim/registries/"
    settings.REGISTRIES_API_TOKEN = "sim-registries-token"

    def set_fault(registry: str, mode: str, count: int | None = None) -> dict:
        body = {"registry": registry, "mode": mode}
        if count is not None:
            body["count"] = count
        response = httpx.post(sim_server + "/sim/registries/faults", json=body, timeout=5)
        assert response.status_code == 200, response.text
        return response.json()

    return set_fault


@pytest.fixture
def citizen() -> Person:
    """A living adult known to every registry."""
    return demo_people(1)[0]
