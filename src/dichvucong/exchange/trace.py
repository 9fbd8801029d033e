"""The tamper-evident trace of every message's movement (H2, M6).

Each entry (created, sent, delivered, verified, duplicate, refused, failed, dead, replayed,
applied) carries the hash of the previous one: ``hash = SHA-256(prev_hash ‖ canonical JSON
of the entry)``. Appends are serialised by locking the single ``TraceHead`` row, so the chain
has no forks. ``verify()`` recomputes it from the start and names the first entry that no
longer matches; ``manage.py verify_exchange_trace`` runs it.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from dichvucong.exchange.models import TraceEntry, TraceHead

FIELDS = ("seq", "at", "message_id", "correlation_id", "event", "party", "message_type", "detail", "token_sha256")


def _digest(prev_hash: str, values: dict) -> str:
    canonical = json.dumps(values, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256((prev_hash + canonical).encode()).hexdigest()


def _values(entry: TraceEntry) -> dict:
    values = {name: getattr(entry, name) for name in FIELDS}
    values["at"] = entry.at.isoformat(timespec="microseconds")
    values["message_id"] = str(values["message_id"])
    return values


@transaction.atomic
def append(event: str, *, message_id: str, correlation_id: str = "", party: str = "", message_type: str = "",
           detail: str = "", token_sha256: str = "") -> TraceEntry:
    head, _ = TraceHead.objects.select_for_update().get_or_create(pk=1)
    entry = TraceEntry(
        seq=head.last_seq + 1, at=timezone.now(), message_id=str(message_id), correlation_id=correlation_id[:100],
        event=event, party=party[:32], message_type=message_type[:32], detail=detail[:200], token_sha256=token_sha256,
        prev_hash=head.last_hash,
    )
    entry.hash = _digest(entry.prev_hash, _values(entry))
    entry.save()
    head.last_seq, head.last_hash = entry.seq, entry.hash
    head.save(update_fields=["last_seq", "last_hash"])
    return entry


@dataclass(frozen=True)
class TraceCheck:
    ok: bool
    entries: int
    first_bad_seq: int | None = None


def verify() -> TraceCheck:
    """Recompute the chain; the head must name its last entry (nothing cut off the end)."""
    previous, count = "0" * 64, 0
    for entry in TraceEntry.objects.order_by("seq").iterator(chunk_size=2000):
        count += 1
        if entry.seq != count or entry.prev_hash != previous or entry.hash != _digest(previous, _values(entry)):
            return TraceCheck(ok=False, entries=count, first_bad_seq=entry.seq)
        previous = entry.hash
    head = TraceHead.objects.filter(pk=1).first()
    if head is not None and (head.last_seq != count or head.last_hash != previous):
        return TraceCheck(ok=False, entries=count, first_bad_seq=count + 1)
    return TraceCheck(ok=True, entries=count)


def journey(correlation_id: str) -> list[TraceEntry]:
    """Every movement of the messages about one dossier (their correlation id), in order."""
    return list(TraceEntry.objects.filter(correlation_id=correlation_id).order_by("seq"))
