"""A member's system talking to the portal's exchange, in full: get a bearer token with a
client assertion signed by your registered key, then send a signed message (docs/exchange.md).

    python docs/examples/exchange_member.py --portal http://localhost:8000 --code H66 \\
        --key var/onestop/H66/key.jwk.json heartbeat

(``make run`` registers H66, the simulated Đắk Lắk, with that key.) The JOSE work is done by
``dichvucong.exchange.protocol``; any JOSE library that does ES256, ECDH-ES+A256KW and A256GCM
will do the same: the formats are standard (RFC 7515, 7516, 7523).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import httpx
from jwcrypto import jwk

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "src"))
from dichvucong.exchange import protocol  # noqa: E402 - after the path is set

TOKEN_PATH = "/api/v1/lien-thong/token"  # noqa: S105 - a path, not a secret
MESSAGES_PATH = "/api/v1/lien-thong/thong-diep"


def get_token(client: httpx.Client, portal: str, code: str, key: jwk.JWK, scope: str = "") -> str:
    """OAuth 2.0 client credentials with private_key_jwt: the assertion is for this endpoint only."""
    form = {"grant_type": "client_credentials", "client_assertion_type": protocol.CLIENT_ASSERTION_TYPE,
            "client_assertion": protocol.client_assertion(client_id=code, audience=portal + TOKEN_PATH, key=key)}
    if scope:
        form["scope"] = scope
    answer = client.post(portal + TOKEN_PATH, data=form)
    answer.raise_for_status()
    return answer.json()["access_token"]


def portal_key(client: httpx.Client, portal: str) -> jwk.JWK:
    """The portal's public key, to encrypt personal data for it (register it out of band in production)."""
    return jwk.JWK(**client.get(portal + "/api/v1/lien-thong/jwks.json").json()["keys"][0])


def send(client: httpx.Client, portal: str, code: str, key: jwk.JWK, message_type: str, payload: dict,
         correlation_id: str = "") -> httpx.Response:
    """Seal and post one message; 202 ``accepted`` (or ``duplicate`` for the very same token again)."""
    encrypt_for = portal_key(client, portal) if message_type in protocol.PERSONAL_DATA_TYPES else None
    token = protocol.seal(sender=code, receiver="DVCQG", message_type=message_type, payload=payload,
                          signing_key=key, encrypt_for=encrypt_for, correlation_id=correlation_id)
    bearer = get_token(client, portal, code, key)
    return client.post(portal + MESSAGES_PATH, content=token,
                       headers={"Content-Type": "application/jose", "Authorization": f"Bearer {bearer}"})


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--portal", default="http://localhost:8000")
    parser.add_argument("--code", required=True, help="your member code")
    parser.add_argument("--key", type=Path, required=True, help="your private key (JWK with its kid)")
    parser.add_argument("message", choices=["heartbeat", "statistics"])
    options = parser.parse_args()
    key = jwk.JWK(**json.loads(options.key.read_text()))
    payload = {"status": "ok"} if options.message == "heartbeat" else {
        "period": {"from": "2026-11-01", "to": "2026-11-30"}, "received": 120, "resolved": 98, "on_time": 95}
    message_type = "heartbeat" if options.message == "heartbeat" else "statistics_report"
    with httpx.Client(timeout=10) as client:
        answer = send(client, options.portal.rstrip("/"), options.code, key, message_type, payload)
    print(answer.status_code, answer.text)
    return 0 if answer.status_code == 202 else 1


if __name__ == "__main__":
    raise SystemExit(main())
