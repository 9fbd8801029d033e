"""From the raw crawl of the national portal to curated catalog records.

``build_dataset(raw_dir)`` reads ``tthc-procedures``, ``tthc-usage`` and
``tthc-reference`` and returns the curated dataset the project commits under
``catalog/dataset/``; ``services.import_dataset`` then writes it to the database.
Bad records are reported and skipped, never fatal.
"""

from __future__ import annotations

import gzip
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dichvucong.core.text import fold, vn_slugify

from . import parsing
from .constants import PROVINCIAL_DEPARTMENTS, GovernmentLevel

DATASET_FORMAT = 1

# Crawl folder -> the ministry's name in tthc-reference.
MINISTRY_FOLDERS = {
    "bo-cong-an": "Bộ Công an",
    "bo-nong-nghiep-mt": "Bộ Nông nghiệp và Môi trường",
    "bo-tai-chinh": "Bộ Tài chính",
    "bo-tu-phap": "Bộ Tư pháp",
    "bo-xay-dung": "Bộ Xây dựng",
    "ngan-hang-nha-nuoc": "Ngân hàng Nhà nước Việt Nam",
    "toa-an-nhan-dan": "Tòa án nhân dân tối cao",
}

# The fields of a record whose parse status the importer reports.
REPORTED_FIELDS = ("levels", "targets", "channels", "components", "legal_basis", "results", "steps", "related")


@dataclass
class BuildReport:
    procedures: int = 0
    usage_only: int = 0
    names_repaired: int = 0
    fully_parsed: int = 0
    bad_records: list[tuple[str, str]] = field(default_factory=list)
    field_status: dict[str, dict[str, int]] = field(default_factory=dict)

    def count(self, name: str, status: str) -> None:
        self.field_status.setdefault(name, {}).setdefault(status, 0)
        self.field_status[name][status] += 1

    @property
    def parse_rate(self) -> float:
        """Share of non-empty source fields that parsed into structure."""
        parsed = sum(s.get(parsing.PARSED, 0) for s in self.field_status.values())
        unparsed = sum(s.get(parsing.UNPARSED, 0) for s in self.field_status.values())
        return parsed / (parsed + unparsed) if parsed + unparsed else 0.0


def _load_json(path: Path) -> Any:
    with path.open(encoding="utf-8") as handle:
        return json.load(handle)


def _ministries(raw_dir: Path) -> list[dict[str, str]]:
    rows = _load_json(raw_dir / "tthc-reference" / "get_list_agency_service_v2.json")
    seen: dict[str, dict[str, str]] = {}
    slugs: set[str] = set()
    for row in rows:
        name = parsing.clean(row.get("AGENCY_NAME") or row.get("NAME") or "")
        code = (row.get("CODE") or "").strip()
        if not name or not code or code in seen:
            continue
        slug = vn_slugify(name)
        if slug in slugs:
            slug = f"{slug}-{vn_slugify(code)}"
        slugs.add(slug)
        seen[code] = {"code": code, "name": " ".join(name.split()), "slug": slug}
    return list(seen.values())


def _find_ministry(ministries: list[dict[str, str]], name: str) -> dict[str, str] | None:
    wanted = fold(name)
    for ministry in ministries:
        if fold(ministry["name"]) == wanted:
            return ministry
    for ministry in ministries:
        if fold(ministry["name"]).startswith(wanted) or wanted.startswith(fold(ministry["name"])):
            return ministry
    return None


def _usage(raw_dir: Path) -> dict[str, dict[str, Any]]:
    usage: dict[str, dict[str, Any]] = {}
    for name in ("congdan_raw_result.json", "doanhnghiep_raw_result.json"):
        audience = "citizen" if name.startswith("congdan") else "business"
        for row in _load_json(raw_dir / "tthc-usage" / name):
            code = (row.get("TTHC_MA") or "").strip()
            if not code:
                continue
            entry = usage.setdefault(
                code, {"name": parsing.clean(row.get("NAME")), "weight": 0, "vertical": False, "audiences": []}
            )
            entry["weight"] = max(entry["weight"], int(row.get("WEIGHT") or 0))
            entry["vertical"] = entry["vertical"] or row.get("ISNGANHDOC") == "1"
            if audience not in entry["audiences"]:
                entry["audiences"].append(audience)
    return usage


