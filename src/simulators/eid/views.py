"""HTTP face of the national eID provider simulator (an OpenID Connect provider).

Endpoints (under ``/sim/eid/``): ``.well-known/openid-configuration``, ``jwks``,
``authorize``, ``login``, ``consent``, ``token``, ``userinfo``, ``logout`` and ``faults``.
The rules live in ``provider``; these views read requests and shape answers.

The simulator shares its host with the portal, so it keeps away from the portal's machinery:
no ``django.contrib.auth``, no portal session, no portal CSRF cookie. Its pages are exempt
from Django's CSRF middleware and protected instead by the simulator's own signed session
cookie (HttpOnly, SameSite=Lax, path ``/sim/eid/``) and a per-session form token.
"""

from __future__ import annotations

import base64
import binascii
import json
import secrets
import time
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlencode, urlsplit

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.template import Context, Engine
from django.urls import reverse
from django.utils.crypto import constant_time_compare
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from simulators.eid import provider
from simulators.registries.population_data import find_person

# ``simulators`` is a URL module, not an installed app, so the portal's template loaders do
# not see this package; it renders with an engine of its own (autoescaping on).
_ENGINE = Engine(dirs=[str(Path(__file__).resolve().parent / "templates")], autoescape=True)


# --- helpers --------------------------------------------------------------------------------
def _render(
    request: HttpRequest, template: str, context: dict[str, Any], *, status: int = 200
) -> HttpResponse:
    nonce = secrets.token_urlsafe(16)
    body = _ENGINE.get_template(f"simulators/eid/{template}").render(
        Context({**context, "csp_nonce": nonce, "issuer": provider.issuer()})
    )
    response = HttpResponse(body, status=status)
    # The pages carry one inline stylesheet (allowed by nonce) and no script. Forms may end
    # at the relying party: browsers apply form-action to the redirect after a POST too.
    form_targets = " ".join(["'self'", *provider.redirect_origins()])
    response["Content-Security-Policy"] = (
        f"default-src 'none'; style-src 'nonce-{nonce}'; img-src 'self' data:; "
        f"form-action {form_targets}; frame-ancestors 'none'; base-uri 'none'"
    )
    response["Cache-Control"] = "no-store"
    return response


def _error_page(
    request: HttpRequest, message_vi: str, message_en: str, *, status: int
) -> HttpResponse:
    return _render(
        request, "error.html", {"message_vi": message_vi, "message_en": message_en}, status=status
    )


def _json(data: dict[str, Any], *, status: int = 200) -> JsonResponse:
    response = JsonResponse(data, status=status)
    response["Cache-Control"] = "no-store"
    response["Pragma"] = "no-cache"
    return response


def _unavailable_json() -> JsonResponse:
    return _json(
        {"error": "temporarily_unavailable", "error_description": "Simulated outage."}, status=503
    )


def _current_session(request: HttpRequest) -> tuple[str, dict[str, Any]] | None:
    return provider.load_session(request.COOKIES.get(provider.SESSION_COOKIE))


def _set_session_cookie(request: HttpRequest, response: HttpResponse, session_id: str) -> None:
    response.set_cookie(
        provider.SESSION_COOKIE,
        provider.session_cookie_value(session_id),
        max_age=provider.SESSION_SECONDS,
        path=provider.SESSION_COOKIE_PATH,
        secure=request.is_secure(),
        httponly=True,
        samesite="Lax",
    )


def _form_token_ok(request: HttpRequest, record: dict[str, Any]) -> bool:
    return constant_time_compare(request.POST.get("form_token", ""), record.get("csrf", ""))


def _expired_request(request: HttpRequest) -> HttpResponse:
    return _error_page(
        request,
        "Yêu cầu đăng nhập không còn hiệu lực. Vui lòng quay lại cổng dịch vụ và thử lại.",
        "This sign-in request is no longer valid. Please go back to the portal and try again.",
        status=400,
    )


def _redirect_to_client(redirect_uri: str, parameters: dict[str, str]) -> HttpResponse:
    response = HttpResponseRedirect(provider.authorization_response_url(redirect_uri, parameters))
    response["Cache-Control"] = "no-store"
    return response


# --- metadata -------------------------------------------------------------------------------
@require_GET
def discovery(request: HttpRequest) -> HttpResponse:
    if provider.fault_mode() == "down":
        return _unavailable_json()
    return JsonResponse(provider.discovery_document())


@require_GET
def jwks(request: HttpRequest) -> HttpResponse:
    if provider.fault_mode() == "down":
        return _unavailable_json()
    return JsonResponse(provider.public_jwks())


