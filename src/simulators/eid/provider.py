"""The national eID provider simulator's rules, apart from HTTP: accounts, clients, keys,
authorization requests, codes, tokens, browser sessions and faults.

It stands in for the national electronic-identity system (VNeID) as an OpenID Connect
provider: authorization code flow with PKCE (S256 only), ``client_secret_basic`` or
``client_secret_post``, RS256 ID tokens, ``acr`` = the eID level. It deliberately has nothing
to do with the portal's own accounts, sessions or OIDC provider: it runs on the same host
only for convenience, and the portal must treat it as a stranger.

Accounts are the people of the synthetic population (``simulators.registries.population_data``).
Every password is ``vneid-demo``. A PIN ending in an odd digit is an eID level-1 account, any
other level 2, so both levels can be demonstrated with real-looking people.

State lives in the Django cache, never the database: the simulator also answers from the
threads of the test server, outside the test's transaction.
"""

from __future__ import annotations

import base64
import hashlib
import os
import re
import secrets
import tempfile
import threading
import time
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

from django.conf import settings
from django.core import signing
from django.core.cache import cache
from django.utils.crypto import constant_time_compare, salted_hmac
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet, RSAKey

from simulators.registries.population_data import Person, find_person

DEMO_PASSWORD = "vneid-demo"  # noqa: S105 - the published password of every simulated account
DEFAULT_ISSUER = "http://127.0.0.1:8000/sim/eid"
DEFAULT_CLIENT_ID = "dichvucong-portal"
DEFAULT_CLIENT_SECRET = "sim-eid-secret"  # noqa: S105 - the simulator's own, refused in production
DEFAULT_REDIRECT_URIS = (
    "http://127.0.0.1:8000/tai-khoan/dang-nhap/vneid/callback/",
    "http://localhost:8000/tai-khoan/dang-nhap/vneid/callback/",
)

ACR_LEVEL_1 = "urn:vn:eid:level:1"
ACR_LEVEL_2 = "urn:vn:eid:level:2"
FAULT_MODES = ("none", "down", "bad_signature", "access_denied")

CODE_SECONDS = 60
TOKEN_SECONDS = 600
# An authorization request the person leaves half-way is forgotten after ten minutes.
PENDING_SECONDS = 600
# A sign-in at the provider lasts half an hour; a portal asking again within it gets an
# answer without the password (single sign-on), as the real provider does.
SESSION_SECONDS = 1800
STATE_SECONDS = 24 * 3600
SESSION_COOKIE = "eid_sim_session"
SESSION_COOKIE_PATH = "/sim/eid/"
_SESSION_SALT = "simulators.eid.session"
_PREFIX = "sim-eid"
MAX_PARAMETER_LENGTH = 512

# Claims released for each scope; "identity" carries the national number, which the portal
# needs to link an account, and nothing is released without the scope that names it.
SCOPE_CLAIMS: dict[str, tuple[str, ...]] = {
    "openid": (),
    "profile": ("name", "birthdate", "gender"),
    "identity": ("personal_identification_number",),
    "address": ("address",),
    "phone": ("phone_number", "phone_number_verified"),
    "email": ("email",),
}
# What the consent page says each scope shares (Vietnamese, English).
SCOPE_LABELS: dict[str, tuple[str, str]] = {
    "profile": ("Họ tên, ngày sinh, giới tính", "Name, date of birth, sex"),
    "identity": ("Số định danh cá nhân", "Personal identification number"),
    "address": ("Nơi thường trú", "Permanent address"),
    "phone": ("Số điện thoại", "Phone number"),
    "email": ("Thư điện tử", "E-mail address"),
}

_PIN = re.compile(r"[0-9]{12}")
# RFC 7636: S256 of a verifier is 32 bytes, 43 characters of unpadded base64url.
_CODE_CHALLENGE = re.compile(r"[A-Za-z0-9_-]{43}")
_CODE_VERIFIER = re.compile(r"[A-Za-z0-9._~-]{43,128}")


# --- configuration --------------------------------------------------------------------------
def issuer() -> str:
    return str(getattr(settings, "EID_ISSUER", DEFAULT_ISSUER)).rstrip("/")


@dataclass(frozen=True, slots=True)
class RegisteredClient:
    client_id: str
    client_secret: str
    redirect_uris: tuple[str, ...]
    name: str


