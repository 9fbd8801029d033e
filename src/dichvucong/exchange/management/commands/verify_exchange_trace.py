"""manage.py verify_exchange_trace [--dossier CODE]: prove the exchange's trace unaltered
(exit status 1 if not), and show one dossier's messages' journey."""

from django.core.management.base import BaseCommand, CommandError

from dichvucong.exchange import trace


class Command(BaseCommand):
    help = "Recompute the hash chain of the exchange trace; list a dossier's journey."

    def add_arguments(self, parser):  # noqa: ANN001, ANN201
        parser.add_argument("--dossier", default="", help="a dossier code (the messages' correlation id)")

    def handle(self, *args, dossier: str = "", **options):  # noqa: ANN002, ANN003, ANN201
        if dossier:
            for entry in trace.journey(dossier):
                self.stdout.write(f"#{entry.seq} {entry.at:%Y-%m-%d %H:%M:%S} {entry.event:10} {entry.message_type:20} "
                                  f"{entry.party:10} {entry.detail} {entry.hash[:16]}")
        check = trace.verify()
        if not check.ok:
            raise CommandError(f"the trace was altered: entry #{check.first_bad_seq} does not match "
                               f"({check.entries} entries read)")
        self.stdout.write(self.style.SUCCESS(f"trace intact: {check.entries} entries, hash chain verified"))
