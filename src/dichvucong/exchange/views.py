"""The connected systems' pages: the administrators' monitor and the public list (H3)."""

from __future__ import annotations

from django.contrib.admin.views.decorators import staff_member_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from dichvucong.exchange import selectors
from dichvucong.exchange.constants import MemberStatus


@staff_member_required
def monitor(request: HttpRequest) -> HttpResponse:
    if not request.user.is_superuser:
        raise PermissionDenied
    return render(request, "exchange/monitor.html", {"connections": selectors.connections(), "now": timezone.now()})


def connected_systems(request: HttpRequest) -> HttpResponse:
    """Public: who is connected and whether they answer; nothing about their traffic."""
    connections = [c for c in selectors.connections() if c.member.status == MemberStatus.ACTIVE]
    return render(request, "exchange/connected.html", {"connections": connections})
