"""The system's SQLite database: dossiers, the inbox, the outbox and assertion ids seen.

One connection per thread (sqlite3 objects are not shared across threads), WAL so readers do
not wait for the writer, and one process-wide lock around writes: the HTTP server, the sender
and the timer all write. A dossier change and the messages it causes are one transaction, so a
crash never leaves a step without its message nor a message without its step.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

SCHEMA = """
CREATE TABLE IF NOT EXISTS dossiers (
    code TEXT PRIMARY KEY, procedure_code TEXT NOT NULL, agency_code TEXT NOT NULL,
    applicant_name TEXT NOT NULL, applicant TEXT NOT NULL, data TEXT NOT NULL,
    attachments TEXT NOT NULL, delivery_method TEXT NOT NULL, status TEXT NOT NULL,
    sequence INTEGER NOT NULL, received_at TEXT NOT NULL, due_at TEXT NOT NULL,
    step_at REAL NOT NULL, finished_at TEXT, reference TEXT, result_sha256 TEXT
);
CREATE TABLE IF NOT EXISTS inbox (
    message_id TEXT PRIMARY KEY, token_digest TEXT NOT NULL, type TEXT NOT NULL,
    correlation_id TEXT NOT NULL, received_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS outbox (
    id INTEGER PRIMARY KEY AUTOINCREMENT, message_id TEXT NOT NULL UNIQUE, type TEXT NOT NULL,
    correlation_id TEXT NOT NULL, payload TEXT NOT NULL, state TEXT NOT NULL DEFAULT 'pending',
    attempts INTEGER NOT NULL DEFAULT 0, next_attempt_at REAL NOT NULL DEFAULT 0,
    token TEXT, sealed_at REAL, last_error TEXT, created_at REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS outbox_due ON outbox (state, next_attempt_at);
CREATE TABLE IF NOT EXISTS assertions (jti TEXT PRIMARY KEY, expires_at REAL NOT NULL);
"""


class Store:
    """Thin data access; the rules of processing live in :mod:`.processing`."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.lock = threading.RLock()
        self._local = threading.local()
        with self.lock:  # executescript commits on its own: not inside write()
            self._db().executescript(SCHEMA)

    def _db(self) -> sqlite3.Connection:
        db = getattr(self._local, "db", None)
        if db is None:
            db = sqlite3.connect(self.path, timeout=30, isolation_level=None)
            db.row_factory = sqlite3.Row
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=NORMAL")
            self._local.db = db
        return db

    @contextmanager
    def write(self) -> Iterator[sqlite3.Connection]:
        """One transaction under the process lock; rolled back on any error."""
        with self.lock:
            db = self._db()
            db.execute("BEGIN IMMEDIATE")
            try:
                yield db
            except BaseException:
                db.execute("ROLLBACK")
                raise
            db.execute("COMMIT")

    def read(self, sql: str, params: tuple = ()) -> list[sqlite3.Row]:
        return self._db().execute(sql, params).fetchall()

    # --- dossiers ---------------------------------------------------------------------------
    def dossier(self, code: str) -> dict[str, Any] | None:
        rows = self.read("SELECT * FROM dossiers WHERE code = ?", (code,))
        return dict(rows[0]) if rows else None

    def dossiers(self) -> list[dict[str, Any]]:
        return [dict(row) for row in self.read("SELECT * FROM dossiers ORDER BY received_at, code")]

    # --- outbox -----------------------------------------------------------------------------
    @staticmethod
    def enqueue(db: sqlite3.Connection, message_type: str, payload: dict, correlation_id: str = "") -> str:
        """Queue a message inside the caller's transaction; sealed only when sent, so that
        its timestamp is fresh and it is encrypted for the portal's current key."""
        message_id = str(uuid.uuid4())
        db.execute(
            "INSERT INTO outbox (message_id, type, correlation_id, payload, created_at) VALUES (?, ?, ?, ?, ?)",
            (message_id, message_type, correlation_id, json.dumps(payload, ensure_ascii=False), time.time()),
        )
        return message_id

    def due(self, *, newest_first: bool, limit: int = 50) -> list[dict[str, Any]]:
        order = "DESC" if newest_first else "ASC"
        rows = self.read(
            f"SELECT * FROM outbox WHERE state = 'pending' AND next_attempt_at <= ? ORDER BY id {order} LIMIT ?",  # noqa: S608 - order is one of two constants
            (time.time(), limit),
        )
        return [dict(row) for row in rows]

    def next_due_in(self) -> float | None:
        rows = self.read("SELECT MIN(next_attempt_at) AS due FROM outbox WHERE state = 'pending'")
        due = rows[0]["due"] if rows else None
        return None if due is None else max(0.0, due - time.time())

    def update_message(self, message_id: str, **fields: Any) -> None:
        columns = ", ".join(f"{name} = ?" for name in fields)
        with self.write() as db:
            db.execute(f"UPDATE outbox SET {columns} WHERE message_id = ?",  # noqa: S608 - names are ours
                       (*fields.values(), message_id))

    def outbox_counts(self) -> dict[str, int]:
        counts = {"pending": 0, "delivered": 0, "dead": 0}
        for row in self.read("SELECT state, COUNT(*) AS n FROM outbox GROUP BY state"):
            counts[row["state"]] = row["n"]
        return counts

    def pending_of_type(self, message_type: str) -> int:
        rows = self.read("SELECT COUNT(*) AS n FROM outbox WHERE state = 'pending' AND type = ?", (message_type,))
        return rows[0]["n"]

    def retry_now(self) -> None:
        """After a restart every pending message is tried at once: the backoff was for the
        previous process's view of the portal."""
        with self.write() as db:
            db.execute("UPDATE outbox SET next_attempt_at = 0 WHERE state = 'pending'")

    def replay_dead(self) -> int:
        """Every dead message pending again, to be tried at once; its token is dropped so it
        is sealed anew (fresh timestamp, the portal's current key) when sent. How many."""
        with self.write() as db:
            return db.execute("UPDATE outbox SET state = 'pending', attempts = 0, next_attempt_at = 0, token = NULL,"
                              " sealed_at = NULL WHERE state = 'dead'").rowcount

    # --- inbox and assertions ---------------------------------------------------------------
    def inbox_digest(self, message_id: str) -> str | None:
        rows = self.read("SELECT token_digest FROM inbox WHERE message_id = ?", (message_id,))
        return rows[0]["token_digest"] if rows else None

    def received_count(self) -> int:
        return self.read("SELECT COUNT(*) AS n FROM inbox")[0]["n"]

    def remember_assertion(self, jti: str, expires_at: float) -> bool:
        """False if ``jti`` was already used (a replayed client assertion)."""
        with self.write() as db:
            db.execute("DELETE FROM assertions WHERE expires_at < ?", (time.time() - 60,))
            try:
                db.execute("INSERT INTO assertions (jti, expires_at) VALUES (?, ?)", (jti, expires_at))
            except sqlite3.IntegrityError:
                return False
        return True
