"""The exchange's wire protocol, without Django: what any member's system needs to talk to
the portal, and what the portal uses itself (docs/exchange.md). The one-stop simulator
(``simulators.onestop``) is a separate process built on this module alone.

- **Messages**: :func:`seal` makes the compact JWS (ES256) over the envelope, the payload
  encrypted for the receiver (JWE, ECDH-ES+A256KW / A256GCM) when it holds personal data;
  :func:`verified_envelope`, :func:`decrypted_payload` and :func:`validate` undo it.
- **Calls**: OAuth 2.0 client credentials with ``private_key_jwt`` (RFC 7523): the caller
  signs a short :func:`client_assertion` with its registered key, the called side checks it
  (:func:`verify_client_assertion`) and answers a bearer token good for
  :data:`ACCESS_TOKEN_SECONDS`, which every message call then carries.
"""

from __future__ import annotations

import base64
import hashlib
import json
import time
import uuid
from collections.abc import Collection
from datetime import datetime, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import jsonschema
from jwcrypto import jwe, jwk, jws, jwt
from jwcrypto.common import JWException

SCHEMAS = Path(__file__).parent / "schemas"
SCHEMA_VERSION = "1"
JWS_TYPE = "dvc-exchange+jws"
MAX_CLOCK_SKEW_SECONDS = 300
VIETNAM = ZoneInfo("Asia/Ho_Chi_Minh")

CLIENT_ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
ASSERTION_MAX_LIFETIME_SECONDS = 300
ACCESS_TOKEN_SECONDS = 300
ACCESS_TOKEN_TYPE = "at+jwt"  # noqa: S105 - a JOSE "typ", not a secret
# Types whose payload holds personal data: always encrypted for the receiver.
PERSONAL_DATA_TYPES = frozenset({
    "dossier_handover", "status_update", "result_delivery", "supplement_request", "supplement",
})


class ProtocolError(Exception):
    """What is wrong with a token, as a code from docs/exchange.md."""

    def __init__(self, code: str, detail: str = "") -> None:
        super().__init__(f"{code}: {detail}" if detail else code)
        self.code, self.detail = code, detail


def token_digest(token: str | bytes) -> str:
    return hashlib.sha256(token if isinstance(token, bytes) else token.encode()).hexdigest()


def new_key(kid_prefix: str) -> jwk.JWK:
    """A fresh EC P-256 private key, its ``kid`` the prefix and the start of its thumbprint."""
    key = jwk.JWK.generate(kty="EC", crv="P-256")
    return jwk.JWK(**{**key.export_private(as_dict=True), "kid": f"{kid_prefix}-{key.thumbprint()[:16]}"})


def public_jwk(key: jwk.JWK) -> dict:
    return {**key.export_public(as_dict=True), "kid": key.get("kid", "")}


# --- messages ------------------------------------------------------------------------------
@lru_cache(maxsize=16)
def schema_for(message_type: str) -> dict:
    return json.loads((SCHEMAS / f"{message_type}.v{SCHEMA_VERSION}.json").read_text())


@lru_cache(maxsize=16)
def _validator(message_type: str) -> jsonschema.protocols.Validator:
    """Built once per schema: building a validator costs more than using it."""
    schema = schema_for(message_type)
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema)


def validate(message_type: str, document: dict) -> None:
    """:class:`jsonschema.ValidationError` if ``document`` breaks the type's schema
    (``envelope`` for the envelope itself)."""
    _validator(message_type).validate(document)


def now_iso(now: datetime | None = None) -> str:
    return (now or datetime.now(VIETNAM)).astimezone(VIETNAM).isoformat(timespec="seconds")


def seal(
    *, sender: str, receiver: str, message_type: str, payload: dict, signing_key: jwk.JWK,
    encrypt_for: jwk.JWK | None = None, correlation_id: str = "", message_id: uuid.UUID | None = None,
    now: datetime | None = None,
) -> str:
    """The signed (and, with ``encrypt_for``, encrypted) message as a compact JWS."""
    envelope: dict[str, Any] = {
        "sender": sender, "receiver": receiver, "type": message_type, "version": SCHEMA_VERSION,
        "message_id": str(message_id or uuid.uuid4()), "correlation_id": correlation_id,
        "timestamp": now_iso(now),
    }
    if encrypt_for is not None:
        sealed = jwe.JWE(json.dumps(payload, ensure_ascii=False).encode(), protected=json.dumps(
            {"alg": "ECDH-ES+A256KW", "enc": "A256GCM", "kid": encrypt_for.get("kid", "")}))
        sealed.add_recipient(encrypt_for)
        envelope["encrypted_payload"] = sealed.serialize(compact=True)
    else:
        envelope["payload"] = payload
    return _signed(envelope, signing_key)


