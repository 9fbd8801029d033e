"""What several simulators' HTTP faces share: the error shape, the fault switch, the outbox."""

from __future__ import annotations

import json
from collections.abc import Callable, Collection

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods


def error(status: int, code: str, message: str) -> JsonResponse:
    return JsonResponse({"error": {"code": code, "message": message}}, status=status)


def fault_switch(modes: Collection[str], get_mode: Callable[[], str], set_mode: Callable[[str], None]):  # noqa: ANN201
    """``GET`` says the fault mode in force; ``POST {"mode": …}`` sets one of ``modes``."""

    @csrf_exempt
    @require_http_methods(["GET", "POST"])
    def faults(request: HttpRequest) -> HttpResponse:
        if request.method == "POST":
            try:
                mode = json.loads(request.body).get("mode")
            except (ValueError, AttributeError, UnicodeDecodeError):
                mode = None
            if mode not in modes:
                return error(400, "invalid_mode", f"'mode' must be one of {', '.join(modes)}.")
            set_mode(mode)
        return JsonResponse({"mode": get_mode()})

    return faults


def outbox_view(take: Callable[[], list]):  # noqa: ANN201
    """The callbacks queued since the last read, oldest first; reading empties the outbox."""

    @require_GET
    def outbox(request: HttpRequest) -> HttpResponse:
        response = JsonResponse(take(), safe=False)
        response["Cache-Control"] = "no-store"
        return response

    return outbox
