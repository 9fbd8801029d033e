"""Who is calling, on every call (H2): OAuth 2.0 client credentials with ``private_key_jwt``.

**Members calling the portal.** A member's system signs a client assertion (RFC 7523) with
a key it registered and posts it to ``/api/v1/lien-thong/token``; :func:`issue_token`
answers a bearer token for five minutes, scoped to the message types that system may send.
Every message call carries it, and :func:`authenticate` checks it again on each call
against the registry: a member suspended or a key revoked is refused at once, whatever
token it still holds.

**The portal calling members.** :func:`bearer_for` gets a token from the member system's
token endpoint the same way, signed by the portal's key, and keeps it until shortly before
it expires (:func:`forget_bearer` when the member says it is no longer good).

Mutual TLS may be required in front of both (docs/exchange.md); it adds to this, it does
not replace it.
"""

from __future__ import annotations

import logging
import re
import time
from dataclasses import dataclass

import httpx
from django.conf import settings
from django.core.cache import cache
from django.urls import reverse
from jwcrypto import jwk

from dichvucong.exchange import protocol
from dichvucong.exchange.constants import KeyStatus, MemberStatus, Refusal
from dichvucong.exchange.envelope import MessageRefused
from dichvucong.exchange.keys import portal_key
from dichvucong.exchange.models import Member, MemberKey, MemberSystem

logger = logging.getLogger(__name__)
_BEARER_TOKEN = re.compile(r"[A-Za-z0-9\-._~+/]+=*")  # RFC 6750 b64token, at most 4 KB below


class TokenRefused(Exception):
    """An OAuth error (RFC 6749 §5.2): ``error`` and the HTTP status to answer with."""

    def __init__(self, error: str, status: int = 400, detail: str = "") -> None:
        super().__init__(f"{error}: {detail}" if detail else error)
        self.error, self.status, self.detail = error, status, detail


@dataclass(frozen=True)
class Caller:
    """An authenticated member system, and the message types its token lets it send."""

    member: Member
    system: MemberSystem
    key: MemberKey
    scope: frozenset[str]


def token_audiences(request_url: str) -> set[str]:
    """The names the token endpoint answers to: the configured public one and the one called."""
    return {settings.PUBLIC_BASE_URL.rstrip("/") + reverse("api-exchange-token"), request_url.split("?")[0]}


def issue_token(form: dict[str, str], *, audiences: set[str]) -> dict:
    if form.get("grant_type") != "client_credentials":
        raise TokenRefused("unsupported_grant_type")
    if form.get("client_assertion_type") != protocol.CLIENT_ASSERTION_TYPE or not form.get("client_assertion"):
        raise TokenRefused("invalid_request", detail="a private_key_jwt client assertion")
    assertion = form["client_assertion"]
    try:
        kid = protocol.unverified_kid(assertion)
    except protocol.ProtocolError as error:
        raise TokenRefused("invalid_client", 401, "header") from error
    key = MemberKey.objects.select_related("system__member").filter(kid=kid).first()
    if key is None or key.status != KeyStatus.ACTIVE or key.system.member.status != MemberStatus.ACTIVE:
        logger.warning("exchange token refused", extra={"kid": kid[:100], "reason": "key or member not active"})
        raise TokenRefused("invalid_client", 401, "key")
    member = key.system.member
    if form.get("client_id", member.code) != member.code:
        raise TokenRefused("invalid_client", 401, "client_id")
    try:
        claims = protocol.verify_client_assertion(assertion, key=jwk.JWK(**key.public_jwk), audience=audiences,
                                                  client_id=member.code)
    except protocol.ProtocolError as error:
        logger.warning("exchange token refused", extra={"kid": kid[:100], "reason": error.detail})
        raise TokenRefused("invalid_client", 401, error.detail) from error
    # An assertion is good once: kept until it would have expired anyway.
    ttl = max(int(claims["exp"] - time.time()) + protocol.MAX_CLOCK_SKEW_SECONDS, 1)
    if not cache.add(f"exchange:assertion:{member.code}:{claims['jti'][:100]}", 1, timeout=ttl):
        raise TokenRefused("invalid_client", 401, "assertion replayed")
    allowed = [t for t in (key.system.may_send or []) if key.system.may("send", t)]
    requested = set(form.get("scope", "").split())
    if requested - set(allowed):
        raise TokenRefused("invalid_scope", detail="the system may not send " + " ".join(sorted(requested - set(allowed))))
    scope = sorted(requested) if requested else allowed
    token = protocol.access_token(issuer=settings.EXCHANGE_PORTAL_CODE, subject=member.code, scope=scope,
                                  key=portal_key(), key_id=key.kid)
    return {"access_token": token, "token_type": "Bearer", "expires_in": protocol.ACCESS_TOKEN_SECONDS,
            "scope": " ".join(scope)}


