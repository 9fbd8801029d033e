"""Where a dossier goes: the receiving agency for a procedure and the person's place."""

from __future__ import annotations

from dichvucong.catalog.models import Agency, Procedure

LEVEL_ORDER = ("commune", "province", "ministry")


def receiving_level(procedure: Procedure) -> str:
    """The level closest to the person among those that handle the procedure (commune first)."""
    levels = set(procedure.levels or [])
    return next((level for level in LEVEL_ORDER if level in levels), "ministry")


def receiving_agency(procedure: Procedure, *, province: str = "", commune: str = "") -> Agency | None:
    """The agency that receives the dossier: the commune's or province's People's Committee
    for procedures handled there, else the publishing agency. None when the place is missing."""
    level = receiving_level(procedure)
    if level == "commune":
        if not (province.isdigit() and commune.isdigit()):
            return None
        return Agency.objects.filter(level="commune", province_code=int(province), ward_code=int(commune)).first()
    if level == "province":
        if not province.isdigit():
            return None
        return Agency.objects.filter(level="province", kind="ubnd", province_code=int(province)).first()
    return procedure.owner
