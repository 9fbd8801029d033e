"""OpenID Connect client logic of the demo ministry portal.

Everything a relying party of the national portal must do, in plain functions the views
call: discovery, the authorization request (code flow, PKCE S256, state, nonce,
``acr_values``), the code exchange with client_secret_basic, ID-token validation (OpenID
Connect Core §3.1.3.7), userinfo, the RP-initiated logout URL, and logout-token validation
(Back-Channel Logout 1.0 §2.6).

JOSE work uses jwcrypto, the project's one JOSE library; PKCE's challenge comes from
Authlib. HTTP goes through httpx directly: Authlib's httpx integration warns on import in
this version, and the three calls a client makes are short enough to read in full here.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlencode

import httpx
from authlib.oauth2.rfc7636 import create_s256_code_challenge
from django.conf import settings
from django.core.cache import cache
from jwcrypto import jwk, jwt
from jwcrypto.common import JWException

LOA_PREFIX = "urn:dichvucong:loa:"
LEVELS = (1, 2, 3, 4)
SCOPE = "openid profile identity"
BACKCHANNEL_LOGOUT_EVENT = "http://schemas.openid.net/event/backchannel-logout"
# The provider signs with RS256 (django-oauth-toolkit's OIDC_RSA_PRIVATE_KEY); accepting
# only what we expect shuts out "alg": "none" and algorithm-confusion tricks.
SIGNING_ALGORITHMS = ["RS256"]
# Clocks of two servers drift; a minute is the usual tolerance.
CLOCK_SKEW_SECONDS = 60
# A logout token is sent at once (with retries over a few minutes); anything older is a replay
# attempt or a lost message that no longer matters.
LOGOUT_TOKEN_MAX_AGE_SECONDS = 300
# Discovery and keys change rarely, but a key rotation must be seen within minutes.
METADATA_CACHE_SECONDS = 300
HTTP_TIMEOUT_SECONDS = 10.0

_CACHE_PREFIX = "sim-ministry"


class OidcError(Exception):
    """A sign-in or logout step failed; ``code`` is machine-readable, ``description`` for people."""

    status = 400

    def __init__(self, code: str, description: str) -> None:
        super().__init__(f"{code}: {description}")
        self.code = code
        self.description = description


class ProviderUnavailable(OidcError):
    """The provider could not be reached or answered nonsense: not the person's fault."""

    status = 502


@dataclass(frozen=True)
class ClientSettings:
    issuer: str
    client_id: str
    client_secret: str


def client_settings() -> ClientSettings:
    issuer = getattr(settings, "MINISTRY_SIM_ISSUER", None)
    if not issuer:
        # By default, the portal's own provider on this same server (make run): its issuer
        # setting, which the provider writes into discovery and every token it signs.
        provider = getattr(settings, "OAUTH2_PROVIDER", {})
        issuer = provider.get("OIDC_ISS_ENDPOINT") or "http://127.0.0.1:8000/oidc"
    return ClientSettings(
        # Kept exactly as written: iss is compared as a plain string (Core §3.1.3.7 step 2).
        issuer=issuer,
        client_id=getattr(settings, "MINISTRY_SIM_CLIENT_ID", "bo-gia-lap"),
        client_secret=getattr(settings, "MINISTRY_SIM_CLIENT_SECRET", "bo-gia-lap-secret"),
    )


# --- Provider metadata -------------------------------------------------------------------


def _get_json(url: str, **kwargs: Any) -> Any:
    try:
        response = httpx.get(url, timeout=HTTP_TIMEOUT_SECONDS, **kwargs)
    except httpx.HTTPError as exc:
        raise ProviderUnavailable("provider_unreachable", f"{url}: {type(exc).__name__}") from exc
    if response.status_code != 200:
        raise ProviderUnavailable("provider_error", f"{url} answered HTTP {response.status_code}")
    try:
        return response.json()
    except ValueError as exc:
        raise ProviderUnavailable("provider_error", f"{url} did not answer JSON") from exc


def load_discovery() -> dict[str, Any]:
    """The provider's metadata (OpenID Connect Discovery 1.0), cached for a few minutes."""
    issuer = client_settings().issuer
    cache_key = f"{_CACHE_PREFIX}:discovery:{issuer}"
    metadata = cache.get(cache_key)
    if metadata is None:
        metadata = _get_json(f"{issuer.rstrip('/')}/.well-known/openid-configuration")
        # Discovery §4.3: the document must name exactly the issuer we asked, or a
        # look-alike provider could hand us its own endpoints and keys.
        if not isinstance(metadata, dict) or metadata.get("issuer") != issuer:
            raise ProviderUnavailable("discovery_mismatch", "issuer in discovery differs")
        missing = [
            name
            for name in ("authorization_endpoint", "token_endpoint", "jwks_uri")
            if not metadata.get(name)
        ]
        if missing:
            raise ProviderUnavailable("discovery_incomplete", f"missing {', '.join(missing)}")
        cache.set(cache_key, metadata, METADATA_CACHE_SECONDS)
    return metadata


