"""Adapter to a SIM-PKI / remote-signing provider: the user's key lives with the provider.

The portal asks the provider to have ``data`` signed by the key of the person with ``pin``;
the provider shows ``display_text`` on the user's phone; the portal polls until the user
approves (signature and certificate come back), rejects or lets the request expire. The
signature is then checked like any other with
:func:`dichvucong.pki.verification.verify_signed_challenge`: the provider is not trusted
to vouch for the certificate.
"""

from __future__ import annotations

import base64
import binascii
import logging
from dataclasses import dataclass, field
from urllib.parse import quote, urljoin

import httpx
from django.conf import settings

logger = logging.getLogger(__name__)

DEFAULT_BASE_URL = "http://127.0.0.1:8000/sim/ca/"
DEFAULT_API_TOKEN = "sim-ca-token"  # noqa: S105 - the simulator's token; production sets its own
DEFAULT_TIMEOUT_SECONDS = 5.0
STATUSES = ("pending", "approved", "rejected", "expired")


class RemoteSigningUnavailable(Exception):
    """The provider gave no usable answer (unreachable, error, refused, or nonsense)."""


@dataclass(frozen=True)
class RemoteSigningRequest:
    request_id: str
    approve_url: str  # the simulator's "phone" page; a real provider pushes to the phone instead


@dataclass(frozen=True)
class RemoteSigningStatus:
    status: str  # one of STATUSES
    signature: bytes | None = None
    certificate_pem: str | None = None
    chain_pems: list[str] = field(default_factory=list)


class RemoteSigningClient:
    """Client of the provider's REST contract (docs/pki.md), configured from settings by default."""

    def __init__(
        self,
        *,
        base_url: str | None = None,
        token: str | None = None,
        timeout: float | None = None,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        base_url = base_url or getattr(settings, "REMOTE_SIGNING_BASE_URL", DEFAULT_BASE_URL)
        self.base_url = base_url if base_url.endswith("/") else base_url + "/"
        self._token = token or getattr(settings, "REMOTE_SIGNING_API_TOKEN", DEFAULT_API_TOKEN)
        self._timeout = timeout or float(
            getattr(settings, "REMOTE_SIGNING_TIMEOUT_SECONDS", DEFAULT_TIMEOUT_SECONDS)
        )
        self._transport = transport

    def start(self, pin: str, data: bytes, display_text: str) -> RemoteSigningRequest:
        """Ask the provider to have ``data`` signed by ``pin``'s key after the user approves."""
        body = self._call(
            "POST",
            "remote-sign/requests",
            json={
                "pin": pin,
                "data_b64": base64.b64encode(data).decode(),
                "display_text": display_text,
            },
        )
        request_id, approve_url = body.get("request_id"), body.get("approve_url")
        if not isinstance(request_id, str) or not request_id or not isinstance(approve_url, str):
            raise RemoteSigningUnavailable("provider answered without a request id")
        return RemoteSigningRequest(request_id=request_id, approve_url=approve_url)

    def poll(self, request_id: str) -> RemoteSigningStatus:
        """Where the request stands; the signature and certificate once approved."""
        body = self._call("GET", f"remote-sign/requests/{quote(request_id, safe='')}")
        status = body.get("status")
        if status not in STATUSES:
            raise RemoteSigningUnavailable("provider answered with an unknown status")
        if status != "approved":
            return RemoteSigningStatus(status=status)
        try:
            signature = base64.b64decode(body.get("signature_b64") or "", validate=True)
        except (binascii.Error, ValueError) as exc:
            raise RemoteSigningUnavailable("provider sent an undecodable signature") from exc
        certificate_pem, chain_pems = body.get("certificate_pem"), body.get("chain_pems") or []
        if (
            not signature
            or not isinstance(certificate_pem, str)
            or not all(isinstance(p, str) for p in chain_pems)
        ):
            raise RemoteSigningUnavailable("approved request without signature or certificate")
        return RemoteSigningStatus(
            status=status,
            signature=signature,
            certificate_pem=certificate_pem,
            chain_pems=list(chain_pems),
        )

    def _call(self, method: str, path: str, **kwargs: object) -> dict:
        url = urljoin(self.base_url, path)
        try:
            with httpx.Client(timeout=self._timeout, transport=self._transport) as client:
                reply = client.request(
                    method,
                    url,
                    headers={"Authorization": f"Bearer {self._token}"},
                    **kwargs,  # type: ignore[arg-type]
                )
        except httpx.HTTPError as exc:
            logger.warning("remote-signing provider unreachable: %s", type(exc).__name__)
            raise RemoteSigningUnavailable("provider unreachable") from exc
        if reply.status_code >= 400:
            # The body may echo what was sent (a PIN); only the status is logged.
            logger.warning("remote-signing provider answered HTTP %s", reply.status_code)
            raise RemoteSigningUnavailable(f"provider answered HTTP {reply.status_code}")
        try:
            body = reply.json()
        except ValueError as exc:
            raise RemoteSigningUnavailable("provider answered with invalid JSON") from exc
        if not isinstance(body, dict):
            raise RemoteSigningUnavailable("provider answered with invalid JSON")
        return body
