"""Federation with the national electronic-identity provider (VNeID), an OpenID Connect provider (B3).

Two calls make a sign-in, one on each leg of the browser's round trip:

* ``start_login(redirect_uri)`` gives the provider's authorization URL and the secrets the
  caller keeps in the person's session (state, nonce, PKCE verifier).
* ``complete_login(...)`` checks the callback against those secrets, exchanges the code
  (Authlib), validates the ID token (joserfc: signature against the provider's JWKS, iss,
  aud, exp, iat, nonce) and returns the ``EidIdentity`` the provider vouches for.

The identity is read from the signed ID token, not from the unsigned userinfo answer: the
portal links accounts by the personal identification number, and wants the provider's
signature on it. Every failure is one ``EidError`` with a machine-readable ``code``; logs
carry that code, never the number, the name or any token.

Discovery and the JWKS are cached briefly (``METADATA_CACHE_SECONDS``); a token signed by an
unknown ``kid`` refreshes the JWKS once, so a key rotation at the provider costs no outage.
Settings: ``EID_ISSUER``, ``EID_CLIENT_ID``, ``EID_CLIENT_SECRET``, ``EID_TIMEOUT_SECONDS``.
"""

from __future__ import annotations

import hashlib
import logging
import re
import secrets
import warnings
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import httpx
from authlib.common.security import generate_token
from authlib.deprecate import AuthlibDeprecationWarning
from authlib.integrations.base_client.errors import OAuthError
from django.conf import settings
from django.core.cache import cache
from django.utils.crypto import constant_time_compare
from joserfc import jwt
from joserfc.errors import InvalidKeyIdError, JoseError
from joserfc.jwk import KeySet
from prometheus_client import Counter

with warnings.catch_warnings():
    # Authlib 1.9 prefers the "httpx2" distribution and warns when it falls back to httpx;
    # httpx is what this project pins, and the client API is the same.
    warnings.simplefilter("ignore", AuthlibDeprecationWarning)
    from authlib.integrations.httpx_client import OAuth2Client

logger = logging.getLogger(__name__)

DEFAULT_ISSUER = "http://127.0.0.1:8000/sim/eid"
DEFAULT_CLIENT_ID = "dichvucong-portal"
DEFAULT_TIMEOUT_SECONDS = 5.0
METADATA_CACHE_SECONDS = 300
# What the portal needs to find or open an account, and nothing more (data minimisation):
# no phone or e-mail, which the person confirms with the portal itself.
SCOPES = "openid profile identity address"
# Clocks of two government data centres still drift a little.
CLOCK_SKEW_SECONDS = 60
ACR_LEVELS = {"urn:vn:eid:level:1": 1, "urn:vn:eid:level:2": 2}
_PIN = re.compile(r"[0-9]{12}")
_SEX = {"male": "male", "female": "female", "nam": "male", "nu": "female", "nữ": "female"}

FEDERATION_LOGINS = Counter(
    "dvc_eid_logins_total",
    "Sign-ins through the national eID provider completed by the portal, by outcome.",
    ["outcome"],
)


class EidError(Exception):
    """The sign-in through the eID provider failed. ``code`` says why:

    ``state_mismatch``: the callback does not answer the request this browser started;
    ``access_denied``: the person or the provider declined;
    ``invalid_id_token``: the ID token failed validation (signature, issuer, audience, time,
    nonce, claims);
    ``provider_unavailable``: the provider did not answer usefully (try again later);
    ``token_exchange_failed``: the provider refused the code (expired, reused, wrong verifier).
    """

    CODES = frozenset(
        {
            "state_mismatch",
            "access_denied",
            "invalid_id_token",
            "provider_unavailable",
            "token_exchange_failed",
        }
    )

    def __init__(self, code: str, detail: str = "") -> None:
        if code not in self.CODES:
            raise ValueError(f"unknown EidError code {code!r}")
        super().__init__(f"{code}: {detail}" if detail else code)
        self.code = code
        self.detail = detail


@dataclass(frozen=True, slots=True)
class EidLoginStart:
    """Where to send the browser, and what the caller must keep in the session until the callback."""

    authorization_url: str
    state: str
    nonce: str
    code_verifier: str = field(repr=False)


@dataclass(frozen=True, slots=True)
class EidIdentity:
    """The person the eID provider vouches for. Personal fields stay out of ``repr`` (logs)."""

    pin: str = field(repr=False)
    full_name: str = field(repr=False)
    date_of_birth: date | None = field(repr=False)
    sex: str = field(repr=False)
    address: str = field(repr=False)
    eid_level: int
    subject: str


# --- configuration and provider metadata ------------------------------------------------------
def _issuer() -> str:
    return str(getattr(settings, "EID_ISSUER", DEFAULT_ISSUER)).rstrip("/")


def _client_id() -> str:
    return str(getattr(settings, "EID_CLIENT_ID", DEFAULT_CLIENT_ID))


def _timeout() -> float:
    return float(getattr(settings, "EID_TIMEOUT_SECONDS", DEFAULT_TIMEOUT_SECONDS))