def load_jwks(*, refresh: bool = False) -> dict[str, Any]:
    """The provider's public keys: ``settings.MINISTRY_SIM_JWKS`` if set (tests), else jwks_uri."""
    configured = getattr(settings, "MINISTRY_SIM_JWKS", None)
    if configured:
        return configured
    jwks_uri = load_discovery()["jwks_uri"]
    cache_key = f"{_CACHE_PREFIX}:jwks:{jwks_uri}"
    keys = None if refresh else cache.get(cache_key)
    if keys is None:
        keys = _get_json(jwks_uri)
        if not isinstance(keys, dict) or not isinstance(keys.get("keys"), list):
            raise ProviderUnavailable("jwks_invalid", "jwks_uri did not answer a key set")
        cache.set(cache_key, keys, METADATA_CACHE_SECONDS)
    return keys


# --- Levels of assurance -----------------------------------------------------------------


def acr_for_level(level: int) -> str:
    if level not in LEVELS:
        raise ValueError(f"no level of assurance {level}")
    return f"{LOA_PREFIX}{level}"


def level_of_acr(acr: object) -> int | None:
    """The level number an ``acr`` value names, or None for a value we do not know."""
    if isinstance(acr, str) and acr.startswith(LOA_PREFIX):
        suffix = acr.removeprefix(LOA_PREFIX)
        if suffix.isdigit() and int(suffix) in LEVELS:
            return int(suffix)
    return None


# --- Authorization code flow ------------------------------------------------------------


@dataclass(frozen=True)
class AuthorizationRequest:
    url: str
    state: str
    nonce: str
    code_verifier: str
    redirect_uri: str
    level: int | None


def build_authorization_request(*, redirect_uri: str, level: int | None) -> AuthorizationRequest:
    """A fresh authorization request: where to send the browser and what to keep for the callback."""
    metadata = load_discovery()
    config = client_settings()
    state = secrets.token_urlsafe(32)
    nonce = secrets.token_urlsafe(32)
    # RFC 7636 §4.1: 43 to 128 characters; 64 random bytes give 86.
    code_verifier = secrets.token_urlsafe(64)
    params = {
        "response_type": "code",
        "client_id": config.client_id,
        "redirect_uri": redirect_uri,
        "scope": SCOPE,
        "state": state,
        "nonce": nonce,
        "code_challenge": create_s256_code_challenge(code_verifier),
        "code_challenge_method": "S256",
    }
    if level is not None:
        # Voluntary acr request (Core §3.1.2.1): the provider steps the person up to this level
        # and reports what it achieved in the ID token's acr; we check that on return.
        params["acr_values"] = acr_for_level(level)
    endpoint = metadata["authorization_endpoint"]
    separator = "&" if "?" in endpoint else "?"
    return AuthorizationRequest(
        url=f"{endpoint}{separator}{urlencode(params)}",
        state=state,
        nonce=nonce,
        code_verifier=code_verifier,
        redirect_uri=redirect_uri,
        level=level,
    )


def exchange_code(*, code: str, code_verifier: str, redirect_uri: str) -> dict[str, Any]:
    """Trade the authorization code for tokens at the token endpoint (client_secret_basic)."""
    metadata = load_discovery()
    config = client_settings()
    try:
        response = httpx.post(
            metadata["token_endpoint"],
            data={
                "grant_type": "authorization_code",
                "code": code,
                "redirect_uri": redirect_uri,
                "code_verifier": code_verifier,
            },
            # RFC 6749 §2.3.1: id and secret are form-urlencoded before Basic; httpx's
            # BasicAuth does not, so build the header ourselves.
            headers={"Authorization": _basic_auth(config.client_id, config.client_secret)},
            timeout=HTTP_TIMEOUT_SECONDS,
        )
    except httpx.HTTPError as exc:
        raise ProviderUnavailable(
            "provider_unreachable", f"token endpoint: {type(exc).__name__}"
        ) from exc
    try:
        body = response.json()
    except ValueError:
        body = {}
    if response.status_code != 200:
        if response.status_code == 400 and isinstance(body, dict) and body.get("error"):
            # invalid_grant and friends: the code is used, expired or not ours.
            raise OidcError(str(body["error"]), str(body.get("error_description", "")))
        raise ProviderUnavailable(
            "provider_error", f"token endpoint answered HTTP {response.status_code}"
        )
    if not isinstance(body, dict) or not body.get("id_token") or not body.get("access_token"):
        raise OidcError(
            "invalid_token_response", "the token response has no id_token or access_token"
        )
    if str(body.get("token_type", "")).lower() != "bearer":
        raise OidcError("invalid_token_response", "the access token is not a Bearer token")
    return body


