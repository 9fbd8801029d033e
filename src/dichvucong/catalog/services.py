"""Writes to the catalog. Every change goes through here (admin, importer, API, tests)."""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.db import transaction
from vietnam_provinces import Province, Ward

from dichvucong.core.events import emit
from dichvucong.core.text import fold, strip_diacritics, vn_slugify

from .constants import PROVINCIAL_DEPARTMENTS, AgencyLevel, ProcedureStatus
from .models import (
    Agency,
    CatalogRevision,
    FaqEntry,
    Field,
    LifeEvent,
    Procedure,
    ProcedureVersion,
)

# What a version holds; the rest of a record (popularity, completeness) is not versioned.
VERSIONED_FIELDS = (
    "name", "name_en", "decision_number", "procedure_type", "levels", "targets", "service_level",
    "assurance_level", "channels", "components", "steps", "conditions", "legal_basis", "results",
    "related_codes", "implementing_agency", "competent_agency", "delegated_agency",
    "coordinating_agency", "submission_address", "department_kinds", "source_url", "unparsed",
    "parse_report",
)  # fmt: skip
DENORMALISED_FIELDS = ("name", "name_en", "levels", "targets", "service_level", "assurance_level")


def bump_revision() -> None:
    """Tell every process's search index and caches that the catalog changed."""
    token = uuid.uuid4().hex
    if not CatalogRevision.objects.filter(pk=1).update(token=token):
        CatalogRevision.objects.update_or_create(pk=1, defaults={"token": token})


def _content_hash(values: dict[str, Any], field_id: int | None) -> str:
    payload = {name: values.get(name) for name in VERSIONED_FIELDS}
    payload["field"] = field_id
    return hashlib.sha256(json.dumps(payload, sort_keys=True, ensure_ascii=False, default=str).encode()).hexdigest()


@transaction.atomic
def record_version(
    *, code: str, values: dict[str, Any], field: Field | None, change_note: str = ""
) -> tuple[Procedure, str]:
    """Make ``values`` the current state of procedure ``code``.

    Returns the procedure and what happened: ``created``, ``amended`` or
    ``unchanged`` (same content as the current version: nothing is written, which
    is what makes the importer idempotent).
    """
    procedure, created = Procedure.objects.select_for_update().get_or_create(
        code=code, defaults={"name": values.get("name", "")}
    )
    content_hash = _content_hash(values, field.pk if field else None)
    current = procedure.current
    if current is not None and current.content_hash == content_hash:
        return procedure, "unchanged"
    number = (current.number + 1) if current else 1
    version_values = {name: values[name] for name in VERSIONED_FIELDS if name in values}
    version = ProcedureVersion.objects.create(
        procedure=procedure, number=number, content_hash=content_hash, field=field,
        change_note=change_note, **version_values,
    )
    procedure.current = version
    procedure.field = field
    for name in DENORMALISED_FIELDS:
        setattr(procedure, name, getattr(version, name))
    if procedure.status == ProcedureStatus.ABOLISHED and not created:
        procedure.status = ProcedureStatus.ACTIVE
    procedure.save()
    bump_revision()
    emit("catalog.procedure_changed", code=code, version=number)
    return procedure, "created" if created else "amended"


@transaction.atomic
def amend_procedure(*, procedure: Procedure, changes: dict[str, Any], change_note: str) -> ProcedureVersion:
    """An editor's amendment: a new version built from the current one plus ``changes``."""
    current = procedure.current
    values = {name: getattr(current, name) for name in VERSIONED_FIELDS} if current else {}
    field = changes.pop("field", current.field if current else None)
    values.update(changes)
    procedure, _outcome = record_version(code=procedure.code, values=values, field=field, change_note=change_note)
    return procedure.current


@transaction.atomic
def abolish_procedure(*, procedure: Procedure) -> None:
    """Abolition keeps every version readable; the procedure leaves search and lists."""
    Procedure.objects.filter(pk=procedure.pk).update(status=ProcedureStatus.ABOLISHED)
    bump_revision()
    emit("catalog.procedure_abolished", code=procedure.code)


