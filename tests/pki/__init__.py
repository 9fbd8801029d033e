"""Tests of certificate sign-in (dichvucong.pki) and the simulated CA (simulators.ca).

Shared fixtures live here because this package has no conftest of its own; test modules
import the ``*_fixture`` functions, and pytest finds them by their ``name`` in the module.
"""

from __future__ import annotations

import httpx
import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa

PIN = "001203004567"


@pytest.fixture(name="sim_ca_dir", scope="session")
def sim_ca_dir_fixture(tmp_path_factory):
    """One CA hierarchy per test session, away from the developer's var/sim-ca."""
    return tmp_path_factory.mktemp("sim-ca")


@pytest.fixture(name="pki")
def pki_fixture(settings, sim_server, sim_ca_dir):
    """Settings that point the portal and the CA at the loopback server; returns the CA's base URL.

    Certificates embed their OCSP and CRL URLs when issued, so tests issue them after this runs.
    """
    base = sim_server + "/sim/ca/"
    settings.SIMULATORS_ENABLED = True
    settings.SIM_CA_DIR = sim_ca_dir
    settings.SIM_CA_BASE_URL = base
    settings.REMOTE_SIGNING_BASE_URL = base
    settings.PKI_TRUST_ANCHOR_FILES = []
    settings.PKI_OCSP_TIMEOUT_SECONDS = 2
    return base


def set_fault(base: str, mode: str) -> None:
    reply = httpx.post(base + "faults", json={"mode": mode}, timeout=5)
    assert reply.status_code == 200, reply.text


def sign(private_key_pem: str, data: bytes, *, pss: bool = False) -> bytes:
    """What the user's token does with the challenge."""
    key = serialization.load_pem_private_key(private_key_pem.encode(), None)
    if isinstance(key, ec.EllipticCurvePrivateKey):
        return key.sign(data, ec.ECDSA(hashes.SHA256()))
    assert isinstance(key, rsa.RSAPrivateKey)
    scheme = (
        padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=padding.PSS.DIGEST_LENGTH)
        if pss
        else padding.PKCS1v15()
    )
    return key.sign(data, scheme, hashes.SHA256())
