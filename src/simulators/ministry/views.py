"""Pages and endpoints of the demo ministry portal, mounted at /sim/ministry/.

Views stay thin: the OpenID Connect work is in ``client``, the session store in
``sessions``. Templates are rendered by an engine of this package's own, because
``simulators`` is a URL module, not an installed app, and the portal's template loaders
would not find them; the same files still work if the package is installed one day.
"""

from __future__ import annotations

import logging
import secrets
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.template import Context, Engine
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from simulators.ministry import client, sessions

logger = logging.getLogger(__name__)

_ENGINE = Engine(
    dirs=[str(Path(__file__).resolve().parent / "templates")],
    # A bare Engine knows no tag libraries beyond the built-ins; {% static %} must be named.
    libraries={"static": "django.templatetags.static"},
    autoescape=True,
)

# Claims shown with a readable label, in this order; others follow with their raw name.
CLAIM_LABELS = {
    "name": "Họ và tên / Name",
    "family_name": "Họ / Family name",
    "given_name": "Tên / Given name",
    "personal_identification_number": "Số định danh cá nhân / Personal ID number",
    "birthdate": "Ngày sinh / Birth date",
    "gender": "Giới tính / Sex",
    "email": "Thư điện tử / E-mail",
    "phone_number": "Số điện thoại / Phone",
    "sub": "Định danh tại Cổng (sub) / Subject",
}
# Step-up target offered on the page: level 3 is the first that needs a phishing-resistant factor.
STEP_UP_LEVEL = 3


def _render(
    request: HttpRequest, template: str, context: dict[str, Any], *, status: int = 200
) -> HttpResponse:
    body = _ENGINE.get_template(f"simulators/ministry/{template}").render(
        Context({"request": request, **context})
    )
    return HttpResponse(body, status=status, content_type="text/html; charset=utf-8")


def _error_page(request: HttpRequest, error: client.OidcError) -> HttpResponse:
    # Only the code is logged: descriptions may quote what the provider or an attacker sent.
    logger.info("ministry simulator: sign-in step failed (%s)", error.code)
    return _render(
        request,
        "error.html",
        {"code": error.code, "description": error.description, "status": error.status},
        status=error.status,
    )


def _set_session_cookie(request: HttpRequest, response: HttpResponse, session_id: str) -> None:
    response.set_cookie(
        sessions.COOKIE_NAME,
        session_id,
        max_age=sessions.SESSION_SECONDS,
        path=sessions.COOKIE_PATH,
        secure=request.is_secure(),
        httponly=True,
        # Lax, not Strict: the provider's redirect back to the callback is a cross-site top-level
        # navigation, and the callback must see this cookie to find its pending request.
        samesite="Lax",
    )


def _absolute(request: HttpRequest, name: str) -> str:
    return request.build_absolute_uri(reverse(f"ministry-sim:{name}"))


def _timestamp(value: object) -> datetime | None:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return datetime.fromtimestamp(value, tz=UTC)
    return None


@never_cache
@require_GET
def home(request: HttpRequest) -> HttpResponse:
    record = sessions.load(request.COOKIES.get(sessions.COOKIE_NAME)) or {}
    user = record.get("user")
    context: dict[str, Any] = {"user": None, "step_up_level": STEP_UP_LEVEL}
    if user:
        claims = {**user.get("id_token_claims", {}), **user.get("userinfo", {})}
        labelled = [(label, claims[key]) for key, label in CLAIM_LABELS.items() if key in claims]
        others = sorted((key, value) for key, value in claims.items() if key not in CLAIM_LABELS)
        level = client.level_of_acr(user.get("acr"))
        requested = user.get("requested_level")
        context.update(
            user=user,
            display_name=claims.get("name")
            or " ".join(filter(None, [claims.get("family_name"), claims.get("given_name")]))
            or user["sub"],
            labelled_claims=labelled,
            other_claims=others,
            level=level,
            requested_level=requested,
            # The provider may answer with a lower level than asked (acr_values is a request,
            # not a demand); a real portal would then refuse the procedure that needed it.
            level_short=requested is not None and (level is None or level < requested),
            auth_time=_timestamp(user.get("auth_time")),
            signed_in_at=_timestamp(user.get("signed_in_at")),
        )
    return _render(request, "home.html", context)