@transaction.atomic
def reinstate_procedure(*, procedure: Procedure) -> None:
    """An abolished procedure back in search and lists (published again by the agency that
    carries it out)."""
    Procedure.objects.filter(pk=procedure.pk).update(status=ProcedureStatus.ACTIVE)
    bump_revision()
    emit("catalog.procedure_changed", code=procedure.code, version=procedure.current.number if procedure.current else 0)


def record_local_procedure(*, code: str, values: dict[str, Any], owner: Agency, change_note: str) -> Procedure:
    """A procedure of one province or agency, published by its own system rather than the
    national catalog: owned by that agency and marked incomplete (only its name, level and
    agency are known)."""
    procedure, _outcome = record_version(code=code, values=values, field=None, change_note=change_note)
    Procedure.objects.filter(pk=procedure.pk).update(owner=owner, is_complete=False)
    procedure.owner, procedure.is_complete = owner, False
    return procedure


@dataclass
class ImportResult:
    created: int = 0
    amended: int = 0
    unchanged: int = 0
    metadata_updated: int = 0
    errors: list[tuple[str, str]] = field(default_factory=list)


def _upsert_agency(*, code: str, **values: Any) -> Agency:
    agency, created = Agency.objects.get_or_create(code=code, defaults=values)
    if not created and any(getattr(agency, k) != v for k, v in values.items()):
        for key, value in values.items():
            setattr(agency, key, value)
        agency.save()
    return agency


def import_dataset(
    dataset: dict[str, Any], progress: Callable[[Iterable[Any]], Iterable[Any]] = lambda it: it
) -> ImportResult:
    """Write a curated dataset (see ``importing``) to the database; running it twice changes nothing."""
    result = ImportResult()
    ministries = {}
    for row in dataset["ministries"]:
        ministries[row["code"]] = _upsert_agency(
            code=row["code"], name=row["name"], slug=row["slug"], level=AgencyLevel.MINISTRY
        )
    fields = {}
    for row in dataset["fields"]:
        slug = vn_slugify(row["name"], 200)
        field_obj, created = Field.objects.get_or_create(
            slug=slug,
            defaults={"name": row["name"], "name_en": row.get("name_en", ""), "ministry": ministries.get(row["ministry_code"])},
        )
        if not created and field_obj.name_en != row.get("name_en", field_obj.name_en):
            field_obj.name_en = row.get("name_en", "")
            field_obj.save(update_fields=["name_en"])
        fields[row["name"]] = field_obj
    for record in progress(dataset["procedures"]):
        try:
            with transaction.atomic():
                procedure, outcome = record_version(
                    code=record["code"], values=record, field=fields.get(record.get("field") or "")
                )
        except Exception as exc:  # noqa: BLE001 - a bad record is reported, not fatal
            result.errors.append((record.get("code", "?"), f"{type(exc).__name__}: {exc}"))
            continue
        setattr(result, outcome, getattr(result, outcome) + 1)
        metadata = {
            "popularity": record.get("popularity", 0),
            "is_vertical": record.get("is_vertical", False),
            "is_complete": record.get("is_complete", True),
            "owner_id": ministries[record["ministry_code"]].pk if record.get("ministry_code") in ministries else None,
        }
        if any(getattr(procedure, k) != v for k, v in metadata.items()):
            Procedure.objects.filter(pk=procedure.pk).update(**metadata)
            result.metadata_updated += outcome == "unchanged"
    if result.metadata_updated:
        bump_revision()
    return result


def _province_name_en(province: Province) -> str:
    base = strip_diacritics(province.name)
    for prefix, suffix in (("Thanh pho ", " City"), ("Tinh ", " Province")):
        if base.startswith(prefix):
            return base[len(prefix):] + suffix
    return base


