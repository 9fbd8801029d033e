"""Signing keys of the OpenID provider, with rotation (B5).

The active key signs ID tokens and logout tokens; inactive keys stay in the JWKS until
every token they signed has expired, so relying parties never meet an unknown ``kid``.
In production the keys come from the environment (a secret store); in the embedded mode
the active key lives in a file created on first start. ``manage.py rotate_oidc_key``
rotates the file-based keys. Imported by settings: no Django imports here.
"""

from __future__ import annotations

import os
import tempfile
from datetime import UTC, datetime
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa


def _new_key_pem() -> str:
    key = rsa.generate_private_key(public_exponent=65537, key_size=3072)
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()


def write_private_file(path: Path, pem: str) -> None:
    """Write a private key (0600) once: a concurrent writer's file wins, never half a key."""
    path.parent.mkdir(parents=True, exist_ok=True)
    # A name of its own per writer (mkstemp: 0600, exclusive): writers racing to create the
    # key must not remove each other's file before it is linked.
    fd, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    tmp = Path(name)
    with os.fdopen(fd, "w") as handle:
        handle.write(pem)
    # link() fails if another process created the key meanwhile: both then use that one.
    try:
        os.link(tmp, path)
    except FileExistsError:
        pass
    finally:
        tmp.unlink(missing_ok=True)


def inactive_dir(key_file: Path) -> Path:
    return key_file.parent / (key_file.stem + "-inactive")


def load_signing_keys(key_file: Path, *, create: bool) -> tuple[str, list[str]]:
    """(active PEM, inactive PEMs) from OIDC_RSA_PRIVATE_KEY(S_INACTIVE) or the key file."""
    active = os.environ.get("OIDC_RSA_PRIVATE_KEY", "")
    if active:
        inactive = [
            Path(p).read_text() for p in os.environ.get("OIDC_RSA_PRIVATE_KEYS_INACTIVE_FILES", "").split(",") if p
        ]
        return active, inactive
    if not key_file.exists():
        if not create:
            raise RuntimeError(f"no OpenID signing key: set OIDC_RSA_PRIVATE_KEY or create {key_file}")
        write_private_file(key_file, _new_key_pem())
    folder = inactive_dir(key_file)
    inactive = [p.read_text() for p in sorted(folder.glob("*.pem"))] if folder.exists() else []
    return key_file.read_text(), inactive


def rotate_key_file(key_file: Path, *, keep: int = 2) -> Path:
    """Retire the active key (kept for verification) and create a new active one."""
    folder = inactive_dir(key_file)
    folder.mkdir(parents=True, exist_ok=True)
    retired = folder / f"{datetime.now(UTC):%Y%m%dT%H%M%S%f}.pem"
    if key_file.exists():
        write_private_file(retired, key_file.read_text())
        key_file.unlink()
    write_private_file(key_file, _new_key_pem())
    for old in sorted(folder.glob("*.pem"))[:-keep]:
        old.unlink()
    return retired
