from celery import shared_task

from dichvucong.exchange import outbox


@shared_task(name="exchange.deliver", ignore_result=True)
def deliver(outbox_id: int) -> str:
    return outbox.deliver(outbox_id)


@shared_task(name="exchange.deliver_pending", ignore_result=True)
def deliver_pending() -> int:
    """Every minute (beat): messages due, whatever happened to their first task."""
    return outbox.deliver_pending()
