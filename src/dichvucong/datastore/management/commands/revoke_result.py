"""Operators revoke an issued result until the back office (issue 5) does it for agencies."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from dichvucong.catalog.selectors import agencies
from dichvucong.datastore.services import StoreRefused, revoke_issued_result


class Command(BaseCommand):
    help = ("Revoke a result issued by an agency in every personal data store holding a copy, "
            "and tell each owner by e-mail. Repeating it changes nothing.")

    def add_arguments(self, parser):
        parser.add_argument("agency_code", help="the issuing agency's code (mã định danh)")
        parser.add_argument("result_reference", help="the result's number (số, ký hiệu) as the agency issued it")
        parser.add_argument("--reason", required=True, help="why it was revoked; shown to the owner, so no ID numbers")

    def handle(self, *args, agency_code: str, result_reference: str, reason: str, **options):
        agency = agencies().filter(code=agency_code.strip()).first()
        if agency is None:
            raise CommandError(f"no agency with code {agency_code!r}")
        try:
            outcome = revoke_issued_result(issuing_agency=agency, result_reference=result_reference, reason=reason)
        except StoreRefused as refused:
            raise CommandError(f"refused: {refused.code}") from None
        if not outcome.copies:
            raise CommandError(f"no store holds result {result_reference!r} of agency {agency_code}")
        if not outcome.newly_revoked:
            self.stdout.write(f"already revoked: {outcome.copies} copies, nothing changed")
        else:
            self.stdout.write(f"revoked {outcome.newly_revoked} documents ({outcome.copies} copies of the result); "
                              "owners are being told")