def registered_client(client_id: str | None) -> RegisteredClient | None:
    """The one registered relying party (the portal), when ``client_id`` names it."""
    expected = str(getattr(settings, "EID_CLIENT_ID", DEFAULT_CLIENT_ID))
    if not client_id or not constant_time_compare(client_id, expected):
        return None
    return RegisteredClient(
        client_id=expected,
        client_secret=str(getattr(settings, "EID_CLIENT_SECRET", DEFAULT_CLIENT_SECRET)),
        redirect_uris=tuple(getattr(settings, "EID_SIM_REDIRECT_URIS", DEFAULT_REDIRECT_URIS)),
        name="Cổng Dịch vụ công quốc gia",
    )


def redirect_origins() -> list[str]:
    """Origins of the registered redirect URIs: where a form of ours may end up (CSP)."""
    client = registered_client(str(getattr(settings, "EID_CLIENT_ID", DEFAULT_CLIENT_ID)))
    origins = []
    for uri in client.redirect_uris if client else ():
        parts = urlsplit(uri)
        origins.append(f"{parts.scheme}://{parts.netloc}")
    return sorted(set(origins))


# --- faults ---------------------------------------------------------------------------------
def fault_mode() -> str:
    return cache.get(f"{_PREFIX}:fault", "none")


def set_fault_mode(mode: str) -> None:
    if mode not in FAULT_MODES:
        raise ValueError(f"mode must be one of {', '.join(FAULT_MODES)}")
    cache.set(f"{_PREFIX}:fault", mode, STATE_SECONDS)


# --- keys -----------------------------------------------------------------------------------
def _key_file() -> Path:
    configured = getattr(settings, "EID_SIM_KEY_FILE", None)
    return Path(configured) if configured else Path(settings.VAR_DIR) / "eid-sim-key.pem"


@lru_cache(maxsize=4)
def _load_or_create_key(path: str) -> RSAKey:
    """The signing key kept in ``path``, created there (mode 0600) on first use.

    Kept in a file, not generated per process, so that every worker of ``make run`` signs with
    the same key and a restart does not invalidate the portal's cached JWKS. Creation goes
    through a temporary file and a hard link, so two processes starting at once cannot both
    write, and none reads a half-written key.
    """
    target = Path(path)
    if not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        pem = RSAKey.generate_key(2048, private=True).as_pem(private=True)
        fd, temporary = tempfile.mkstemp(dir=target.parent, prefix=".eid-sim-key-")
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(pem)
            os.link(temporary, target)
        except FileExistsError:
            pass  # another process won the race; use its key
        finally:
            os.unlink(temporary)
    key = RSAKey.import_key(target.read_bytes())
    key.ensure_kid()
    return key


def signing_key() -> RSAKey:
    return _load_or_create_key(str(_key_file()))


_rogue_lock = threading.Lock()
_rogue_key: RSAKey | None = None


def _forged_signing_key() -> RSAKey:
    """A key not in the JWKS that claims the real key's ``kid`` (fault ``bad_signature``).

    Reusing the kid makes the forgery look right at a glance, so a relying party has to
    verify the signature itself to notice, not just fail to find the key.
    """
    global _rogue_key
    with _rogue_lock:
        if _rogue_key is None:
            _rogue_key = RSAKey.generate_key(2048, private=True)
    return _rogue_key


def public_jwks() -> dict[str, Any]:
    key = signing_key()
    public = key.as_dict(private=False)
    public.update({"kid": key.kid, "use": "sig", "alg": "RS256"})
    return {"keys": [public]}


def sign_jwt(claims: dict[str, Any]) -> str:
    key = signing_key()
    header = {"alg": "RS256", "typ": "JWT", "kid": key.kid}
    if fault_mode() == "bad_signature":
        return jwt.encode(header, claims, _forged_signing_key())
    return jwt.encode(header, claims, key)


def verify_jwt(token: str) -> dict[str, Any] | None:
    """Claims of a token this provider signed (an ``id_token_hint``), None otherwise."""
    try:
        return dict(jwt.decode(token, KeySet([signing_key()]), algorithms=["RS256"]).claims)
    except (JoseError, ValueError):  # any defect means "not ours"
        return None


