"""What several simulators' HTTP faces share: the error shape, the fault switch, the outbox."""

from __future__ import annotations

import functools
import hashlib
import hmac
import json
import time
from collections.abc import Callable, Collection
from typing import Any

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


# --- the HMAC-signed APIs of the payment platform and the postal carrier -------------------
MAX_CLOCK_SKEW_SECONDS = 300


def sign(secret: str, message: bytes) -> str:
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def signatures_match(expected: str, given: str) -> bool:
    """Constant-time comparison; hex case does not matter."""
    return hmac.compare_digest(expected.encode(), given.strip().lower().encode("utf-8", "replace"))


def request_message(timestamp: str, method: str, path: str, body: bytes) -> bytes:
    return f"{timestamp}\n{method.upper()}\n{path}\n".encode() + body


def check_signed_request(request: HttpRequest, *, secret: str) -> JsonResponse | None:
    """The refusal for a request whose ``X-Signature`` over ``timestamp, METHOD, path, body``
    is missing or wrong, or whose ``X-Timestamp`` is more than 300 s off; None if it is good."""
    timestamp, given = request.headers.get("X-Timestamp", ""), request.headers.get("X-Signature", "")
    expected = sign(secret, request_message(timestamp, request.method or "", request.get_full_path(), request.body))
    if not timestamp or not given or not signatures_match(expected, given):
        return error(401, "bad_signature", "Missing or wrong X-Timestamp or X-Signature.")
    try:
        skew = abs(time.time() - int(timestamp))
    except ValueError:
        skew = float("inf")
    if skew > MAX_CLOCK_SKEW_SECONDS:
        return error(401, "stale_request", "X-Timestamp is more than 300 s from our clock.")
    return None


def signed_api(
    method: str, *, authenticate: Callable[[HttpRequest], str | HttpResponse], fault_mode: Callable[[], str],
    refusal: type[Exception], timeout_seconds: Callable[[], float], pass_fault: bool = False,
    server_error: str = "",
) -> Callable[[Callable[..., HttpResponse]], Callable[..., HttpResponse]]:
    """What every call of a signed simulator API goes through: the method, the caller's
    signature, and the faults. ``timeout`` does the work and answers late (the answer is lost
    to the caller: its retry must be idempotent); with ``server_error`` set, that fault answers
    500 and does nothing. The handler gets the caller's id (and, with ``pass_fault``, the fault
    mode of the moment the call arrived); a ``refusal`` it raises (status, code, message) is
    answered as an error."""

    def decorate(handler: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @csrf_exempt
        @require_http_methods([method])
        @functools.wraps(handler)
        def view(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            fault = fault_mode()
            if server_error and fault == "server_error":
                return error(500, "internal_error", server_error)
            caller = authenticate(request)
            if isinstance(caller, HttpResponse):
                response = caller
            else:
                if pass_fault:
                    kwargs["fault"] = fault
                try:
                    response = handler(request, caller, *args, **kwargs)
                except refusal as refused:
                    response = error(refused.status, refused.code, refused.message)
            if fault == "timeout":
                time.sleep(timeout_seconds())  # read now, not at import: tests shorten it
            response["Cache-Control"] = "no-store"
            return response

        return view

    return decorate