def _signed(envelope: dict, signing_key: jwk.JWK) -> str:
    token = jws.JWS(json.dumps(envelope, ensure_ascii=False, separators=(",", ":")).encode())
    token.add_signature(signing_key, alg="ES256", protected=json.dumps(
        {"alg": "ES256", "kid": signing_key.get("kid", ""), "typ": JWS_TYPE}))
    return token.serialize(compact=True)


RESEAL_AFTER_SECONDS = 200  # well inside the receiver's 300 s window


def resealed(token: str, *, signing_key: jwk.JWK, now: datetime | None = None,
             after_seconds: float = RESEAL_AFTER_SECONDS) -> str:
    """``token`` again, signed now, if it was signed more than ``after_seconds`` ago: the same
    message (id, correlation, payload or ciphertext), so the receiver applies it once, but a
    retry after a long outage is not refused as ``stale``. A receiver that already holds the
    first token answers ``409 replayed`` for this one, which the sender counts as delivered."""
    now = now or datetime.now(VIETNAM)
    if now - _signed_at(token) <= timedelta(seconds=after_seconds):
        return token  # the usual case: read, not verified (it is our own stored token), no cost
    envelope = verified_envelope(token, jwk.JWK(**signing_key.export_public(as_dict=True)))
    return _signed({**envelope, "timestamp": now_iso(now)}, signing_key)


