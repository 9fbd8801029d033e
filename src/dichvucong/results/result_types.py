"""Result templates as data: which procedures get which document, and what it says.

A template names the procedures it serves (catalog codes), the datastore document type of
the result, its title, an opening sentence and the rows of its body, each row a label and
a function of the dossier. ``generic`` serves every procedure no other template claims.
Adding a result type means adding an entry here (and a test that renders it).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from dichvucong.datastore.constants import DocumentType

from .constants import ResultType

Row = tuple[str, Callable[[Any], str]]  # (label, dossier -> value)


@dataclass(frozen=True)
class ResultTemplate:
    key: str
    title: str
    document_type: str
    opening: str
    rows: tuple[Row, ...]
    procedures: frozenset[str] = field(default_factory=frozenset)
    # Months of validity read from the dossier, when the result expires (a residence term).
    validity_months: Callable[[Any], int | None] = lambda dossier: None


def _answer(dossier: Any, key: str) -> str:
    value = (dossier.data or {}).get(key)
    return "" if value in (None, "") else str(value)


def _applicant_name(dossier: Any) -> str:
    return _answer(dossier, "applicant.full_name") or getattr(dossier.applicant, "display_name", "")


def _date(value: str) -> str:
    try:
        return date.fromisoformat(value).strftime("%d/%m/%Y")
    except ValueError:
        return value


def _residence_address(dossier: Any) -> str:
    from dichvucong.dossiers.eforms import communes_of, province_choices

    province_code = _answer(dossier, "residence.province")
    commune_code = _answer(dossier, "residence.commune")
    province = dict(province_choices()).get(province_code, "")
    commune = dict(communes_of(province_code)).get(commune_code, "")
    parts = [_answer(dossier, "residence.street_address"), commune, province]
    return ", ".join(part for part in parts if part)


def _months(dossier: Any) -> int | None:
    try:
        months = int(_answer(dossier, "residence.months"))
    except ValueError:
        return None
    return months if 0 < months <= 600 else None


def _term(dossier: Any) -> str:
    months = _months(dossier)
    return f"{months} tháng kể từ ngày ký" if months else ""


def _procedure(dossier: Any) -> str:
    return dossier.procedure.name


def _dossier_code(dossier: Any) -> str:
    return dossier.code or ""


def _agency(dossier: Any) -> str:
    return dossier.agency.name


def _submitted(dossier: Any) -> str:
    return dossier.submitted_at.strftime("%d/%m/%Y") if dossier.submitted_at else ""


TEMPLATES: dict[str, ResultTemplate] = {
    ResultType.TEMPORARY_RESIDENCE: ResultTemplate(
        key=ResultType.TEMPORARY_RESIDENCE,
        title="Xác nhận đăng ký tạm trú",
        document_type=DocumentType.RESIDENCE_PROOF,
        # Đăng ký tạm trú, gia hạn tạm trú: the e-forms 1.004194 and 1.002755.
        procedures=frozenset({"1.004194", "1.002755"}),
        opening="Cơ quan đăng ký cư trú xác nhận công dân có thông tin dưới đây đã đăng ký tạm trú:",
        rows=(
            ("Họ, chữ đệm và tên", _applicant_name),
            ("Ngày, tháng, năm sinh", lambda d: _date(_answer(d, "applicant.date_of_birth"))),
            ("Số định danh cá nhân", lambda d: _answer(d, "applicant.pin")),
            ("Nơi thường trú", lambda d: _answer(d, "applicant.address")),
            ("Nơi tạm trú", _residence_address),
            ("Thời hạn tạm trú", _term),
            ("Mã hồ sơ", _dossier_code),
        ),
        validity_months=_months,
    ),
    ResultType.GENERIC: ResultTemplate(
        key=ResultType.GENERIC,
        title="Kết quả giải quyết thủ tục hành chính",
        document_type=DocumentType.OTHER,
        opening="Cơ quan có thẩm quyền thông báo hồ sơ dưới đây đã được giải quyết:",
        rows=(
            ("Thủ tục hành chính", _procedure),
            ("Người nộp hồ sơ", _applicant_name),
            ("Mã hồ sơ", _dossier_code),
            ("Ngày nộp", _submitted),
            ("Cơ quan giải quyết", _agency),
        ),
    ),
}


def template_for(procedure_code: str) -> ResultTemplate:
    """The template serving ``procedure_code``; ``generic`` when none claims it."""
    for template in TEMPLATES.values():
        if procedure_code in template.procedures:
            return template
    return TEMPLATES[ResultType.GENERIC]
