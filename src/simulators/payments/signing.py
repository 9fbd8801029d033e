"""The three signatures of the payment platform contract (docs/payment-platform-contract.md).

All are hex HMAC-SHA256 with the shared secret, over different messages:

* portal → platform requests: ``"{timestamp}\\n{METHOD}\\n{path}\\n{body}"``;
* platform → portal callbacks and files: ``"{timestamp}\\n{body}"``;
* the browser's return: the parameters other than ``signature``, as ``key=value`` sorted by
  key and joined by ``&``, values not URL-encoded.
"""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from simulators.common import sign


def body_message(timestamp: str, body: bytes) -> bytes:
    return f"{timestamp}\n".encode() + body


def return_canonical(params: dict[str, str]) -> str:
    return "&".join(f"{key}={params[key]}" for key in sorted(params) if key != "signature")


def signed_return_url(return_url: str, params: dict[str, str], secret: str) -> str:
    """``return_url`` with ``params`` and their signature added to its query string.

    Parameters already in ``return_url`` stay (ours win on a clash) and are signed too: the
    portal verifies every parameter it receives but ``signature``.
    """
    parts = urlsplit(return_url)
    merged = dict(parse_qsl(parts.query, keep_blank_values=True))
    merged.update(params)
    merged.pop("signature", None)
    merged["signature"] = sign(secret, return_canonical(merged).encode())
    return urlunsplit(parts._replace(query=urlencode(merged)))
