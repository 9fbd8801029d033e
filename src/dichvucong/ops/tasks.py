from celery import shared_task


@shared_task(name="ops.ping")
def ping() -> str:
    """A task that only answers; operators use it to see that workers take work."""
    return "pong"


@shared_task(name="ops.check_registries", ignore_result=True)
def check_registries() -> list[dict]:
    """Every minute (beat): keeps dvc_registry_up and the latency histogram fresh for alerting."""
    from dichvucong.registries.health import check_registries as check

    return [{"registry": h.name, "ok": h.ok, "latency_ms": h.latency_ms} for h in check()]
