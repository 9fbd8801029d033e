"""The exchange from our side: the portal's keys, our token endpoint, the checks every message
we receive goes through (in the order of the portal's own table, docs/exchange.md), and sealing
what we send."""

from __future__ import annotations

import json
import logging
import threading
import time
import uuid
from typing import Any

import httpx
from jwcrypto import jwk

from . import processing, protocol
from .config import Config
from .store import Store

log = logging.getLogger("onestop")
ProtocolError = protocol.ProtocolError
# What the portal may send us, in the order the token endpoint lists them; nothing else is
# granted (invalid_scope) nor received (not_allowed).
RECEIVED_TYPES = ("dossier_handover", "supplement", "heartbeat")
HTTP_STATUS = {
    "malformed": 400, "unknown_key": 401, "bad_signature": 401, "sender_mismatch": 401,
    "not_for_us": 421, "not_allowed": 403, "stale": 400, "replayed": 409, "not_encrypted": 400,
    "undecryptable": 400, "schema_violation": 422, "invalid_token": 401,
}
RESEAL_AFTER_SECONDS = 200  # a stored token older than this would soon be "stale" at the portal
REFETCH_MIN_SECONDS = 2.0  # unknown kids cannot make us hammer the portal's JWKS
Reply = tuple[int, dict[str, Any]]


def refusal(code: str, message: str = "") -> Reply:
    return HTTP_STATUS.get(code, 400), {"error": {"code": code, "message": message or code}}


class PortalKeys:
    """The portal's public keys, fetched when first needed and again (once) for an unknown kid."""

    def __init__(self, config: Config) -> None:
        self.url = config.portal_api + "/jwks.json"
        self._keys: dict[str, jwk.JWK] = {}
        self._fetched_at = 0.0
        self._lock = threading.Lock()

    def _fetch(self) -> None:
        self._fetched_at = time.monotonic()
        reply = httpx.get(self.url, timeout=10)
        reply.raise_for_status()
        keys = {item["kid"]: jwk.JWK(**item) for item in reply.json()["keys"] if item.get("kid")}
        self._keys = keys

    def get(self, kid: str) -> jwk.JWK | None:
        with self._lock:
            if kid not in self._keys and time.monotonic() - self._fetched_at > REFETCH_MIN_SECONDS:
                try:
                    self._fetch()
                except (httpx.HTTPError, ValueError, KeyError, TypeError) as error:
                    log.warning("portal JWKS unavailable: %s", type(error).__name__)
            return self._keys.get(kid)

    def encryption_key(self) -> jwk.JWK:
        """The key to encrypt personal data for; httpx.HTTPError while the portal is away."""
        with self._lock:
            if not self._keys:
                try:
                    self._fetch()
                except (ValueError, KeyError, TypeError) as error:
                    raise httpx.HTTPError("the portal's JWKS is unreadable") from error
            if not self._keys:
                raise httpx.HTTPError("the portal's JWKS holds no key")
            return next(iter(self._keys.values()))


