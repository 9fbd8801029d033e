from celery import shared_task
from django.conf import settings

from dichvucong.backoffice import services


@shared_task(name="backoffice.check_deadlines")
def check_deadlines() -> dict[str, int]:
    """Every 15 minutes (beat): due-soon and overdue dossiers, escalations, apology letters."""
    return services.check_deadlines(due_soon_hours=settings.BACKOFFICE_DUE_SOON_HOURS)