def _cache_key(kind: str, url: str) -> str:
    # Hashed: cache keys must be short and free of the URL's punctuation.
    return f"dvc:eid:{kind}:{hashlib.sha256(url.encode()).hexdigest()[:32]}"


def _get_json(url: str) -> dict[str, Any]:
    try:
        response = httpx.get(url, timeout=_timeout(), headers={"Accept": "application/json"})
    except httpx.HTTPError as exc:
        raise EidError("provider_unavailable", f"{type(exc).__name__} fetching metadata") from exc
    if response.status_code != 200:
        raise EidError("provider_unavailable", f"metadata answered {response.status_code}")
    try:
        body = response.json()
    except ValueError as exc:
        raise EidError("provider_unavailable", "metadata is not JSON") from exc
    if not isinstance(body, dict):
        raise EidError("provider_unavailable", "metadata is not a JSON object")
    return body


_REQUIRED_METADATA = ("issuer", "authorization_endpoint", "token_endpoint", "jwks_uri")


def provider_metadata() -> dict[str, Any]:
    """The provider's discovery document, checked and cached for ``METADATA_CACHE_SECONDS``."""
    issuer = _issuer()
    key = _cache_key("discovery", issuer)
    metadata = cache.get(key)
    if metadata is None:
        metadata = _get_json(f"{issuer}/.well-known/openid-configuration")
        if not all(isinstance(metadata.get(name), str) for name in _REQUIRED_METADATA):
            raise EidError("provider_unavailable", "discovery document is incomplete")
        # OIDC Discovery §4.3: the document must name exactly the issuer we asked, or an
        # attacker who controls it could point us at their own endpoints and keys.
        if metadata["issuer"].rstrip("/") != issuer:
            raise EidError("provider_unavailable", "discovery document names another issuer")
        cache.set(key, metadata, METADATA_CACHE_SECONDS)
    return metadata


def _provider_keys(jwks_uri: str, *, refresh: bool = False) -> KeySet:
    key = _cache_key("jwks", jwks_uri)
    document = None if refresh else cache.get(key)
    if document is None:
        document = _get_json(jwks_uri)
        cache.set(key, document, METADATA_CACHE_SECONDS)
    try:
        return KeySet.import_key_set(document)
    except (JoseError, ValueError, TypeError, KeyError) as exc:
        raise EidError("provider_unavailable", "JWKS cannot be read") from exc


# --- the two legs of a sign-in ----------------------------------------------------------------
def _oauth_client(redirect_uri: str) -> OAuth2Client:
    return OAuth2Client(
        client_id=_client_id(),
        client_secret=str(getattr(settings, "EID_CLIENT_SECRET", "")),
        token_endpoint_auth_method="client_secret_basic",  # noqa: S106 - a method name, not a secret
        scope=SCOPES,
        redirect_uri=redirect_uri,
        code_challenge_method="S256",
        timeout=_timeout(),
        follow_redirects=False,
    )


def start_login(redirect_uri: str) -> EidLoginStart:
    """Begin a sign-in: the provider's authorization URL (code flow, PKCE S256) and its secrets.

    The caller keeps ``state``, ``nonce`` and ``code_verifier`` in the person's session and
    hands them back to ``complete_login``. Raises ``EidError("provider_unavailable")`` when
    the provider's metadata cannot be had.
    """
    metadata = provider_metadata()
    state = secrets.token_urlsafe(32)
    nonce = secrets.token_urlsafe(32)
    code_verifier = generate_token(64)  # RFC 7636: 43–128 unreserved characters
    with _oauth_client(redirect_uri) as client:
        url, _ = client.create_authorization_url(
            metadata["authorization_endpoint"],
            state=state,
            code_verifier=code_verifier,
            nonce=nonce,
        )
    return EidLoginStart(
        authorization_url=url, state=state, nonce=nonce, code_verifier=code_verifier
    )


# Errors an authorization response may carry (RFC 6749 §4.1.2.1, OIDC Core §3.1.2.6), by meaning.
_DECLINED = frozenset(
    {
        "access_denied",
        "login_required",
        "consent_required",
        "interaction_required",
        "account_selection_required",
    }
)
_PROVIDER_TROUBLE = frozenset({"server_error", "temporarily_unavailable"})


def complete_login(
    *,
    redirect_uri: str,
    code: str,
    state: str,
    expected_state: str,
    nonce: str,
    code_verifier: str,
    error: str | None = None,
) -> EidIdentity:
    """Finish a sign-in from the provider's callback and return whom it vouches for.

    ``code``, ``state`` and (if present) ``error`` come from the callback's query string;
    ``expected_state``, ``nonce`` and ``code_verifier`` from the session that ``start_login``
    filled. The state is checked first, also for error answers, so that a forged callback
    cannot even make the portal show a misleading message. Raises ``EidError``.
    """
    try:
        identity = _complete_login(
            redirect_uri=redirect_uri,
            code=code,
            state=state,
            expected_state=expected_state,
            nonce=nonce,
            code_verifier=code_verifier,
            error=error,
        )
    except EidError as exc:
        FEDERATION_LOGINS.labels(outcome=exc.code).inc()
        logger.warning("eID sign-in failed", extra={"code": exc.code, "reason": exc.detail})
        raise
    FEDERATION_LOGINS.labels(outcome="success").inc()
    logger.info("eID sign-in completed", extra={"eid_level": identity.eid_level})
    return identity


