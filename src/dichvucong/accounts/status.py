"""The authentication system's state for administrators (L1): a page over the audit trail."""

from __future__ import annotations

from datetime import timedelta

from django.contrib.admin.views.decorators import staff_member_required
from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from dichvucong.accounts.models import AuditEvent, UserSession


def authentication_summary(since) -> dict:  # noqa: ANN001
    events = AuditEvent.objects.filter(at__gte=since)
    sign_ins = (
        events.filter(action__in=["sign_in", "step_up"]).values("method", "outcome").annotate(n=Count("id"))
        .order_by("method", "outcome")
    )
    by_method: dict[str, dict[str, int]] = {}
    for row in sign_ins:
        by_method.setdefault(row["method"] or "-", {})[row["outcome"]] = row["n"]
    return {
        "by_method": sorted(by_method.items()),
        "lockouts": events.filter(action="lockout").count(),
        "failures": events.filter(action="sign_in", outcome="failure").count(),
        "registrations": events.filter(action="register").count(),
        "backchannel_failures": events.filter(action="backchannel_logout", outcome="failure").count(),
        "active_sessions": UserSession.objects.filter(last_seen_at__gte=timezone.now() - timedelta(hours=8)).count(),
    }


@staff_member_required
def authentication_status(request: HttpRequest) -> HttpResponse:
    if not request.user.is_superuser:
        raise PermissionDenied
    from dichvucong.registries.health import check_registries

    since = timezone.now() - timedelta(hours=24)
    return render(request, "accounts/status.html", {
        "summary": authentication_summary(since),
        "registries": check_registries(),
        "since": since,
    })
