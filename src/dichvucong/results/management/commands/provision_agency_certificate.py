"""manage.py provision_agency_certificate <agency_code> [--replace]

Development and tests only: asks the CA simulator for the agency's signing certificate and
stores it under AGENCY_SIGNING_DIR (docs/results.md). In production the agency's real
credential is installed there instead (or an HSM/remote signer is configured).
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from dichvucong.catalog.models import Agency
from dichvucong.pki.agency_signing import (
    AgencySigningError,
    provision_from_simulator,
    signer_for,
)


class Command(BaseCommand):
    help = "Provision an agency's result-signing certificate from the CA simulator (not in production)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("agency_code", help="catalog agency code, e.g. 000.00.00.G15 or H26.22")
        parser.add_argument("--replace", action="store_true", help="issue a new certificate even if one is installed")

    def handle(self, *args: Any, agency_code: str, replace: bool, **options: Any) -> None:
        agency = Agency.objects.filter(code=agency_code).first()
        if agency is None:
            raise CommandError(f"no agency with code {agency_code}")
        try:
            provision_from_simulator(agency_code=agency.code, agency_name=agency.name, replace=replace)
            signer = signer_for(agency)
        except (AgencySigningError, ValueError) as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"{agency.code}: certificate {signer.serial_hex} ({signer.subject})")