def _complete_login(
    *,
    redirect_uri: str,
    code: str,
    state: str,
    expected_state: str,
    nonce: str,
    code_verifier: str,
    error: str | None,
) -> EidIdentity:
    if not state or not expected_state or not constant_time_compare(state, expected_state):
        raise EidError("state_mismatch")
    if error:
        if error in _DECLINED:
            raise EidError("access_denied", error)
        if error in _PROVIDER_TROUBLE:
            raise EidError("provider_unavailable", error)
        raise EidError("token_exchange_failed", "provider answered with an error")
    if not code:
        raise EidError("token_exchange_failed", "callback carries no code")

    metadata = provider_metadata()
    try:
        with _oauth_client(redirect_uri) as client:
            token = client.fetch_token(
                metadata["token_endpoint"],
                grant_type="authorization_code",
                code=code,
                code_verifier=code_verifier,
                redirect_uri=redirect_uri,
            )
    except OAuthError as exc:
        raise EidError("token_exchange_failed", str(exc.error)) from exc
    except httpx.HTTPStatusError as exc:
        status = exc.response.status_code
        raise EidError(
            "provider_unavailable" if status >= 500 else "token_exchange_failed",
            f"token endpoint answered {status}",
        ) from exc
    except httpx.HTTPError as exc:
        raise EidError(
            "provider_unavailable", f"{type(exc).__name__} at the token endpoint"
        ) from exc
    except ValueError as exc:  # a 2xx answer that is not a JSON object
        raise EidError("provider_unavailable", "token answer is not JSON") from exc

    id_token = token.get("id_token")
    if not isinstance(id_token, str) or not id_token:
        raise EidError("invalid_id_token", "token answer carries no id_token")
    claims = _validated_claims(id_token, metadata=metadata, nonce=nonce)
    return _identity_from(claims)


def _validated_claims(id_token: str, *, metadata: dict[str, Any], nonce: str) -> dict[str, Any]:
    """The ID token's claims after OIDC Core §3.1.3.7 validation; ``invalid_id_token`` otherwise."""
    jwks_uri = metadata["jwks_uri"]
    try:
        try:
            decoded = jwt.decode(id_token, _provider_keys(jwks_uri), algorithms=["RS256"])
        except InvalidKeyIdError:
            # An unknown kid may mean the provider rotated its key since we cached the JWKS.
            decoded = jwt.decode(
                id_token, _provider_keys(jwks_uri, refresh=True), algorithms=["RS256"]
            )
        client_id = _client_id()
        registry = jwt.JWTClaimsRegistry(
            leeway=CLOCK_SKEW_SECONDS,
            iss={"essential": True, "value": metadata["issuer"]},
            aud={"essential": True, "value": client_id},
            sub={"essential": True},
            exp={"essential": True},
            iat={"essential": True},
            nonce={"essential": True, "value": nonce},
            acr={"essential": True, "values": list(ACR_LEVELS)},
        )
        registry.validate(decoded.claims)
    except JoseError as exc:
        raise EidError("invalid_id_token", type(exc).__name__) from exc
    except ValueError as exc:
        raise EidError("invalid_id_token", "token cannot be decoded") from exc
    claims = dict(decoded.claims)
    audience = claims["aud"]
    # With several audiences, the party the token was issued for must be us (OIDC Core 3.1.3.7).
    if isinstance(audience, list) and len(audience) > 1 and claims.get("azp") != client_id:
        raise EidError("invalid_id_token", "azp does not name this client")
    return claims


def _identity_from(claims: dict[str, Any]) -> EidIdentity:
    pin = claims.get("personal_identification_number")
    if not isinstance(pin, str) or not _PIN.fullmatch(pin):
        raise EidError("invalid_id_token", "personal_identification_number missing or malformed")
    full_name = claims.get("name")
    if not isinstance(full_name, str) or not full_name.strip():
        raise EidError("invalid_id_token", "name missing")
    date_of_birth = None
    if isinstance(claims.get("birthdate"), str):
        try:
            date_of_birth = date.fromisoformat(claims["birthdate"])
        except ValueError as exc:
            raise EidError("invalid_id_token", "birthdate is not a date") from exc
    address = claims.get("address")
    if isinstance(address, dict):  # OIDC's address claim is an object; "formatted" is the line
        address = address.get("formatted")
    return EidIdentity(
        pin=pin,
        full_name=full_name.strip(),
        date_of_birth=date_of_birth,
        sex=_SEX.get(str(claims.get("gender", "")).strip().lower(), ""),
        address=address.strip() if isinstance(address, str) else "",
        eid_level=ACR_LEVELS[claims["acr"]],
        subject=str(claims["sub"]),
    )
