"""manage.py check_deadlines: the deadline check now (Celery beat runs it every 15 minutes in
production; the embedded `make run` has no beat, so a demo runs it by hand)."""

from django.conf import settings
from django.core.management.base import BaseCommand

from dichvucong.backoffice import services


class Command(BaseCommand):
    help = "Flag dossiers due soon, escalate late ones and write their apology letters (G2)."

    def handle(self, *args, **options):
        counts = services.check_deadlines(due_soon_hours=settings.BACKOFFICE_DUE_SOON_HOURS)
        self.stdout.write(f"due soon: {counts['due_soon']}, late (escalated, apology sent): {counts['overdue']}")
