"""An agency's signing credential: provisioned once from the CA simulator, refused in production."""

from __future__ import annotations

import stat
import threading

import pytest
from cryptography.x509.oid import NameOID
from django.core.management import CommandError, call_command

from dichvucong.catalog.models import Procedure
from dichvucong.pki.agency_signing import (
    AgencyCredentialMissing,
    credential_directory,
    safe_code,
    signer_for,
)
from tests.results import pki_fixture, results_env_fixture, sim_ca_dir_fixture  # noqa: F401 - fixtures

pytestmark = pytest.mark.django_db


@pytest.fixture
def agency():
    return Procedure.objects.get(code="1.004194").owner


def test_a_missing_credential_is_provisioned_once_from_the_government_ca(results_env, agency):
    signer = signer_for(agency)
    issuer_cn = signer.certificate.issuer.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value
    assert "government" in issuer_cn.lower() or "chính phủ" in issuer_cn.lower() or "nhà nước" in issuer_cn.lower()
    assert f"MNS:{agency.code}" in signer.subject
    directory = credential_directory(agency.code)
    for name in ("key.pem", "certificate.pem", "chain.pem"):
        assert stat.S_IMODE((directory / name).stat().st_mode) == 0o600
    assert signer_for(agency).serial_hex == signer.serial_hex  # stored, not issued again


def test_processes_racing_to_provision_end_with_one_credential(results_env, agency):
    serials: list[str] = []

    def provision():
        serials.append(signer_for(agency).serial_hex)

    threads = [threading.Thread(target=provision) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(serials) == 4 and len(set(serials)) == 1


def test_production_refuses_to_sign_without_an_installed_credential(results_env, agency, settings):
    settings.PRODUCTION = True
    with pytest.raises(AgencyCredentialMissing) as missing:
        signer_for(agency)
    assert "key.pem" in str(missing.value)
    assert not credential_directory(agency.code).exists()


def test_agency_codes_cannot_escape_the_credential_directory():
    assert safe_code("000.00.00.G15") == "000.00.00.G15" and safe_code("H26.22") == "H26.22"
    for bad in ("../etc", "a/b", "", ".hidden", "x" * 60):
        with pytest.raises(ValueError):
            safe_code(bad)


def test_the_management_command_provisions_and_replaces(results_env, agency, capsys):
    call_command("provision_agency_certificate", agency.code)
    first = signer_for(agency).serial_hex
    assert first in capsys.readouterr().out
    call_command("provision_agency_certificate", agency.code, "--replace")
    assert signer_for(agency).serial_hex != first
    with pytest.raises(CommandError):
        call_command("provision_agency_certificate", "KHONG-CO")
