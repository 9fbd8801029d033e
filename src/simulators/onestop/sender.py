"""The outbox's sender: one thread posting pending messages to the portal with a bearer token
from the portal's token endpoint, backing off while the portal is away, and misbehaving on
demand (the faults)."""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

import httpx
from jwcrypto import jwk

from . import protocol
from .config import Config, Faults
from .exchange import Exchange
from .store import Store

log = logging.getLogger("onestop")
RETRYABLE = frozenset({408, 409, 425, 429})
# Refusals about us, not the message: an administrator reinstates the member or registers a
# new key, and the same messages are then good. They wait with the usual backoff.
NOT_NOW = frozenset({"sender_suspended", "key_revoked", "invalid_token"})
MAX_BACKOFF_SECONDS = 30.0  # short, so `make run` recovers soon after the portal starts
BATCH_SECONDS = 1.0  # out of order: let messages gather so there is a batch to reverse
IDLE_SECONDS = 5.0


class PortalAway(Exception):
    """The portal cannot be reached or would not give a token: every message waits."""


def corrupted(token: str) -> str:
    """The token with its signature spoiled (the ``bad_signature`` fault)."""
    head, payload, signature = token.split(".")
    flipped = "".join("A" if char != "A" else "B" for char in signature[:8])
    return f"{head}.{payload}.{flipped}{signature[8:]}"


def _error_code(reply: httpx.Response) -> str:
    try:
        error = reply.json().get("error")
    except (ValueError, AttributeError):
        return ""
    return str(error.get("code", "") if isinstance(error, dict) else error or "")


class Sender(threading.Thread):
    def __init__(self, config: Config, key: jwk.JWK, store: Store, exchange: Exchange, faults: Faults) -> None:
        super().__init__(name="onestop-sender", daemon=True)
        self.config, self.key, self.store, self.exchange, self.faults = config, key, store, exchange, faults
        self.wake, self.stopping = threading.Event(), threading.Event()
        self.client = httpx.Client(timeout=15)
        self._token: tuple[str, float] | None = None

    def run(self) -> None:
        while not self.stopping.is_set():
            self.wake.clear()
            if not self.faults.down:
                if self.faults.out_of_order:
                    self.stopping.wait(BATCH_SECONDS)
                try:
                    self.deliver_due()
                except Exception:  # the thread must outlive any surprise
                    log.exception("sender: unexpected error")
            due = self.store.next_due_in()
            self.wake.wait(1.0 if self.faults.down else min(IDLE_SECONDS if due is None else due, IDLE_SECONDS))

    def deliver_due(self) -> None:
        for message in self.store.due(newest_first=self.faults.out_of_order):
            if self.faults.down or self.stopping.is_set() or not self.deliver(message):
                return

    def deliver(self, message: dict[str, Any]) -> bool:
        """Post one message and record the outcome; False when the portal is away or refuses
        us (rather than this message): the others wait too."""
        try:
            token = self.exchange.sealed(message)
            if self.faults.bad_signature:
                token = corrupted(token)
            reply = self._post(token)
            if self.faults.duplicates:
                self._post(token)
        except (httpx.HTTPError, PortalAway) as error:
            self._retry(message, f"portal unreachable: {error}"[:300])
            return False
        return self._record(message, reply)

    def _record(self, message: dict[str, Any], reply: httpx.Response) -> bool:
        """Keep the outcome; False when the rest of the batch would be refused alike."""
        code, name = _error_code(reply), f"{message['type']} {message['message_id']}"
        if reply.status_code == 401:
            self._token = None  # whatever the reason, the next call asks for a new token
        if reply.is_success or (reply.status_code == 409 and code == "replayed"):
            # "replayed": the portal already holds this message id, which only we sign.
            self.store.update_message(message["message_id"], state="delivered", last_error=code or None)
            log.info("%s delivered (%s)", name, reply.status_code)
        elif code in NOT_NOW:
            self._retry(message, f"HTTP {reply.status_code} {code}")
            return False
        elif reply.status_code >= 500 or reply.status_code in RETRYABLE or self.faults.bad_signature:
            self._retry(message, f"HTTP {reply.status_code} {code}")
        else:
            self.store.update_message(message["message_id"], state="dead", last_error=f"HTTP {reply.status_code} {code}")
            log.warning("%s refused for good: HTTP %s %s", name, reply.status_code, code)
        return True

    def _retry(self, message: dict[str, Any], why: str) -> None:
        delay = min(MAX_BACKOFF_SECONDS, 2.0 ** message["attempts"])
        self.store.update_message(message["message_id"], attempts=message["attempts"] + 1,
                                  next_attempt_at=time.time() + delay, last_error=why)
        log.info("%s %s: retry in %.0f s (%s)", message["type"], message["message_id"], delay, why)

    def _post(self, token: str) -> httpx.Response:
        url = self.config.portal_api + "/thong-diep"
        for attempt in (1, 2):
            reply = self.client.post(url, content=token, headers={
                "Authorization": f"Bearer {self.access_token(refresh=attempt == 2)}",
                "Content-Type": "application/jose"})
            if reply.status_code != 401 or _error_code(reply) != "invalid_token":
                break
        return reply

    def access_token(self, *, refresh: bool = False) -> str:
        """The portal's access token for us, kept until shortly before it expires."""
        if self._token and not refresh and self._token[1] > time.monotonic():
            return self._token[0]
        endpoint = self.config.portal_api + "/token"
        reply = self.client.post(endpoint, data={
            "grant_type": "client_credentials", "client_assertion_type": protocol.CLIENT_ASSERTION_TYPE,
            "client_assertion": protocol.client_assertion(client_id=self.config.code, audience=endpoint, key=self.key),
        })
        if reply.status_code != 200:
            raise PortalAway(f"token endpoint answered {reply.status_code} {_error_code(reply)}")
        try:
            body = reply.json()
            self._token = (body["access_token"], time.monotonic() + float(body.get("expires_in", 300)) - 30)
        except (ValueError, KeyError, TypeError) as error:
            raise PortalAway("token endpoint answered something else") from error
        return self._token[0]

    def stop(self) -> None:
        self.stopping.set()
        self.wake.set()