def _is_broken_name(name: str) -> bool:
    return "\ufffd" in name or "\n" in name or name.startswith("Công bố Danh mục")


def department_kinds(levels: list[str], *agency_texts: str) -> list[str]:
    """Which standard provincial departments implement a procedure at provincial level."""
    if GovernmentLevel.PROVINCE.value not in levels:
        return []
    text = " ".join(agency_texts).lower()
    return [kind for kind, _vi, _en, keywords in PROVINCIAL_DEPARTMENTS if any(k in text for k in keywords)]


def build_record(raw: dict[str, Any], ministry_code: str | None, report: BuildReport) -> dict[str, Any]:
    code = parsing.clean(raw["ma_thu_tuc"])
    if not code or not parsing.clean(raw.get("ten_thu_tuc")):
        raise ValueError("no code or name")
    unparsed: dict[str, str] = {}

    def run(name: str, parser: Callable[[str], tuple[Any, str]], key: str) -> Any:
        value, status = parser(raw.get(key) or "")
        report.count(name, status)
        if status == parsing.UNPARSED:
            unparsed[key] = raw.get(key) or ""
        statuses[name] = status
        return value

    statuses: dict[str, str] = {}
    levels = run("levels", parsing.parse_levels, "cap_thuc_hien")
    targets = run("targets", parsing.parse_targets, "doi_tuong_thuc_hien")
    channels = run("channels", parsing.parse_channels, "cach_thuc_thuc_hien")
    components = run("components", parsing.parse_components, "thanh_phan_ho_so")
    legal_basis = run("legal_basis", parsing.parse_legal_basis, "can_cu_phap_ly")
    results = run("results", parsing.parse_results, "ket_qua_xu_ly")
    steps = run("steps", parsing.parse_steps, "trinh_tu_thuc_hien")
    related = run("related", parsing.parse_related, "thu_tuc_lien_quan")
    name = " ".join(parsing.clean(raw["ten_thu_tuc"]).split())
    implementing = parsing.clean(raw.get("co_quan_thuc_hien"))
    competent = parsing.clean(raw.get("co_quan_co_tham_quyen"))
    steps_text = " ".join(steps)
    service_level = parsing.derive_service_level(
        channels, name, steps_text, *(row["description"] for row in channels)
    )
    conditions = parsing.clean(raw.get("yeu_cau_dieu_kien"))
    report.fully_parsed += not unparsed
    return {
        "code": code,
        "name": name,
        "decision_number": parsing.clean(raw.get("so_quyet_dinh")),
        "field": parsing.clean(raw.get("linh_vuc")),
        "ministry_code": ministry_code,
        "procedure_type": parsing.clean(raw.get("loai_thu_tuc")),
        "levels": levels,
        "targets": targets,
        "service_level": service_level,
        "assurance_level": parsing.derive_assurance_level(targets, service_level),
        "channels": channels,
        "components": components,
        "steps": steps,
        "conditions": "" if parsing.is_empty(conditions) else conditions,
        "legal_basis": legal_basis,
        "results": results,
        "related_codes": related,
        "implementing_agency": implementing,
        "competent_agency": competent,
        "delegated_agency": parsing.clean(raw.get("co_quan_duoc_uy_quyen")),
        "coordinating_agency": parsing.clean(raw.get("co_quan_phoi_hop")),
        "submission_address": parsing.clean(raw.get("dia_chi_tiep_nhan")),
        "department_kinds": department_kinds(levels, implementing, competent, parsing.clean(raw.get("linh_vuc"))),
        "source_url": parsing.clean(raw.get("detail_url")),
        "unparsed": unparsed,
        "parse_report": statuses,
        "is_complete": True,
    }