@never_cache
@require_GET
def login(request: HttpRequest) -> HttpResponse:
    level: int | None = None
    raw_level = request.GET.get("acr")
    if raw_level:
        if not raw_level.isdigit() or int(raw_level) not in client.LEVELS:
            return _error_page(
                request,
                client.OidcError("invalid_acr", "Mức đảm bảo phải từ 1 đến 4 / Level must be 1–4"),
            )
        level = int(raw_level)
    try:
        authorization = client.build_authorization_request(
            redirect_uri=_absolute(request, "callback"), level=level
        )
    except client.OidcError as error:
        return _error_page(request, error)
    session_id = request.COOKIES.get(sessions.COOKIE_NAME, "")
    if sessions.load(session_id) is None:
        # A new id, never one the browser proposed: ids are only ever minted here.
        session_id = sessions.new_session_id()
    sessions.add_pending_authorization(
        session_id,
        authorization.state,
        {
            "nonce": authorization.nonce,
            "code_verifier": authorization.code_verifier,
            "redirect_uri": authorization.redirect_uri,
            "level": authorization.level,
        },
    )
    response = HttpResponseRedirect(authorization.url)
    _set_session_cookie(request, response, session_id)
    return response


@never_cache
@require_GET
def callback(request: HttpRequest) -> HttpResponse:
    session_id = request.COOKIES.get(sessions.COOKIE_NAME)
    # The state is consumed whatever happens next: a callback URL works once.
    pending = sessions.pop_pending_authorization(session_id, request.GET.get("state", ""))
    if "error" in request.GET:
        # Core §3.1.2.6: the provider refused (access_denied when the person declined consent).
        return _error_page(
            request,
            client.OidcError(
                request.GET["error"][:100], request.GET.get("error_description", "")[:500]
            ),
        )
    if pending is None:
        return _error_page(
            request,
            client.OidcError(
                "invalid_state",
                "Yêu cầu đăng nhập không khớp hoặc đã hết hạn / "
                "The sign-in request is unknown or has expired",
            ),
        )
    code = request.GET.get("code", "")
    if not code:
        return _error_page(request, client.OidcError("invalid_request", "no authorization code"))
    try:
        tokens = client.exchange_code(
            code=code, code_verifier=pending["code_verifier"], redirect_uri=pending["redirect_uri"]
        )
        claims = client.validate_id_token(
            tokens["id_token"], nonce=pending["nonce"], access_token=tokens["access_token"]
        )
        userinfo = client.fetch_userinfo(tokens["access_token"], expected_sub=claims["sub"])
    except client.OidcError as error:
        return _error_page(request, error)
    new_session_id = sessions.start_signed_in_session(
        session_id,
        {
            "sub": claims["sub"],
            "sid": claims.get("sid"),
            # Kept only as id_token_hint for RP-initiated logout.
            "id_token": tokens["id_token"],
            "id_token_claims": claims,
            "userinfo": userinfo,
            "acr": claims.get("acr"),
            "auth_time": claims.get("auth_time"),
            "requested_level": pending.get("level"),
            "scope": tokens.get("scope", client.SCOPE),
            "signed_in_at": int(time.time()),
        },
    )
    response = HttpResponseRedirect(reverse("ministry-sim:home"))
    _set_session_cookie(request, response, new_session_id)
    return response


@never_cache
@require_GET
def logout(request: HttpRequest) -> HttpResponse:
    record = sessions.end_session(request.COOKIES.get(sessions.COOKIE_NAME)) or {}
    user = record.get("user") or {}
    target: str | None = None
    if user.get("id_token"):
        try:
            target = client.end_session_url(
                id_token=user["id_token"],
                post_logout_redirect_uri=_absolute(request, "home"),
                state=secrets.token_urlsafe(16),
            )
        except client.OidcError as error:
            # The local session is already gone; the person is signed out here at least.
            logger.warning("ministry simulator: no end_session_endpoint (%s)", error.code)
    response = HttpResponseRedirect(target or reverse("ministry-sim:home"))
    response.delete_cookie(sessions.COOKIE_NAME, path=sessions.COOKIE_PATH, samesite="Lax")
    return response


@csrf_exempt  # the provider posts server to server; the signed logout token is the proof
@require_POST
def backchannel_logout(request: HttpRequest) -> HttpResponse:
    token = request.POST.get("logout_token", "")
    if not token:
        response: HttpResponse = JsonResponse(
            {"error": "invalid_request", "error_description": "logout_token is missing"}, status=400
        )
    else:
        try:
            claims = client.validate_logout_token(token)
        except client.ProviderUnavailable as error:
            # We could not check the token at all (keys unreachable): a 5xx makes the
            # provider retry later, where a 400 would tell it the token itself was bad.
            response = JsonResponse(
                {"error": "temporarily_unavailable", "error_description": error.description},
                status=503,
            )
        except client.OidcError as error:
            logger.info("ministry simulator: logout token refused (%s)", error.description)
            response = JsonResponse(
                {"error": "invalid_request", "error_description": error.description}, status=400
            )
        else:
            ended = sessions.end_sessions_of(sid=claims.get("sid"), sub=claims.get("sub"))
            logger.info("ministry simulator: back-channel logout ended %d session(s)", ended)
            # §2.8: success is 200 whether or not a session was still alive here.
            response = HttpResponse(status=200)
    # §2.8: the answer must not be cached by anything between provider and client.
    response["Cache-Control"] = "no-store"
    return response
