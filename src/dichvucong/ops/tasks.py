from celery import shared_task


@shared_task(name="ops.ping")
def ping() -> str:
    """A task that only answers; operators use it to see that workers take work."""
    return "pong"