class Exchange:
    def __init__(self, config: Config, key: jwk.JWK, store: Store, portal_keys: PortalKeys) -> None:
        self.config, self.key, self.store, self.portal_keys = config, key, store, portal_keys

    # --- our token endpoint -------------------------------------------------------------
    def token(self, form: dict[str, str]) -> Reply:
        """RFC 6749 §4.4 with RFC 7523 client authentication, for the portal only."""
        if form.get("grant_type") != "client_credentials":
            return 400, {"error": "unsupported_grant_type"}
        assertion = form.get("client_assertion", "")
        if form.get("client_assertion_type") != protocol.CLIENT_ASSERTION_TYPE or not assertion:
            return 400, {"error": "invalid_request"}
        try:
            kid = protocol.unverified_kid(assertion)
            portal_key = self.portal_keys.get(kid)
            if portal_key is None:
                raise ProtocolError("invalid_client", "unknown key")
            claims = protocol.verify_client_assertion(assertion, key=portal_key, audience=self.config.token_endpoints,
                                                      client_id=self.config.portal_code)
        except ProtocolError as error:
            log.warning("token refused: %s", error)
            return 401, {"error": "invalid_client"}
        if not self.store.remember_assertion(claims["jti"], float(claims["exp"])):
            log.warning("token refused: client assertion replayed")
            return 401, {"error": "invalid_client"}
        # Like the portal's endpoint: the types asked for, all of them ours to receive, or
        # every type we receive when none is asked for.
        requested = form.get("scope", "").split()
        if set(requested) - set(RECEIVED_TYPES):
            log.warning("token refused: scope %s", " ".join(sorted(set(requested) - set(RECEIVED_TYPES)))[:200])
            return 400, {"error": "invalid_scope"}
        scope = [t for t in RECEIVED_TYPES if t in requested] if requested else list(RECEIVED_TYPES)
        token = protocol.access_token(issuer=self.config.code, subject=self.config.portal_code,
                                      scope=scope, key=self.key, key_id=kid)
        return 200, {"access_token": token, "token_type": "Bearer",
                     "expires_in": protocol.ACCESS_TOKEN_SECONDS, "scope": " ".join(scope)}

    # --- messages we receive ------------------------------------------------------------
    def receive(self, authorization: str | None, body: bytes) -> Reply:
        try:
            claims = protocol.verify_access_token(protocol.bearer(authorization), key=self.key,
                                                  issuer=self.config.code)
            if claims["sub"] != self.config.portal_code:
                raise ProtocolError("invalid_token", "not the portal's")
        except ProtocolError:
            return refusal("invalid_token", "A bearer token from /lien-thong/token is required.")
        try:
            return self._accept(body.decode("ascii").strip(), frozenset(str(claims.get("scope", "")).split()))
        except UnicodeDecodeError:
            return refusal("malformed", "not a compact JWS")
        except ProtocolError as error:
            log.warning("message refused: %s", error.code)
            return refusal(error.code, error.detail)

    def _accept(self, token: str, scope: frozenset[str]) -> Reply:
        """The checks in the order of the portal's table (docs/exchange.md), so that the same
        bad message gets the same refusal from either side."""
        portal_key = self.portal_keys.get(protocol.header(token)["kid"])  # 1 malformed
        if portal_key is None:  # 2
            raise ProtocolError("unknown_key", "not a key of the portal")
        envelope = protocol.verified_envelope(token, portal_key)  # 5 bad_signature, 6 malformed
        if envelope["sender"] != self.config.portal_code:  # 7
            raise ProtocolError("sender_mismatch", "the key is the portal's")
        if envelope["receiver"] != self.config.code:  # 8
            raise ProtocolError("not_for_us", f"this is {self.config.code}")
        if envelope["type"] not in RECEIVED_TYPES:  # 9
            raise ProtocolError("not_allowed", f"{envelope['type']} is not received here")
        if not protocol.is_fresh(envelope["timestamp"]):  # 10
            raise ProtocolError("stale", "timestamp more than 300 s off")
        message_id, digest = envelope["message_id"], protocol.token_digest(token)
        if (seen := self.store.inbox_digest(message_id)) is not None:  # 11
            return self._seen(message_id, seen, digest)
        payload = protocol.checked_payload(  # 12 not_encrypted, undecryptable; 13 schema_violation
            envelope["type"], protocol.decrypted_payload(envelope, self.key))
        if envelope["type"] not in scope:  # 14: a token asked for fewer types does not carry the others
            raise ProtocolError("not_allowed", f"{envelope['type']} is not in the token's scope")
        attachments = []
        if envelope["type"] in ("dossier_handover", "supplement"):  # files checked before anything is kept
            try:
                attachments = processing.save_attachments(self.config, payload["dossier_code"],
                                                          payload.get("attachments", []))
            except ValueError as error:
                raise ProtocolError("schema_violation", str(error)) from error
        with self.store.write() as db:
            if (seen := self.store.inbox_digest(message_id)) is not None:  # the same, raced
                return self._seen(message_id, seen, digest)
            db.execute("INSERT INTO inbox (message_id, token_digest, type, correlation_id, received_at)"
                       " VALUES (?, ?, ?, ?, ?)", (message_id, digest, envelope["type"],
                                                   envelope.get("correlation_id", ""), time.time()))
            self._apply(db, envelope["type"], payload, attachments)
        log.info("message %s (%s) accepted", message_id, envelope["type"])
        return 202, {"message_id": message_id, "status": "accepted"}

    @staticmethod
    def _seen(message_id: str, seen: str, digest: str) -> Reply:
        if seen != digest:
            raise ProtocolError("replayed", "this message id came with another token")
        return 202, {"message_id": message_id, "status": "duplicate"}

    def _apply(self, db: Any, message_type: str, payload: dict, attachments: list[dict]) -> None:
        if message_type == "dossier_handover":
            processing.receive_dossier(db, payload, attachments)
        elif message_type == "supplement":
            processing.receive_supplement(db, payload)

    # --- what we send -------------------------------------------------------------------
    def sealed(self, message: dict) -> str:
        """The message's token: the stored one while still fresh (a resend is then recognised
        as a duplicate), else sealed anew with the same message id."""
        if message["token"] and time.time() - (message["sealed_at"] or 0) < RESEAL_AFTER_SECONDS:
            return message["token"]
        encrypt_for = (self.portal_keys.encryption_key()
                       if message["type"] in protocol.PERSONAL_DATA_TYPES else None)
        token = protocol.seal(
            sender=self.config.code, receiver=self.config.portal_code, message_type=message["type"],
            payload=json.loads(message["payload"]), signing_key=self.key, encrypt_for=encrypt_for,
            correlation_id=message["correlation_id"], message_id=uuid.UUID(message["message_id"]))
        self.store.update_message(message["message_id"], token=token, sealed_at=time.time())
        return token