# --- accounts -------------------------------------------------------------------------------
def authenticate(pin: str, password: str) -> Person | None:
    """The person whose eID account this is, when the password is right; None otherwise.

    The deceased keep no account. The password is compared in constant time all the same,
    so the answer's timing does not tell which PINs exist.
    """
    password_ok = constant_time_compare(password or "", DEMO_PASSWORD)
    if not _PIN.fullmatch(pin or ""):
        return None
    person = find_person(pin)
    if person is None or person.deceased or not password_ok:
        return None
    return person


def eid_level(pin: str) -> int:
    """The account's level: 1 for a PIN ending in an odd digit, 2 otherwise (documented)."""
    return 1 if int(pin[-1]) % 2 else 2


def acr_for(pin: str) -> str:
    return ACR_LEVEL_1 if eid_level(pin) == 1 else ACR_LEVEL_2


def subject_for(pin: str) -> str:
    """A stable, opaque ``sub``: the PIN must not become every relying party's join key."""
    digest = salted_hmac("simulators.eid.subject", pin, algorithm="sha256").digest()
    return base64.urlsafe_b64encode(digest[:20]).decode().rstrip("=")


def person_claims(person: Person, scopes: tuple[str, ...]) -> dict[str, Any]:
    """The person's claims released by ``scopes``, in OIDC's standard forms."""
    available: dict[str, Any] = {
        "name": person.full_name,
        "birthdate": person.date_of_birth.isoformat(),
        "gender": person.sex,
        "personal_identification_number": person.pin,
        "address": {"formatted": person.permanent_address, "country": "VN"},
        "email": person.email,
    }
    if person.phone:
        # OIDC wants E.164; the population data keep the national form 0xxxxxxxxx.
        available["phone_number"] = "+84" + person.phone.lstrip("0")
        available["phone_number_verified"] = True
    released: dict[str, Any] = {}
    for scope in scopes:
        for claim in SCOPE_CLAIMS.get(scope, ()):
            if available.get(claim) is not None:
                released[claim] = available[claim]
    return released


# --- authorization requests ----------------------------------------------------------------
class UntrustedRedirect(Exception):
    """Unknown client or unregistered redirect URI: answer on our own page, never redirect."""


class AuthorizationError(Exception):
    """An error to send back to the (registered) redirect URI, with the request's state."""

    def __init__(self, error: str, description: str) -> None:
        super().__init__(error)
        self.error = error
        self.description = description


@dataclass(frozen=True, slots=True)
class AuthorizationRequest:
    client_id: str
    redirect_uri: str
    scopes: tuple[str, ...]
    state: str
    nonce: str
    code_challenge: str
    prompt: str


def validate_authorization_request(params: Mapping[str, str]) -> AuthorizationRequest:
    """Check an authorization request (RFC 6749 §4.1.1, OIDC Core §3.1.2.1, RFC 7636).

    Raises ``UntrustedRedirect`` for a client or redirect URI we do not know (RFC 6749
    §4.1.2.1 forbids redirecting then), ``AuthorizationError`` for anything else.
    """
    client = registered_client(params.get("client_id"))
    redirect_uri = params.get("redirect_uri", "")
    if client is None:
        raise UntrustedRedirect("unknown client_id")
    # Exact string comparison, as OIDC requires: no prefix or pattern matching.
    if redirect_uri not in client.redirect_uris:
        raise UntrustedRedirect("redirect_uri is not registered for this client")
    if any(len(value) > MAX_PARAMETER_LENGTH for value in params.values()):
        raise AuthorizationError("invalid_request", "A parameter is too long.")
    if params.get("response_type") != "code":
        raise AuthorizationError("unsupported_response_type", "Only the code flow is supported.")
    scopes = tuple(dict.fromkeys(params.get("scope", "").split()))
    if "openid" not in scopes:
        raise AuthorizationError("invalid_scope", "The openid scope is required.")
    if not params.get("code_challenge") or params.get("code_challenge_method") != "S256":
        raise AuthorizationError(
            "invalid_request", "PKCE with code_challenge_method=S256 is required."
        )
    if not _CODE_CHALLENGE.fullmatch(params["code_challenge"]):
        raise AuthorizationError("invalid_request", "code_challenge is not an S256 challenge.")
    if not params.get("state"):
        raise AuthorizationError("invalid_request", "state is required.")
    if not params.get("nonce"):
        raise AuthorizationError("invalid_request", "nonce is required.")
    prompt = params.get("prompt", "")
    if prompt not in ("", "login", "consent", "none"):
        raise AuthorizationError("invalid_request", "Unsupported prompt value.")
    return AuthorizationRequest(
        client_id=client.client_id,
        redirect_uri=redirect_uri,
        # Unknown scopes are ignored, as OIDC asks; only known ones are ever released.
        scopes=tuple(scope for scope in scopes if scope in SCOPE_CLAIMS),
        state=params["state"],
        nonce=params["nonce"],
        code_challenge=params["code_challenge"],
        prompt=prompt,
    )


