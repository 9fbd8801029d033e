"""One envelope for every message (H1, H2, M6).

A message is a compact JWS (ES256), signed by the sending system's registered key, whose
payload is the envelope::

    {"sender": "<member code>", "receiver": "<member code>", "type": "status_update",
     "version": "1", "message_id": "<uuid>", "correlation_id": "<dossier code…>",
     "timestamp": "2026-11-29T10:00:00+07:00",
     "payload": {…}                       # or, for personal data:
     "encrypted_payload": "<compact JWE for the receiver's key>"}

The signature covers the whole envelope, the ciphertext included: the sender cannot deny
it, and nobody can swap a payload. Personal data is encrypted for the receiver
(ECDH-ES+A256KW, A256GCM) before signing, so only the receiver reads it.

``open_message`` checks, in this order, before anything is believed: the key is registered
(``unknown_key``), not revoked, its member not suspended; the signature; the sender named is
the key's member; the message is for us; the sender may send this type; the timestamp is
within 300 s; the message id is new (the very same token again is a duplicate, not an
error); the payload decrypts and matches its schema.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any

import jsonschema
from django.utils import timezone
from jwcrypto import jwe, jwk, jws
from jwcrypto.common import JWException

from dichvucong.exchange.constants import (
    MAX_CLOCK_SKEW_SECONDS,
    PERSONAL_DATA_TYPES,
    SCHEMA_VERSION,
    KeyStatus,
    MemberStatus,
    Refusal,
)

SCHEMAS = Path(__file__).parent / "schemas"
JWS_TYPE = "dvc-exchange+jws"


class MessageRefused(Exception):
    def __init__(self, code: str, detail: str = "", **seen: str) -> None:
        super().__init__(f"{code}: {detail}" if detail else code)
        self.code, self.detail, self.seen = code, detail, seen


@dataclass(frozen=True)
class Opened:
    """A verified message: who sent it (the registered key's system), what, and the payload."""

    key: Any  # MemberKey
    sender: str
    receiver: str
    message_type: str
    message_id: uuid.UUID
    correlation_id: str
    sent_at: datetime
    payload: dict
    token_sha256: str


def token_digest(token: str | bytes) -> str:
    return hashlib.sha256(token if isinstance(token, bytes) else token.encode()).hexdigest()


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


def seal(
    *, sender: str, receiver: str, message_type: str, payload: dict, signing_key: jwk.JWK,
    encrypt_for: jwk.JWK | None = None, correlation_id: str = "", message_id: uuid.UUID | None = None,
    now: datetime | None = None,
) -> str:
    """The signed (and, with ``encrypt_for``, encrypted) message as a compact JWS."""
    envelope: dict[str, Any] = {
        "sender": sender, "receiver": receiver, "type": message_type, "version": SCHEMA_VERSION,
        "message_id": str(message_id or uuid.uuid4()), "correlation_id": correlation_id,
        "timestamp": timezone.localtime(now or timezone.now()).isoformat(timespec="seconds"),
    }
    if encrypt_for is not None:
        sealed = jwe.JWE(json.dumps(payload, ensure_ascii=False).encode(), protected=json.dumps(
            {"alg": "ECDH-ES+A256KW", "enc": "A256GCM", "kid": encrypt_for.get("kid", "")}))
        sealed.add_recipient(encrypt_for)
        envelope["encrypted_payload"] = sealed.serialize(compact=True)
    else:
        envelope["payload"] = payload
    token = jws.JWS(json.dumps(envelope, ensure_ascii=False, separators=(",", ":")).encode())
    token.add_signature(signing_key, alg="ES256", protected=json.dumps(
        {"alg": "ES256", "kid": signing_key.get("kid", ""), "typ": JWS_TYPE}))
    return token.serialize(compact=True)


def _header(token: str) -> dict:
    parsed = jws.JWS()
    try:
        parsed.deserialize(token)
        header = parsed.jose_header
    except (JWException, ValueError, TypeError) as error:
        raise MessageRefused(Refusal.MALFORMED, "not a compact JWS") from error
    if not isinstance(header, dict) or header.get("alg") != "ES256" or not isinstance(header.get("kid"), str):
        raise MessageRefused(Refusal.MALFORMED, "the header names ES256 and a kid")
    return header


def open_message(token: str, *, receiver: str, decryption_key: jwk.JWK, now: datetime | None = None) -> Opened:
    """Verify ``token`` as described above; :class:`MessageRefused` with its code if not."""
    from dichvucong.exchange.models import InboxMessage, MemberKey

    digest = token_digest(token)
    kid = _header(token)["kid"]
    key = MemberKey.objects.select_related("system__member").filter(kid=kid).first()
    if key is None:
        raise MessageRefused(Refusal.UNKNOWN_KEY, kid=kid)
    member = key.system.member
    if key.status != KeyStatus.ACTIVE:
        raise MessageRefused(Refusal.KEY_REVOKED, kid=kid, sender=member.code)
    if member.status != MemberStatus.ACTIVE:
        raise MessageRefused(Refusal.SENDER_SUSPENDED, kid=kid, sender=member.code)
    verified = jws.JWS()
    try:
        verified.deserialize(token)
        verified.verify(jwk.JWK(**key.public_jwk), alg="ES256")
        envelope = json.loads(verified.payload)
    except (JWException, ValueError, TypeError) as error:
        raise MessageRefused(Refusal.BAD_SIGNATURE, kid=kid, sender=member.code) from error
    if not isinstance(envelope, dict):
        raise MessageRefused(Refusal.MALFORMED, "the envelope is a JSON object", kid=kid)
    seen = {"kid": kid, "sender": str(envelope.get("sender", ""))[:32],
            "message_id": str(envelope.get("message_id", ""))[:64], "type": str(envelope.get("type", ""))[:32]}
    try:
        _validator("envelope").validate(envelope)
    except jsonschema.ValidationError as error:
        raise MessageRefused(Refusal.MALFORMED, error.message[:200], **seen) from error
    if envelope["sender"] != member.code:
        raise MessageRefused(Refusal.SENDER_MISMATCH, **seen)
    if envelope["receiver"] != receiver:
        raise MessageRefused(Refusal.NOT_FOR_US, **seen)
    message_type = envelope["type"]
    if not key.system.may("send", message_type):
        raise MessageRefused(Refusal.NOT_ALLOWED, **seen)
    sent_at = datetime.fromisoformat(envelope["timestamp"])
    if sent_at.tzinfo is None or abs((now or timezone.now()) - sent_at) > timedelta(seconds=MAX_CLOCK_SKEW_SECONDS):
        raise MessageRefused(Refusal.STALE, **seen)
    message_id = uuid.UUID(envelope["message_id"])
    earlier = InboxMessage.objects.filter(message_id=message_id).values_list("token_sha256", flat=True).first()
    if earlier is not None and earlier != digest:
        raise MessageRefused(Refusal.REPLAYED, **seen)
    payload = _payload(envelope, message_type, decryption_key, seen)
    try:
        _validator(message_type).validate(payload)
    except jsonschema.ValidationError as error:
        raise MessageRefused(Refusal.SCHEMA_VIOLATION, f"{'/'.join(map(str, error.path))}: {error.message}"[:200],
                             **seen) from error
    return Opened(key=key, sender=member.code, receiver=receiver, message_type=message_type, message_id=message_id,
                  correlation_id=envelope.get("correlation_id", ""), sent_at=sent_at, payload=payload,
                  token_sha256=digest)


def _payload(envelope: dict, message_type: str, decryption_key: jwk.JWK, seen: dict) -> dict:
    if "encrypted_payload" not in envelope:
        if message_type in PERSONAL_DATA_TYPES:
            raise MessageRefused(Refusal.NOT_ENCRYPTED, **seen)
        return envelope.get("payload") or {}
    sealed = jwe.JWE()
    try:
        sealed.deserialize(envelope["encrypted_payload"], key=decryption_key)
        payload = json.loads(sealed.payload)
    except (JWException, ValueError, TypeError) as error:
        raise MessageRefused(Refusal.UNDECRYPTABLE, **seen) from error
    if not isinstance(payload, dict):
        raise MessageRefused(Refusal.SCHEMA_VIOLATION, "the payload is a JSON object", **seen)
    return payload


