"""What one running system is: its settings, and the faults switched on (in memory only, so
a restart starts healthy)."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field, fields
from pathlib import Path

DEFAULT_CATALOG = Path(__file__).parent / "catalogs" / "dak-lak.json"
TOKEN_PATH = "/lien-thong/token"  # noqa: S105 - a path, not a secret
LOOPBACK_NAMES = frozenset({"127.0.0.1", "localhost"})


@dataclass
class Config:
    code: str
    name: str
    agency_code: str
    data_dir: Path
    portal_url: str
    portal_code: str = "DVCQG"
    host: str = "127.0.0.1"
    port: int = 8101
    catalog: Path = DEFAULT_CATALOG
    step_seconds: float = 0
    heartbeat_seconds: float = 60
    ca_url: str = ""
    public_url: str = ""  # how the portal reaches us behind a proxy, e.g. https://motcua.example

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def token_endpoints(self) -> frozenset[str]:
        """The URLs a client assertion may name as its audience: ours only, from our own
        settings and never from a request's Host header (which the caller chooses: an
        assertion the portal made for another member's endpoint must not be good here).
        On loopback, localhost and 127.0.0.1 on the same port are the same endpoint."""
        hosts = LOOPBACK_NAMES if self.host in LOOPBACK_NAMES else {self.host}
        urls = {f"http://{host}:{self.port}{TOKEN_PATH}" for host in hosts}
        if self.public_url:
            urls.add(self.public_url.rstrip("/") + TOKEN_PATH)
        return frozenset(urls)

    @property
    def portal_api(self) -> str:
        return self.portal_url.rstrip("/") + "/api/v1/lien-thong"

    @property
    def ca_base(self) -> str:
        base = self.ca_url or self.portal_url.rstrip("/") + "/sim/ca/"
        return base if base.endswith("/") else base + "/"


@dataclass
class Faults:
    down: bool = False
    slow_seconds: float = 0.0
    duplicates: bool = False
    out_of_order: bool = False
    bad_signature: bool = False
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    def as_dict(self) -> dict:
        # Not dataclasses.asdict: it would deep-copy the lock.
        return {f.name: getattr(self, f.name) for f in fields(self) if not f.name.startswith("_")}

    def merge(self, changes: dict) -> None:
        """Apply the known switches of ``changes``; ValueError for anything else."""
        current = self.as_dict()
        for name, value in changes.items():
            if name not in current:
                raise ValueError(f"unknown fault {name!r}")
            if name == "slow_seconds":
                if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= 120:
                    raise ValueError("slow_seconds is a number of seconds from 0 to 120")
                value = float(value)
            elif not isinstance(value, bool):
                raise ValueError(f"{name} is true or false")
        with self._lock:
            for name, value in changes.items():
                setattr(self, name, float(value) if name == "slow_seconds" else value)

    def reset(self) -> None:
        self.merge(Faults().as_dict())

    @property
    def any(self) -> bool:
        return any(self.as_dict().values())