# --- the person's journey: authorize → login → consent → back to the client -----------------
@csrf_exempt
@require_http_methods(["GET", "POST"])
def authorize(request: HttpRequest) -> HttpResponse:
    if provider.fault_mode() == "down":
        return _error_page(
            request,
            "Hệ thống định danh điện tử đang bảo trì. Vui lòng thử lại sau.",
            "The electronic identity system is under maintenance. Please try again later.",
            status=503,
        )
    source = request.GET if request.method == "GET" else request.POST
    params = {key: source.get(key, "") for key in source}
    try:
        auth_request = provider.validate_authorization_request(params)
    except provider.UntrustedRedirect:
        return _error_page(
            request,
            "Ứng dụng yêu cầu đăng nhập chưa được đăng ký hoặc địa chỉ trả về không hợp lệ.",
            "The requesting application is not registered or its redirect address is not allowed.",
            status=400,
        )
    except provider.AuthorizationError as exc:
        answer = {"error": exc.error, "error_description": exc.description}
        if params.get("state"):
            answer["state"] = params["state"]
        return _redirect_to_client(params["redirect_uri"], answer)

    current = _current_session(request)
    session_id, record = current if current else provider.new_session()
    signed_in = bool(record.get("pin")) and auth_request.prompt != "login"
    if auth_request.prompt == "none":
        # No page may be shown; consent is not remembered, so a signed-in person must still
        # be asked, which prompt=none forbids.
        error = "consent_required" if signed_in else "login_required"
        return _redirect_to_client(
            auth_request.redirect_uri, {"error": error, "state": auth_request.state}
        )
    request_id = provider.save_pending(session_id, auth_request)
    page = "sim-eid:consent" if signed_in else "sim-eid:login"
    response = HttpResponseRedirect(f"{reverse(page)}?request={request_id}")
    if current is None:
        _set_session_cookie(request, response, session_id)
    return response


def _pending(request: HttpRequest):
    """The authorization request a login or consent page is about, and the session it belongs to."""
    source = request.GET if request.method == "GET" else request.POST
    request_id = source.get("request", "")
    current = _current_session(request)
    auth_request = provider.load_pending(request_id, current[0] if current else None)
    return request_id, current, auth_request


@csrf_exempt  # the simulator's own session and form token protect it, see the module docstring
@require_http_methods(["GET", "POST"])
def login(request: HttpRequest) -> HttpResponse:
    request_id, current, auth_request = _pending(request)
    if current is None or auth_request is None:
        return _expired_request(request)
    session_id, record = current
    context: dict[str, Any] = {
        "request_id": request_id,
        "form_token": record["csrf"],
        "client": provider.registered_client(auth_request.client_id),
        "pin": "",
        "error": False,
    }
    if request.method == "GET":
        return _render(request, "login.html", context)

    if not _form_token_ok(request, record):
        return _expired_request(request)
    pin = request.POST.get("pin", "").strip()
    person = provider.authenticate(pin, request.POST.get("password", ""))
    if person is None:
        context.update(pin=pin[:12], error=True)
        return _render(request, "login.html", context)

    # A new session id at sign-in, so an id planted before it (session fixation) is worthless.
    provider.end_session(session_id)
    new_id, new_record = provider.new_session()
    new_record.update(pin=person.pin, auth_time=int(time.time()))
    provider.save_session(new_id, new_record)
    provider.rebind_pending(request_id, new_id)
    response = HttpResponseRedirect(f"{reverse('sim-eid:consent')}?request={request_id}")
    _set_session_cookie(request, response, new_id)
    return response


@csrf_exempt  # the simulator's own session and form token protect it, see the module docstring
@require_http_methods(["GET", "POST"])
def consent(request: HttpRequest) -> HttpResponse:
    request_id, current, auth_request = _pending(request)
    if current is None or auth_request is None or not current[1].get("pin"):
        return _expired_request(request)
    _session_id, record = current
    person = find_person(record["pin"])
    if person is None:
        return _expired_request(request)

    if request.method == "GET":
        shared = [
            provider.SCOPE_LABELS[scope]
            for scope in auth_request.scopes
            if scope in provider.SCOPE_LABELS
        ]
        return _render(
            request,
            "consent.html",
            {
                "request_id": request_id,
                "form_token": record["csrf"],
                "client": provider.registered_client(auth_request.client_id),
                "full_name": person.full_name,
                "eid_level": provider.eid_level(person.pin),
                "shared": shared,
            },
        )

    if not _form_token_ok(request, record):
        return _expired_request(request)
    provider.drop_pending(request_id)  # one answer per request, whatever it is
    if request.POST.get("decision") != "allow" or provider.fault_mode() == "access_denied":
        return _redirect_to_client(
            auth_request.redirect_uri,
            {
                "error": "access_denied",
                "error_description": "The person or the provider declined the request.",
                "state": auth_request.state,
            },
        )
    code = provider.issue_code(auth_request, pin=person.pin, auth_time=record["auth_time"])
    return _redirect_to_client(
        auth_request.redirect_uri, {"code": code, "state": auth_request.state}
    )