def _basic_auth(client_id: str, client_secret: str) -> str:
    raw = f"{quote(client_id, safe='')}:{quote(client_secret, safe='')}".encode()
    return "Basic " + base64.b64encode(raw).decode("ascii")


def fetch_userinfo(access_token: str, *, expected_sub: str) -> dict[str, Any]:
    metadata = load_discovery()
    endpoint = metadata.get("userinfo_endpoint")
    if not endpoint:
        return {}
    claims = _get_json(endpoint, headers={"Authorization": f"Bearer {access_token}"})
    # Core §5.3.2: a userinfo answer about someone else must be thrown away (token substitution).
    if not isinstance(claims, dict) or claims.get("sub") != expected_sub:
        raise OidcError(
            "userinfo_sub_mismatch", "userinfo is about another subject than the ID token"
        )
    return claims


def end_session_url(*, id_token: str, post_logout_redirect_uri: str, state: str) -> str | None:
    """Where to send the browser for RP-initiated logout, or None when the provider offers none."""
    endpoint = load_discovery().get("end_session_endpoint")
    if not endpoint:
        return None
    params = {
        "id_token_hint": id_token,
        "post_logout_redirect_uri": post_logout_redirect_uri,
        "client_id": client_settings().client_id,
        "state": state,
    }
    separator = "&" if "?" in endpoint else "?"
    return f"{endpoint}{separator}{urlencode(params)}"


# --- Token validation -------------------------------------------------------------------


