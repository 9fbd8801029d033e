"""The system's own exchange key: created once, kept in the data directory (mode 0600)."""

from __future__ import annotations

import json
import os
from pathlib import Path

from jwcrypto import jwk

from . import protocol

PRIVATE_FILE = "key.jwk.json"
PUBLIC_FILE = "public.jwk.json"


def load_or_create(data_dir: Path, code: str) -> jwk.JWK:
    """The private key in ``data_dir``, made (kid prefixed by ``code``) if there is none yet.
    The public half is (re)written beside it: the file an administrator registers."""
    data_dir.mkdir(parents=True, exist_ok=True)
    private = data_dir / PRIVATE_FILE
    if private.is_file():
        key = jwk.JWK.from_json(private.read_text())
    else:
        key = protocol.new_key(code)
        fd = os.open(private, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(key.export_private())
    (data_dir / PUBLIC_FILE).write_text(json.dumps(protocol.public_jwk(key), indent=2) + "\n")
    return key