def _usage_only_record(code: str, usage: dict[str, Any]) -> dict[str, Any]:
    """What is known of a service the full crawl does not hold: code, name, popularity."""
    targets = ["citizen" if a == "citizen" else "business" for a in usage["audiences"]]
    return {
        "code": code,
        "name": usage["name"],
        "field": "",
        "ministry_code": None,
        "levels": [],
        "targets": targets,
        # It is in the national list of online services, so it is filed online.
        "service_level": "partial",
        "assurance_level": 2,
        "is_complete": False,
    }


def build_dataset(
    raw_dir: Path, progress: Callable[[Iterable[Path]], Iterable[Path]] = lambda it: it
) -> tuple[dict[str, Any], BuildReport]:
    report = BuildReport()
    ministries = _ministries(raw_dir)
    usage = _usage(raw_dir)
    translations = _translations()
    procedures: dict[str, dict[str, Any]] = {}
    fields: dict[str, dict[str, Any]] = {}
    files = sorted((raw_dir / "tthc-procedures").glob("*/*.json"))
    for path in progress(files):
        ministry = _find_ministry(ministries, MINISTRY_FOLDERS.get(path.parent.name, path.parent.name))
        try:
            raw = _load_json(path)
            record = build_record(raw, ministry["code"] if ministry else None, report)
        except (ValueError, KeyError, TypeError, json.JSONDecodeError) as exc:
            report.bad_records.append((path.name, f"{type(exc).__name__}: {exc}"))
            continue
        if record["code"] in procedures:
            report.bad_records.append((path.name, "duplicate code"))
            continue
        procedures[record["code"]] = record
        if record["field"]:
            fields.setdefault(record["field"], {"name": record["field"], "ministry_code": record["ministry_code"]})
    report.procedures = len(procedures)
    for code, entry in usage.items():
        if code not in procedures and entry["name"]:
            procedures[code] = _usage_only_record(code, entry)
            report.usage_only += 1
    for code, record in procedures.items():
        entry = usage.get(code)
        if entry and _is_broken_name(record["name"]) and not _is_broken_name(entry["name"]):
            # A few crawled pages carry the announcing decision's title instead of the name.
            record["name"] = entry["name"]
            report.names_repaired += 1
        elif _is_broken_name(record["name"]):
            report.bad_records.append((code, "name looks damaged in the source; kept as published"))
        record["popularity"] = entry["weight"] if entry else 0
        if entry and record["service_level"] == "offline":
            # Listed among the national portal's online services, so it is filed online.
            record["service_level"] = "partial"
            record["assurance_level"] = parsing.derive_assurance_level(record["targets"], "partial")
        record["is_vertical"] = bool(entry and entry["vertical"])
        record["name_en"] = translations["procedures"].get(code, "")
    for name, entry in fields.items():
        entry["name_en"] = translations["fields"].get(name, "")
    dataset = {
        "format": DATASET_FORMAT,
        "ministries": ministries,
        "fields": sorted(fields.values(), key=lambda f: f["name"]),
        "procedures": sorted(procedures.values(), key=lambda p: p["code"]),
    }
    return dataset, report


def _translations() -> dict[str, dict[str, str]]:
    path = Path(__file__).parent / "dataset" / "translations_en.json"
    if not path.exists():
        return {"procedures": {}, "fields": {}}
    data = _load_json(path)
    data["fields"] = {parsing.clean(k): v for k, v in data["fields"].items()}
    return data


def write_dataset(dataset: dict[str, Any], path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    payload = json.dumps(dataset, ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode()
    # mtime=0 keeps the file byte-identical when nothing changed, so git sees no diff.
    with gzip.GzipFile(path, "wb", compresslevel=9, mtime=0) as handle:
        handle.write(payload)


def read_dataset(path: Path) -> dict[str, Any]:
    with gzip.open(path, "rb") as handle:
        dataset = json.loads(handle.read())
    if dataset.get("format") != DATASET_FORMAT:
        raise ValueError(f"unsupported catalog dataset format {dataset.get('format')!r}")
    return dataset
