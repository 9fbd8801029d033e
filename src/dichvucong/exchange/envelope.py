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

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from jwcrypto import jwk

from dichvucong.exchange.constants import KeyStatus, MemberStatus, Refusal
from dichvucong.exchange.protocol import (
    ProtocolError,
    checked_payload,
    decrypted_payload,
    header,
    is_fresh,
    seal,
    token_digest,
    verified_envelope,
)

__all__ = ["MessageRefused", "Opened", "open_message", "seal", "token_digest"]


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


def open_message(token: str, *, receiver: str, decryption_key: jwk.JWK, now: datetime | None = None) -> Opened:
    """Verify ``token`` as described above; :class:`MessageRefused` with its code if not."""
    from dichvucong.exchange.models import InboxMessage, MemberKey

    digest = token_digest(token)
    try:
        kid = header(token)["kid"]
    except ProtocolError as error:
        raise MessageRefused(error.code, error.detail) from error
    key = MemberKey.objects.select_related("system__member").filter(kid=kid).first()
    if key is None:
        raise MessageRefused(Refusal.UNKNOWN_KEY, kid=kid)
    member = key.system.member
    if key.status != KeyStatus.ACTIVE:
        raise MessageRefused(Refusal.KEY_REVOKED, kid=kid, sender=member.code)
    if member.status != MemberStatus.ACTIVE:
        raise MessageRefused(Refusal.SENDER_SUSPENDED, kid=kid, sender=member.code)
    try:
        envelope = verified_envelope(token, jwk.JWK(**key.public_jwk))
    except ProtocolError as error:
        raise MessageRefused(error.code, error.detail, kid=kid, sender=member.code) from error
    seen = {"kid": kid, "sender": str(envelope.get("sender", ""))[:32],
            "message_id": str(envelope.get("message_id", ""))[:64], "type": str(envelope.get("type", ""))[:32]}
    if envelope["sender"] != member.code:
        raise MessageRefused(Refusal.SENDER_MISMATCH, **seen)
    if envelope["receiver"] != receiver:
        raise MessageRefused(Refusal.NOT_FOR_US, **seen)
    message_type = envelope["type"]
    if not key.system.may("send", message_type):
        raise MessageRefused(Refusal.NOT_ALLOWED, **seen)
    if not is_fresh(envelope["timestamp"], now):
        raise MessageRefused(Refusal.STALE, **seen)
    message_id = uuid.UUID(envelope["message_id"])
    earlier = InboxMessage.objects.filter(message_id=message_id).values_list("token_sha256", flat=True).first()
    if earlier is not None and earlier != digest:
        raise MessageRefused(Refusal.REPLAYED, **seen)
    try:
        payload = checked_payload(message_type, decrypted_payload(envelope, decryption_key))
    except ProtocolError as error:
        raise MessageRefused(error.code, error.detail, **seen) from error
    return Opened(key=key, sender=member.code, receiver=receiver, message_type=message_type, message_id=message_id,
                  correlation_id=envelope.get("correlation_id", ""), sent_at=datetime.fromisoformat(envelope["timestamp"]),
                  payload=payload, token_sha256=digest)
