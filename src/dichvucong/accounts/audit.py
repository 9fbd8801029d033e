"""The authentication audit trail (M2, L1) and its metrics. Never a secret, code or full identifier."""

from __future__ import annotations

from prometheus_client import Counter

from dichvucong.accounts.models import AuditEvent
from dichvucong.core.ratelimit import address_hash

AUTH_EVENTS = Counter(
    "dvc_auth_events_total", "Authentication events by action, method and outcome", ["action", "method", "outcome"]
)


def record(action: str, *, request=None, user=None, method: str = "", outcome: str = "success", **details) -> None:  # noqa: ANN001
    AUTH_EVENTS.labels(action=action, method=method or "-", outcome=outcome).inc()
    AuditEvent.objects.create(
        action=action,
        outcome=outcome,
        user=user if user is not None and user.pk else None,
        method=method,
        ip_hash=address_hash(request) if request is not None else "",
        details=details,
    )