def authorization_response_url(redirect_uri: str, parameters: dict[str, str]) -> str:
    """``redirect_uri`` with the response added; ``iss`` too, per RFC 9207 (mix-up defence)."""
    separator = "&" if "?" in redirect_uri else "?"
    return redirect_uri + separator + urlencode({**parameters, "iss": issuer()})


def save_pending(session_id: str, request: AuthorizationRequest) -> str:
    """Remember a request across the login and consent pages; the id goes in their URLs."""
    request_id = secrets.token_urlsafe(24)
    cache.set(
        f"{_PREFIX}:request:{request_id}",
        {"sid": session_id, "request": asdict(request)},
        PENDING_SECONDS,
    )
    return request_id


def load_pending(request_id: str, session_id: str | None) -> AuthorizationRequest | None:
    """The pending request, only for the browser session that started it."""
    if not request_id or not session_id:
        return None
    record = cache.get(f"{_PREFIX}:request:{request_id}")
    if not isinstance(record, dict) or not constant_time_compare(record["sid"], session_id):
        return None
    data = record["request"]
    return AuthorizationRequest(**{**data, "scopes": tuple(data["scopes"])})


def rebind_pending(request_id: str, session_id: str) -> None:
    """Hand a pending request to the browser's new session id (rotated at sign-in)."""
    record = cache.get(f"{_PREFIX}:request:{request_id}")
    if isinstance(record, dict):
        record["sid"] = session_id
        cache.set(f"{_PREFIX}:request:{request_id}", record, PENDING_SECONDS)


def drop_pending(request_id: str) -> None:
    cache.delete(f"{_PREFIX}:request:{request_id}")


# --- browser sessions -----------------------------------------------------------------------
# The cookie holds only a signed random id; who signed in stays on the server, so a copied
# cookie reveals nothing and signing out ends the session everywhere.
def new_session() -> tuple[str, dict[str, Any]]:
    session_id = secrets.token_urlsafe(32)
    record: dict[str, Any] = {"csrf": secrets.token_urlsafe(32), "pin": None, "auth_time": None}
    save_session(session_id, record)
    return session_id, record


def save_session(session_id: str, record: dict[str, Any]) -> None:
    cache.set(f"{_PREFIX}:session:{session_id}", record, SESSION_SECONDS)


def load_session(cookie_value: str | None) -> tuple[str, dict[str, Any]] | None:
    if not cookie_value:
        return None
    try:
        session_id = signing.loads(cookie_value, salt=_SESSION_SALT, max_age=SESSION_SECONDS)["sid"]
    except (signing.BadSignature, KeyError, TypeError):
        return None
    record = cache.get(f"{_PREFIX}:session:{session_id}")
    return (session_id, record) if isinstance(record, dict) else None


def end_session(session_id: str) -> None:
    cache.delete(f"{_PREFIX}:session:{session_id}")


def session_cookie_value(session_id: str) -> str:
    return signing.dumps({"sid": session_id}, salt=_SESSION_SALT)


# --- codes and tokens -----------------------------------------------------------------------
class TokenError(Exception):
    """An error of the token endpoint (RFC 6749 §5.2)."""

    def __init__(self, error: str, description: str, *, status: int = 400) -> None:
        super().__init__(error)
        self.error = error
        self.description = description
        self.status = status


def issue_code(request: AuthorizationRequest, *, pin: str, auth_time: int) -> str:
    code = secrets.token_urlsafe(32)
    cache.set(
        f"{_PREFIX}:code:{code}",
        {**asdict(request), "pin": pin, "auth_time": auth_time},
        CODE_SECONDS,
    )
    return code


def _s256(verifier: str) -> str:
    return base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).decode().rstrip("=")