def _signed_at(token: str) -> datetime:
    header(token)
    payload = token.split(".")[1]
    try:
        envelope = _strict_json(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
        return datetime.fromisoformat(envelope["timestamp"])
    except (ValueError, TypeError, KeyError) as error:
        raise ProtocolError("malformed", "no timestamp") from error


def _strict_json(text: str | bytes) -> Any:
    """JSON without NaN or Infinity (Python's parser takes them; no JSON peer sends them, and
    a NaN compares false with every bound)."""
    def refuse(constant: str) -> None:
        raise ValueError(f"{constant} is not JSON")

    return json.loads(text, parse_constant=refuse)


def header(token: str) -> dict:
    """The JWS header, unverified (to find the key): ``malformed`` unless a compact JWS
    (three parts; the JSON serialisations are not accepted) naming ES256 and a kid."""
    if not isinstance(token, str) or token.count(".") != 2:
        raise ProtocolError("malformed", "not a compact JWS")
    parsed = jws.JWS()
    try:
        parsed.deserialize(token)
        found = parsed.jose_header
    except (JWException, ValueError, TypeError) as error:
        raise ProtocolError("malformed", "not a compact JWS") from error
    if not isinstance(found, dict) or found.get("alg") != "ES256" or not isinstance(found.get("kid"), str):
        raise ProtocolError("malformed", "the header names ES256 and a kid")
    return found


def verified_envelope(token: str, sender_key: jwk.JWK) -> dict:
    """The envelope, once its signature by ``sender_key`` holds (``bad_signature``) and it
    matches the envelope schema (``malformed``)."""
    verified = jws.JWS()
    try:
        verified.deserialize(token)
        verified.verify(sender_key, alg="ES256")
        envelope = _strict_json(verified.payload)
    except (JWException, ValueError, TypeError) as error:
        raise ProtocolError("bad_signature") from error
    if not isinstance(envelope, dict):
        raise ProtocolError("malformed", "the envelope is a JSON object")
    try:
        validate("envelope", envelope)
    except jsonschema.ValidationError as error:
        raise ProtocolError("malformed", error.message[:200]) from error
    return envelope


def is_fresh(timestamp: str, now: datetime | None = None) -> bool:
    try:
        sent_at = datetime.fromisoformat(timestamp)
    except ValueError:
        return False
    return sent_at.tzinfo is not None and \
        abs((now or datetime.now(VIETNAM)) - sent_at) <= timedelta(seconds=MAX_CLOCK_SKEW_SECONDS)


def decrypted_payload(envelope: dict, decryption_key: jwk.JWK) -> dict:
    """The payload, decrypted if it was encrypted: ``not_encrypted`` for personal data sent
    in clear, ``undecryptable``, or ``schema_violation`` when it is not an object."""
    if "encrypted_payload" not in envelope:
        if envelope.get("type") in PERSONAL_DATA_TYPES:
            raise ProtocolError("not_encrypted")
        return envelope.get("payload") or {}
    sealed = jwe.JWE()
    try:
        sealed.deserialize(envelope["encrypted_payload"], key=decryption_key)
        payload = _strict_json(sealed.payload)
    except (JWException, ValueError, TypeError) as error:
        raise ProtocolError("undecryptable") from error
    if not isinstance(payload, dict):
        raise ProtocolError("schema_violation", "the payload is a JSON object")
    return payload


def checked_payload(message_type: str, payload: dict) -> dict:
    try:
        validate(message_type, payload)
    except jsonschema.ValidationError as error:
        raise ProtocolError("schema_violation",
                            f"{'/'.join(map(str, error.path))}: {error.message}"[:200]) from error
    return payload


# --- calls: OAuth 2.0 client credentials with private_key_jwt -------------------------------
def client_assertion(*, client_id: str, audience: str, key: jwk.JWK, lifetime: int = 60) -> str:
    """RFC 7523 §2.2: signed by the caller's registered key, for one token endpoint."""
    issued = int(time.time())
    token = jwt.JWT(header={"alg": "ES256", "kid": key.get("kid", ""), "typ": "JWT"}, claims={
        "iss": client_id, "sub": client_id, "aud": audience, "iat": issued, "exp": issued + lifetime,
        "jti": str(uuid.uuid4()),
    })
    token.make_signed_token(key)
    return token.serialize()


def _claims(token: str, key: jwk.JWK) -> dict:
    try:
        if token.count(".") != 2:
            raise ValueError("not a compact JWS")
        parsed = jwt.JWT(jwt=token, key=key, algs=["ES256"], check_claims=False)
        claims = _strict_json(parsed.claims)
    except (JWException, ValueError, TypeError) as error:
        raise ProtocolError("invalid_client", "signature") from error
    if not isinstance(claims, dict):
        raise ProtocolError("invalid_client", "claims")
    return claims


def unverified_kid(token: str) -> str:
    try:
        return str(header(token)["kid"])
    except ProtocolError as error:
        raise ProtocolError("invalid_client", "header") from error


def verify_client_assertion(assertion: str, *, key: jwk.JWK, audience: str | Collection[str],
                            client_id: str = "") -> dict:
    """The assertion's claims, once signed by ``key``, for ``audience`` (or one of them: the
    token endpoint's URL may be known by more than one name), unexpired and at
    most :data:`ASSERTION_MAX_LIFETIME_SECONDS` long; the caller keeps ``jti`` to refuse
    it a second time."""
    claims = _claims(assertion, key)
    now = time.time()
    issuer = claims.get("iss")
    if not isinstance(issuer, str) or issuer != claims.get("sub") or (client_id and issuer != client_id):
        raise ProtocolError("invalid_client", "iss and sub name the client")
    audiences = claims.get("aud") if isinstance(claims.get("aud"), list) else [claims.get("aud")]
    accepted = {audience} if isinstance(audience, str) else set(audience)
    if not accepted.intersection(a for a in audiences if isinstance(a, str)):
        raise ProtocolError("invalid_client", "aud")
    expires, issued = claims.get("exp"), claims.get("iat", int(now))
    if type(expires) is not int or type(issued) is not int or \
            expires < now - 5 or expires - issued > ASSERTION_MAX_LIFETIME_SECONDS or \
            issued > now + MAX_CLOCK_SKEW_SECONDS:
        raise ProtocolError("invalid_client", "exp")
    if not isinstance(claims.get("jti"), str) or not claims["jti"]:
        raise ProtocolError("invalid_client", "jti")
    return claims


def access_token(*, issuer: str, subject: str, scope: list[str], key: jwk.JWK, key_id: str = "",
                 lifetime: int = ACCESS_TOKEN_SECONDS) -> str:
    """A bearer token (RFC 9068 shape) the issuer gives a client it authenticated; ``cnf_kid``
    names the client key it proved, so revoking that key ends the token at once."""
    issued = int(time.time())
    token = jwt.JWT(header={"alg": "ES256", "kid": key.get("kid", ""), "typ": ACCESS_TOKEN_TYPE}, claims={
        "iss": issuer, "sub": subject, "aud": issuer, "iat": issued, "exp": issued + lifetime,
        "jti": str(uuid.uuid4()), "scope": " ".join(scope), "cnf_kid": key_id,
    })
    token.make_signed_token(key)
    return token.serialize()


def verify_access_token(token: str, *, key: jwk.JWK, issuer: str) -> dict:
    """The token's claims if ``issuer`` signed it with ``key`` and it has not expired;
    ``invalid_token`` otherwise."""
    try:
        if token.count(".") != 2:
            raise ValueError("not a compact JWS")
        parsed = jwt.JWT(jwt=token, key=key, algs=["ES256"], check_claims=False)
        claims = _strict_json(parsed.claims)
        typ = _strict_json(parsed.header).get("typ")
    except (JWException, ValueError, TypeError) as error:
        raise ProtocolError("invalid_token") from error
    if typ != ACCESS_TOKEN_TYPE or not isinstance(claims, dict) or claims.get("iss") != issuer or \
            claims.get("aud") != issuer or type(claims.get("exp")) is not int or \
            claims["exp"] < time.time() or not isinstance(claims.get("sub"), str):
        raise ProtocolError("invalid_token")
    return claims


def bearer(authorization: str | None) -> str:
    scheme, _, value = (authorization or "").partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        raise ProtocolError("invalid_token", "no bearer token")
    return value.strip()
