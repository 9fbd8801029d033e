"""Reads of issued results shaped for the public pages."""

from __future__ import annotations

from .models import IssuedResult


def result_by_token(token: str) -> IssuedResult | None:
    if not token or len(token) > 64:
        return None
    return IssuedResult.objects.select_related("agency", "dossier").filter(verification_token=token).first()


def masked_dossier_code(code: str | None) -> str:
    """The dossier code with its date and sequence hidden, e.g. ``H26.22-******-**01``: the
    record page is public, and a full code plus a phone number opens the status lookup."""
    if not code:
        return ""
    head, _, rest = code.partition("-")
    if not rest:
        return "*" * max(len(code) - 2, 0) + code[-2:]
    return f"{head}-" + "".join("*" if ch.isalnum() else ch for ch in rest[:-2]) + rest[-2:]


def masked_reference(reference: str) -> str:
    """The result's number, masked like the dossier code it contains (``KQ-<code>``)."""
    prefix, _, code = reference.partition("-")
    return f"{prefix}-{masked_dossier_code(code)}" if code else masked_dossier_code(reference)