@transaction.atomic
def import_administrative_units() -> dict[str, int]:
    """Provinces, their People's Committees and standard departments, and communes (2025 units).

    Agency codes follow the shape of the national agency-code standard
    (QCVN 102:2016/BTTTT) built from the official unit numbers; a deploying province
    replaces them with the codes it registered (see docs/catalog.md).
    """
    counts = {"provinces": 0, "departments": 0, "communes": 0}
    provinces: dict[int, Agency] = {}
    for province in Province.iter_all():
        number = int(province.code.value)
        short = province.codename.replace("_", "-")
        provinces[number] = _upsert_agency(
            code=f"000.00.00.H{number:02d}",
            name=f"Ủy ban nhân dân {province.name}",
            name_en=f"People's Committee of {_province_name_en(province)}",
            slug=f"ubnd-{short}",
            level=AgencyLevel.PROVINCE,
            kind="ubnd",
            province_code=number,
        )
        counts["provinces"] += 1
        province_short = province.name.removeprefix("Thành phố ").removeprefix("Tỉnh ")
        for index, (kind, vi, en, _keywords) in enumerate(PROVINCIAL_DEPARTMENTS, start=1):
            _upsert_agency(
                code=f"000.{index:02d}.00.H{number:02d}",
                name=f"{vi} {province_short}",
                name_en=f"{en}, {_province_name_en(province)}",
                slug=f"{kind}-{short}",
                level=AgencyLevel.PROVINCE,
                kind=kind,
                parent=provinces[number],
                province_code=number,
            )
            counts["departments"] += 1
    existing = set(Agency.objects.filter(level=AgencyLevel.COMMUNE).values_list("ward_code", flat=True))
    new_communes = []
    for ward in Ward.iter_all():
        ward_code = int(ward.code.value)
        counts["communes"] += 1
        if ward_code in existing:
            continue
        number = int(ward.province_code.value)
        new_communes.append(
            Agency(
                code=f"{ward_code:05d}.00.H{number:02d}",
                name=f"Ủy ban nhân dân {ward.name}",
                name_en=f"People's Committee of {strip_diacritics(ward.name)}",
                slug=f"ubnd-{ward.codename.replace('_', '-')}-{ward_code}"[:120],
                level=AgencyLevel.COMMUNE,
                kind="ubnd",
                parent=provinces[number],
                province_code=number,
                ward_code=ward_code,
            )
        )
    Agency.objects.bulk_create(new_communes, batch_size=500)
    return counts


@transaction.atomic
def load_life_events(path: Path) -> int:
    rows = json.loads(path.read_text(encoding="utf-8"))
    by_code = {p.code: p for p in Procedure.objects.only("id", "code")}
    for row in rows:
        event, _ = LifeEvent.objects.update_or_create(
            slug=row["slug"],
            defaults={k: row.get(k, "") for k in ("name", "name_en", "description", "description_en")}
            | {"audience": row["audience"], "order": row.get("order", 0)},
        )
        event.procedures.set([by_code[c] for c in row["procedures"] if c in by_code])
    bump_revision()
    return len(rows)


def faq_search_text(question: str, answer: str, question_en: str = "", answer_en: str = "") -> str:
    return fold(" ".join((question, answer, question_en, answer_en)))


@transaction.atomic
def save_faq_entry(entry: FaqEntry) -> FaqEntry:
    entry.search_text = faq_search_text(entry.question, entry.answer, entry.question_en, entry.answer_en)
    entry.save()
    return entry


@transaction.atomic
def load_faq(path: Path) -> int:
    rows = json.loads(path.read_text(encoding="utf-8"))
    by_code = {p.code: p for p in Procedure.objects.only("id", "code")}
    for order, row in enumerate(rows):
        entry = FaqEntry.objects.filter(question=row["question"]).first() or FaqEntry(question=row["question"])
        entry.question_en = row.get("question_en", "")
        entry.answer = row["answer"]
        entry.answer_en = row.get("answer_en", "")
        entry.topic = row.get("topic", "")
        entry.order = order  # the file's order: topics together
        entry.procedure = by_code.get(row.get("procedure") or "")
        save_faq_entry(entry)
    return len(rows)