# --- back channel: token and userinfo ------------------------------------------------------
def _client_credentials(request: HttpRequest) -> tuple[str, str] | None:
    """(client_id, secret) from HTTP Basic or the form body; None when malformed or doubled."""
    header = request.headers.get("Authorization", "")
    in_body = "client_secret" in request.POST
    if header.startswith("Basic "):
        if in_body:
            return None  # RFC 6749 §2.3: one authentication method per request
        try:
            decoded = base64.b64decode(header[6:], validate=True).decode()
        except (binascii.Error, UnicodeDecodeError):
            return None
        client_id, _, secret = decoded.partition(":")
        # RFC 6749 §2.3.1: both parts are form-urlencoded before Basic encoding.
        return unquote(client_id.replace("+", " ")), unquote(secret.replace("+", " "))
    if in_body:
        return request.POST.get("client_id", ""), request.POST.get("client_secret", "")
    return None


@csrf_exempt  # called server to server with client credentials, never by a browser
@require_POST
def token(request: HttpRequest) -> HttpResponse:
    if provider.fault_mode() == "down":
        return _unavailable_json()
    credentials = _client_credentials(request)
    client = provider.registered_client(credentials[0]) if credentials else None
    if client is None or not constant_time_compare(credentials[1], client.client_secret):
        response = _json(
            {"error": "invalid_client", "error_description": "Client authentication failed."},
            status=401,
        )
        response["WWW-Authenticate"] = 'Basic realm="eid-sim"'
        return response
    if request.POST.get("grant_type") != "authorization_code":
        return _json(
            {"error": "unsupported_grant_type", "error_description": "Only authorization_code."},
            status=400,
        )
    if request.POST.get("client_id") and request.POST["client_id"] != client.client_id:
        return _json(
            {"error": "invalid_request", "error_description": "client_id mismatch."}, status=400
        )
    try:
        answer = provider.redeem_code(
            code=request.POST.get("code", ""),
            client=client,
            redirect_uri=request.POST.get("redirect_uri", ""),
            code_verifier=request.POST.get("code_verifier", ""),
        )
    except provider.TokenError as exc:
        return _json({"error": exc.error, "error_description": exc.description}, status=exc.status)
    return _json(answer)


@csrf_exempt
@require_http_methods(["GET", "POST"])
def userinfo(request: HttpRequest) -> HttpResponse:
    if provider.fault_mode() == "down":
        return _unavailable_json()
    header = request.headers.get("Authorization", "")
    claims = provider.userinfo_for(header[7:].strip()) if header.startswith("Bearer ") else None
    if claims is None:
        response = _json({"error": "invalid_token"}, status=401)
        response["WWW-Authenticate"] = 'Bearer error="invalid_token"'
        return response
    return _json(claims)


# --- sign-out and faults ----------------------------------------------------------------------
@csrf_exempt  # signing out is harmless to force; OIDC RP-initiated logout arrives as GET or POST
@require_http_methods(["GET", "POST"])
def logout(request: HttpRequest) -> HttpResponse:
    source = request.GET if request.method == "GET" else request.POST
    current = _current_session(request)
    if current is not None:
        provider.end_session(current[0])
    target = source.get("post_logout_redirect_uri", "")
    hint = (
        provider.verify_jwt(source.get("id_token_hint", ""))
        if source.get("id_token_hint")
        else None
    )
    client_known = (
        provider.registered_client(source.get("client_id") or (hint or {}).get("aud")) is not None
    )
    parts = urlsplit(target)
    # Only back to a site we would also send codes to, and only for a client we know.
    if (
        target
        and client_known
        and f"{parts.scheme}://{parts.netloc}" in provider.redirect_origins()
    ):
        separator = "&" if "?" in target else "?"
        state = source.get("state", "")
        response: HttpResponse = HttpResponseRedirect(
            target + (separator + urlencode({"state": state}) if state else "")
        )
    else:
        response = _render(request, "logged_out.html", {})
    response.delete_cookie(
        provider.SESSION_COOKIE, path=provider.SESSION_COOKIE_PATH, samesite="Lax"
    )
    return response


@csrf_exempt  # test and demo control, like every simulator's fault switch
@require_http_methods(["GET", "POST"])
def faults(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        try:
            provider.set_fault_mode(json.loads(request.body).get("mode"))
        except (ValueError, AttributeError, UnicodeDecodeError):
            return JsonResponse(
                {
                    "error": {
                        "code": "invalid_mode",
                        "message": f"'mode' must be one of {', '.join(provider.FAULT_MODES)}.",
                    }
                },
                status=400,
            )
    return JsonResponse({"mode": provider.fault_mode()})
