from celery import shared_task

from dichvucong.exchange import outbox, remote


@shared_task(name="exchange.deliver", ignore_result=True)
def deliver(outbox_id: int) -> str:
    return outbox.deliver(outbox_id)


@shared_task(name="exchange.deliver_pending", ignore_result=True)
def deliver_pending() -> int:
    """Every minute (beat): messages due, whatever happened to their first task."""
    return outbox.deliver_pending()


@shared_task(name="exchange.apply", ignore_result=True)
def apply(message_id: str) -> str:
    return remote.apply(message_id)


@shared_task(name="exchange.apply_pending", ignore_result=True)
def apply_pending() -> int:
    """Every minute (beat): kept messages not applied yet."""
    return remote.apply_pending()


@shared_task(name="exchange.watch_connections", ignore_result=True)
def watch_connections() -> int:
    """Every 5 minutes (beat): a member silent too long, or whose backlog grows, is an alert
    in the log (and the metrics, for the alerting rules of docs/operations)."""
    import logging

    from dichvucong.exchange.selectors import connections

    alerts = 0
    for state in connections():
        if state.alerts:
            alerts += 1
            logging.getLogger(__name__).warning("exchange member needs attention: %s %s", state.member.code,
                                                ",".join(state.alerts))
    return alerts