def authenticate(authorization: str | None) -> Caller:
    """The caller of a message call; :class:`MessageRefused` (``invalid_token``,
    ``key_revoked``, ``sender_suspended``) if the token, its key or its member is not good now."""
    try:
        claims = protocol.verify_access_token(protocol.bearer(authorization), key=portal_key(),
                                              issuer=settings.EXCHANGE_PORTAL_CODE)
    except protocol.ProtocolError as error:
        raise MessageRefused(Refusal.INVALID_TOKEN, error.detail) from error
    key = MemberKey.objects.select_related("system__member").filter(kid=str(claims.get("cnf_kid", ""))).first()
    if key is None or key.system.member.code != claims["sub"]:
        raise MessageRefused(Refusal.INVALID_TOKEN, "the token's key")
    seen = {"kid": key.kid, "sender": key.system.member.code}
    if key.status != KeyStatus.ACTIVE:
        raise MessageRefused(Refusal.KEY_REVOKED, **seen)
    if key.system.member.status != MemberStatus.ACTIVE:
        raise MessageRefused(Refusal.SENDER_SUSPENDED, **seen)
    return Caller(member=key.system.member, system=key.system, key=key,
                  scope=frozenset(str(claims.get("scope", "")).split()))


# --- the portal as a client of its members ---------------------------------------------------
def _cache_key(system: MemberSystem) -> str:
    return f"exchange:bearer:{system.pk}"


def bearer_for(system: MemberSystem, *, timeout: float) -> str:
    """A token for calling ``system``; :class:`TokenRefused` (``temporarily_unavailable`` for
    a transport error) if its token endpoint does not give one."""
    cached = cache.get(_cache_key(system))
    if cached:
        return cached
    if not system.token_endpoint:
        raise TokenRefused("invalid_client", detail="no token endpoint registered")
    assertion = protocol.client_assertion(client_id=settings.EXCHANGE_PORTAL_CODE, audience=system.token_endpoint,
                                          key=portal_key())
    try:
        answer = httpx.post(system.token_endpoint, timeout=timeout, data={
            "grant_type": "client_credentials", "client_assertion_type": protocol.CLIENT_ASSERTION_TYPE,
            "client_assertion": assertion,
        })
    except (httpx.HTTPError, httpx.InvalidURL) as error:
        raise TokenRefused("temporarily_unavailable", 503, type(error).__name__) from error
    try:
        body = answer.json()
    except ValueError:
        body = {}
    body = body if isinstance(body, dict) else {}
    token = body.get("access_token")
    if answer.status_code != 200 or not isinstance(token, str) or len(token) > 4096 or \
            not _BEARER_TOKEN.fullmatch(token):
        raise TokenRefused(str(body.get("error") or "temporarily_unavailable")[:60], answer.status_code)
    lifetime = body.get("expires_in") if type(body.get("expires_in")) is int else protocol.ACCESS_TOKEN_SECONDS
    # Kept at most as long as our own tokens last: a member cannot pin a token it may revoke.
    cache.set(_cache_key(system), token, timeout=min(max(lifetime - 30, 1), protocol.ACCESS_TOKEN_SECONDS))
    return token


def forget_bearer(system: MemberSystem) -> None:
    cache.delete(_cache_key(system))