def redeem_code(
    *, code: str, client: RegisteredClient, redirect_uri: str, code_verifier: str
) -> dict[str, Any]:
    """Exchange a code, once, for an ID token and an access token (the token response).

    A second use of a code is an attack or a bug: it is refused, and the access token the
    first use obtained is revoked (RFC 6749 §4.1.2).
    """
    if not code or len(code) > MAX_PARAMETER_LENGTH:
        raise TokenError("invalid_grant", "The code is missing.")
    # cache.add is atomic (locmem and Redis): of two concurrent redemptions, one wins.
    if not cache.add(f"{_PREFIX}:code-used:{code}", True, CODE_SECONDS * 2):
        issued = cache.get(f"{_PREFIX}:code-token:{code}")
        if issued:
            cache.delete(f"{_PREFIX}:access:{issued}")
        raise TokenError("invalid_grant", "The code has already been used.")
    record = cache.get(f"{_PREFIX}:code:{code}")
    cache.delete(f"{_PREFIX}:code:{code}")
    if not isinstance(record, dict):
        raise TokenError("invalid_grant", "The code is unknown or expired.")
    if record["client_id"] != client.client_id or record["redirect_uri"] != redirect_uri:
        raise TokenError("invalid_grant", "The code was issued to another client or redirect_uri.")
    if not _CODE_VERIFIER.fullmatch(code_verifier or "") or not constant_time_compare(
        _s256(code_verifier), record["code_challenge"]
    ):
        raise TokenError("invalid_grant", "PKCE verification failed.")
    person = find_person(record["pin"])
    if person is None or person.deceased:
        raise TokenError("invalid_grant", "The account no longer exists.")

    scopes = tuple(record["scopes"])
    now = int(time.time())
    access_token = secrets.token_urlsafe(32)
    cache.set(
        f"{_PREFIX}:access:{access_token}",
        {"pin": person.pin, "scopes": list(scopes), "client_id": client.client_id},
        TOKEN_SECONDS,
    )
    cache.set(f"{_PREFIX}:code-token:{code}", access_token, CODE_SECONDS * 2)
    id_token = sign_jwt(
        {
            "iss": issuer(),
            "sub": subject_for(person.pin),
            "aud": client.client_id,
            "iat": now,
            "exp": now + TOKEN_SECONDS,
            "auth_time": record["auth_time"],
            "nonce": record["nonce"],
            "acr": acr_for(person.pin),
            "amr": ["pwd"],
            # The identity travels signed in the ID token, so the portal can keep the
            # provider's signed word for the PIN it links, not an unsigned userinfo answer.
            **person_claims(person, scopes),
        }
    )
    return {
        "access_token": access_token,
        "token_type": "Bearer",
        "expires_in": TOKEN_SECONDS,
        "scope": " ".join(scopes),
        "id_token": id_token,
    }


def userinfo_for(access_token: str) -> dict[str, Any] | None:
    """The claims an access token may read, or None for an unknown or expired token."""
    if not access_token or len(access_token) > MAX_PARAMETER_LENGTH:
        return None
    record = cache.get(f"{_PREFIX}:access:{access_token}")
    if not isinstance(record, dict):
        return None
    person = find_person(record["pin"])
    if person is None or person.deceased:
        return None
    return {"sub": subject_for(person.pin), **person_claims(person, tuple(record["scopes"]))}


def discovery_document() -> dict[str, Any]:
    base = issuer()
    return {
        "issuer": base,
        "authorization_endpoint": f"{base}/authorize",
        "token_endpoint": f"{base}/token",
        "userinfo_endpoint": f"{base}/userinfo",
        "jwks_uri": f"{base}/jwks",
        "end_session_endpoint": f"{base}/logout",
        "response_types_supported": ["code"],
        "response_modes_supported": ["query"],
        "grant_types_supported": ["authorization_code"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
        "code_challenge_methods_supported": ["S256"],
        "scopes_supported": list(SCOPE_CLAIMS),
        "claims_supported": sorted(
            {"sub", "iss", "aud", "exp", "iat", "auth_time", "nonce", "acr", "amr"}
            | {claim for claims in SCOPE_CLAIMS.values() for claim in claims}
        ),
        "acr_values_supported": [ACR_LEVEL_1, ACR_LEVEL_2],
        "prompt_values_supported": ["none", "login", "consent"],
        "authorization_response_iss_parameter_supported": True,
        "ui_locales_supported": ["vi", "en"],
    }
