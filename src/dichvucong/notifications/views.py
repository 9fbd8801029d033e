"""The account inbox: the person's own notifications, newest first (F1)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from dichvucong.notifications import selectors, services


@login_required
@require_GET
def inbox(request: HttpRequest) -> HttpResponse:
    notifications = list(selectors.inbox_for(request.user))
    unread = sum(1 for n in notifications if not n.is_read)
    return render(request, "notifications/inbox.html", {"notifications": notifications, "unread": unread})


@login_required
@require_POST
def mark_all_read(request: HttpRequest) -> HttpResponse:
    services.mark_all_read(request.user)
    return redirect("notifications:inbox")