def _verified_claims(
    token: str, jwks: dict[str, Any] | None
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Check the JWS signature against the provider's keys; return (header, claims).

    With ``jwks`` given only those keys are tried (tests). Otherwise a key we do not know
    makes us fetch the key set again, since the provider may have rotated its key after we
    cached it; at most once per half minute, so that forged tokens posted in a loop cannot
    make us hammer the provider.
    """
    if jwks is not None:
        return _verify_with(token, jwks)
    try:
        return _verify_with(token, load_jwks())
    except _UnknownKeyError:
        if not cache.add(f"{_CACHE_PREFIX}:jwks-refreshed", 1, 30):
            raise
        return _verify_with(token, load_jwks(refresh=True))


class _UnknownKeyError(OidcError):
    # jwcrypto says "no key found" both for an unknown kid and for a signature no key of
    # the set verifies (a forged token carrying the provider's kid): one message for both.
    def __init__(self) -> None:
        super().__init__("invalid_token", "no key the provider publishes verifies the signature")


def _verify_with(token: str, keys: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    try:
        key_set = jwk.JWKSet.from_json(json.dumps(keys))
        parsed = jwt.JWT(
            jwt=token,
            key=key_set,
            algs=SIGNING_ALGORITHMS,
            expected_type="JWS",
            # Claims are checked afterwards, one by one, so each failure has its own message.
            check_claims=False,
        )
    except jwt.JWTMissingKey as exc:
        raise _UnknownKeyError() from exc
    except (JWException, ValueError, TypeError) as exc:
        # ValueError/TypeError: not a compact JWS at all, or a key set we cannot read.
        raise OidcError("invalid_token", f"signature not valid ({type(exc).__name__})") from exc
    try:
        header = json.loads(parsed.header)
        claims = json.loads(parsed.claims)
    except ValueError as exc:
        raise OidcError("invalid_token", "header or claims are not JSON") from exc
    if not isinstance(claims, dict) or not isinstance(header, dict):
        raise OidcError("invalid_token", "claims are not a JSON object")
    return header, claims


def _check_common_claims(claims: dict[str, Any], *, now: float) -> None:
    """iss, aud, azp, exp, iat: the checks an ID token and a logout token share."""
    config = client_settings()
    if claims.get("iss") != config.issuer:
        raise OidcError("invalid_issuer", "the token was not issued by the national portal")
    audience = claims.get("aud")
    audiences = audience if isinstance(audience, list) else [audience]
    if config.client_id not in audiences:
        raise OidcError("invalid_audience", "the token is not meant for this portal")
    # Core §3.1.3.7 (3, 4): a token for several audiences must say who it was issued to.
    if len(audiences) > 1 and claims.get("azp") != config.client_id:
        raise OidcError("invalid_audience", "azp does not name this portal")
    if "azp" in claims and claims["azp"] != config.client_id:
        raise OidcError("invalid_audience", "azp does not name this portal")
    iat = claims.get("iat")
    if not isinstance(iat, int | float) or isinstance(iat, bool):
        raise OidcError("invalid_token", "iat is missing")
    if iat > now + CLOCK_SKEW_SECONDS:
        raise OidcError("invalid_token", "iat is in the future")
    exp = claims.get("exp")
    if exp is not None and (not isinstance(exp, int | float) or exp < now - CLOCK_SKEW_SECONDS):
        raise OidcError("token_expired", "the token has expired")


def validate_id_token(
    id_token: str,
    *,
    nonce: str,
    access_token: str | None = None,
    jwks: dict[str, Any] | None = None,
    now: float | None = None,
) -> dict[str, Any]:
    """The claims of a valid ID token (Core §3.1.3.7), or OidcError."""
    now = time.time() if now is None else now
    header, claims = _verified_claims(id_token, jwks)
    _check_common_claims(claims, now=now)
    if claims.get("exp") is None:
        raise OidcError("invalid_token", "exp is missing")
    if not isinstance(claims.get("sub"), str) or not claims["sub"]:
        raise OidcError("invalid_token", "sub is missing")
    # The nonce ties the token to this browser's request: a token stolen from another
    # sign-in and injected into our callback carries a different one.
    token_nonce = claims.get("nonce")
    if not isinstance(token_nonce, str) or not hmac.compare_digest(token_nonce, nonce):
        raise OidcError("invalid_nonce", "the nonce does not match this sign-in")
    # Core §3.3.2.11: the access token beside the ID token must be the one it was issued with.
    if (
        access_token is not None
        and "at_hash" in claims
        and claims["at_hash"] != _left_half_hash(access_token, header.get("alg", ""))
    ):
        raise OidcError("invalid_token", "at_hash does not match the access token")
    return claims


def _left_half_hash(value: str, alg: str) -> str:
    bits = {"RS256": 256, "RS384": 384, "RS512": 512}.get(alg, 256)
    digest = hashlib.new(f"sha{bits}", value.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest[: len(digest) // 2]).rstrip(b"=").decode("ascii")


def validate_logout_token(
    logout_token: str,
    *,
    jwks: dict[str, Any] | None = None,
    now: float | None = None,
) -> dict[str, Any]:
    """The claims of a valid, first-seen logout token (Back-Channel Logout 1.0 §2.6), or OidcError."""
    now = time.time() if now is None else now
    header, claims = _verified_claims(logout_token, jwks)
    # §2.4 recommends explicit typing; a token typed as something else (an ID token, an
    # access token) must not be taken for a logout token.
    typ = header.get("typ")
    if typ is not None and str(typ).lower() not in {"logout+jwt", "application/logout+jwt", "jwt"}:
        raise OidcError("invalid_token", f"typ {typ!r} is not a logout token")
    _check_common_claims(claims, now=now)
    if claims["iat"] < now - LOGOUT_TOKEN_MAX_AGE_SECONDS:
        raise OidcError("invalid_token", "iat is too old")
    events = claims.get("events")
    if not isinstance(events, dict) or not isinstance(events.get(BACKCHANNEL_LOGOUT_EVENT), dict):
        raise OidcError("invalid_token", "events lacks the back-channel logout event")
    sid, sub = claims.get("sid"), claims.get("sub")
    if not (isinstance(sid, str) and sid) and not (isinstance(sub, str) and sub):
        raise OidcError("invalid_token", "neither sid nor sub is present")
    # A nonce is what an ID token carries: its presence means someone replays an ID token.
    if "nonce" in claims:
        raise OidcError("invalid_token", "a logout token must not carry a nonce")
    jti = claims.get("jti")
    if not isinstance(jti, str) or not jti:
        raise OidcError("invalid_token", "jti is missing")
    # Last, so that a token refused for another reason does not use up its jti. cache.add is
    # atomic ("set if absent"), so two copies posted at once cannot both pass. The entry
    # outlives the iat window, after which the age check refuses the token anyway.
    jti_digest = hashlib.sha256(f"{claims['iss']} {jti}".encode()).hexdigest()
    replay_key = f"{_CACHE_PREFIX}:jti:{jti_digest}"
    if not cache.add(replay_key, 1, LOGOUT_TOKEN_MAX_AGE_SECONDS + 2 * CLOCK_SKEW_SECONDS):
        raise OidcError("invalid_token", "this logout token was already used")
    return claims


__all__ = [
    "AuthorizationRequest",
    "OidcError",
    "ProviderUnavailable",
    "acr_for_level",
    "build_authorization_request",
    "end_session_url",
    "exchange_code",
    "fetch_userinfo",
    "level_of_acr",
    "load_discovery",
    "load_jwks",
    "validate_id_token",
    "validate_logout_token",
]
