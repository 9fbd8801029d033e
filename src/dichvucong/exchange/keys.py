"""The portal's own exchange key (H2): an EC P-256 key that signs what the portal sends and
decrypts what members encrypt for it. Its public half is what members register for the
portal. In production it comes from the secret store (``EXCHANGE_KEY_FILE`` mounted);
elsewhere it is created on first use, like the OpenID signing key."""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

from django.conf import settings
from jwcrypto import jwk

from dichvucong.sso.keys import write_private_file


def _key_file() -> Path:
    return Path(settings.EXCHANGE_KEY_FILE)


@lru_cache(maxsize=4)
def _load(path: str) -> jwk.JWK:
    return jwk.JWK.from_json(Path(path).read_text())


def portal_key() -> jwk.JWK:
    """The private key (with its ``kid``)."""
    path = _key_file()
    if not path.exists():
        if settings.PRODUCTION:
            raise RuntimeError(f"no exchange key: mount the portal's key at {path}")
        key = jwk.JWK.generate(kty="EC", crv="P-256")
        key = jwk.JWK(**{**json.loads(key.export_private()), "kid": f"portal-{key.thumbprint()[:16]}"})
        write_private_file(path, key.export_private())
    return _load(str(path))


def portal_public_jwk() -> dict:
    return json.loads(portal_key().export_public())
