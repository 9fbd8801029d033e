"""Which provincial body receives a province-level dossier: a department (sở) or the committee.

One-stop practice: a provincial procedure is received by the province's department in
charge of it (Sở Tư pháp, Sở Xây dựng, Công an tỉnh …); only the procedures that the
People's Committee (or its chairman) implements itself stay with the committee. The
catalog says who implements a procedure in free text (``implementing_agency``, then
``competent_agency``), often listing the central and the provincial body together
("Cục cảnh sát giao thông, Công an tỉnh"), and it files each procedure under a field
(lĩnh vực) that a ministry owns. The rules, first match wins:

1. the implementing agencies, in the published order: the first one that names a
   provincial department (``AGENCY_KEYWORDS``); central bodies (Bộ …, Cục …) are skipped,
   they are the ministry-level handler of a multi-level procedure;
2. the same agencies name a provincial body that is none of the standard departments
   (``OTHER_BODIES``: industrial-zone authorities, civil judgment enforcement): the portal
   has no agency for it yet, so the committee it reports to (``RouteSource.OTHER_BODY``);
3. the same agencies name the province's People's Committee, its chairman or council
   (and no department): the committee itself implements it;
4. rules 1 to 3 on the competent agency (the implementing agency is often blank);
5. the field (``FIELD_DEPARTMENTS``, by the field's slug), for fields handled by another
   department than their ministry's counterpart, or by none of the standard ones;
6. the ministry that publishes the procedure, else the one the field is filed under
   (``MINISTRY_DEPARTMENTS``, by agency slug): each department mirrors a ministry. The
   publisher first: a field shared by several ministries keeps the first one imported;
7. nothing matched: the committee (``RouteSource.FALLBACK``).

Department kinds are those of ``catalog.constants.PROVINCIAL_DEPARTMENTS``. The catalog's
own ``ProcedureVersion.department_kinds`` is not used: it lists every department whose
keyword appears anywhere in the agency and field texts, so it is empty for a third of the
online provincial procedures and names several for others ("Cục Thuế - Bộ tài chính"
gives tax and finance), and it cannot tell which one receives. Where it names one, it
agrees with the route given here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING

from dichvucong.catalog.constants import NO_INFORMATION
from dichvucong.core.text import fold

if TYPE_CHECKING:
    from dichvucong.catalog.models import Procedure

COMMITTEE = "ubnd"
"""``Agency.kind`` of a People's Committee."""


class RouteSource(StrEnum):
    """Which rule decided a route; ``FALLBACK`` means no rule did."""

    IMPLEMENTING_AGENCY = "implementing_agency"
    COMPETENT_AGENCY = "competent_agency"
    FIELD = "field"
    MINISTRY = "ministry"
    OTHER_BODY = "other_body"
    FALLBACK = "fallback"


@dataclass(frozen=True)
class Route:
    kind: str  # a department kind, or COMMITTEE
    source: RouteSource


# Folded keywords of an agency's name -> the department that is, or runs, that agency.
# Checked in this order against each agency the catalog names; the more specific first.
AGENCY_KEYWORDS: tuple[tuple[str, str], ...] = (
    # Justice: the department, and the state legal-aid centre it runs.
    ("so tu phap", "tu-phap"),
    ("tro giup phap ly", "tu-phap"),
    # Police: the provincial police and its divisions (passports, identity, traffic, fire).
    ("cong an", "cong-an"),
    ("phong canh sat", "cong-an"),
    ("xuat nhap canh", "cong-an"),
    # Tax, customs, treasury before finance: their names often carry "Bộ Tài chính".
    ("thue", "thue"),
    ("hai quan", "hai-quan"),
    ("kho bac", "kho-bac"),
    # Finance took over planning and investment (business and investment registration) in 2025.
    ("so tai chinh", "tai-chinh"),
    ("ke hoach va dau tu", "tai-chinh"),
    ("dang ky kinh doanh", "tai-chinh"),
    # Construction took over transport in 2025 (HCMC's Sở Giao thông công chánh likewise).
    ("so xay dung", "xay-dung"),
    ("so giao thong", "xay-dung"),
    # Agriculture and environment took over natural resources: land registration offices,
    # forest rangers, fisheries, veterinary and land authorities of the province.
    ("nong nghiep va moi truong", "nong-nghiep-moi-truong"),
    ("so nong nghiep", "nong-nghiep-moi-truong"),
    ("so tai nguyen", "nong-nghiep-moi-truong"),
    ("van phong dang ky dat dai", "nong-nghiep-moi-truong"),
    ("quan ly dat dai cap tinh", "nong-nghiep-moi-truong"),
    ("kiem lam", "nong-nghiep-moi-truong"),
    ("thuy san", "nong-nghiep-moi-truong"),
    ("thu y", "nong-nghiep-moi-truong"),
    ("so noi vu", "noi-vu"),
    # Labour, invalids and social affairs merged into home affairs in 2025.
    ("so lao dong", "noi-vu"),
    ("so y te", "y-te"),
    ("so giao duc", "giao-duc"),
    ("so cong thuong", "cong-thuong"),
    ("so khoa hoc", "khoa-hoc-cong-nghe"),
    ("thong tin va truyen thong", "khoa-hoc-cong-nghe"),
    ("so van hoa", "van-hoa"),
    ("bao hiem xa hoi", "bao-hiem-xa-hoi"),
    # The State Bank's regional branches (provincial branches before 2025).
    ("ngan hang nha nuoc khu vuc", "ngan-hang"),
    ("ngan hang nha nuoc chi nhanh", "ngan-hang"),
)

# Provincial bodies outside the standard departments that receive dossiers themselves.
OTHER_BODIES: tuple[str, ...] = (
    "ban quan ly",  # industrial-zone, economic-zone and high-tech-park authorities
    "thi hanh an dan su",  # civil judgment enforcement, a vertical body of the Ministry of Justice
)

# A central body, the ministry-level handler of a multi-level procedure ("Bộ Xây dựng",
# "Cục Thuế - Bộ tài chính", "Cục cảnh sát giao thông"); "Chi cục …" and a one-stop desk
# ("Bộ phận Một cửa Sở Xây dựng") are not.
_CENTRAL = re.compile(
    r"^(bo(?! phan)|cuc|tong cuc|uy ban chung khoan|ngan hang nha nuoc viet nam|chinh phu|thu tuong)\b"
)

# The province's committee, its chairman, its council or its public-administration centre
# as the agency itself, not as the one that designates another ("cơ quan do UBND tỉnh chỉ định").
_COMMITTEE = re.compile(
    r"^(chu tich )?(uy ban nhan dan|ubnd)( cap)? (tinh|thanh pho)"
    r"|^hoi dong nhan dan (cap )?tinh"
    r"|^trung tam (phuc vu )?hanh chinh cong"
)

# Fields (by slug) whose provincial handler is not the counterpart of the publishing ministry.
# None: handled by a body outside the standard departments (rule 2).
FIELD_DEPARTMENTS: dict[str, str | None] = {
    "thue": "thue",
    "hai-quan": "hai-quan",
    "ly-lich-tu-phap": "cong-an",  # judicial records moved to the police in 2025
    "thi-hanh-an-dan-su": None,
}

# Ministries (by agency slug) -> their provincial counterpart.
MINISTRY_DEPARTMENTS: dict[str, str] = {
    "bo-cong-an": "cong-an",
    "bo-tu-phap": "tu-phap",
    "bo-tai-chinh": "tai-chinh",
    "bo-xay-dung": "xay-dung",
    "bo-nong-nghiep-va-moi-truong": "nong-nghiep-moi-truong",
    "bo-noi-vu": "noi-vu",
    "bo-y-te": "y-te",
    "bo-giao-duc-va-dao-tao": "giao-duc",
    "bo-cong-thuong": "cong-thuong",
    "bo-khoa-hoc-va-cong-nghe": "khoa-hoc-cong-nghe",
    "bo-van-hoa-the-thao-va-du-lich": "van-hoa",
    "ngan-hang-nha-nuoc-viet-nam": "ngan-hang",
}


def _words(keyword: str) -> re.Pattern[str]:
    return re.compile(rf"\b{re.escape(keyword)}\b")


_DEPARTMENT_PATTERNS = [(_words(keyword), kind) for keyword, kind in AGENCY_KEYWORDS]
_OTHER_BODY_PATTERNS = [_words(keyword) for keyword in OTHER_BODIES]


def _agencies(text: str) -> list[str]:
    """The agencies a catalog text names, folded, in the published order."""
    if not text or text.strip() == NO_INFORMATION:
        return []
    return [part for part in (fold(piece) for piece in re.split(r"[,;\n]", text)) if part]


def _department_of(agency: str) -> str | None:
    if _CENTRAL.match(agency):
        return None
    return next((kind for pattern, kind in _DEPARTMENT_PATTERNS if pattern.search(agency)), None)


def _route_from_agencies(text: str, source: RouteSource) -> Route | None:
    """Rules 1 to 3 on one agency text: a named department wins over the committee named
    beside it ("Ủy ban nhân dân cấp tỉnh, Sở Tư pháp": the committee decides, the
    department receives and handles)."""
    agencies = _agencies(text)
    for agency in agencies:
        if kind := _department_of(agency):
            return Route(kind, source)
    if any(pattern.search(agency) for agency in agencies for pattern in _OTHER_BODY_PATTERNS):
        return Route(COMMITTEE, RouteSource.OTHER_BODY)
    if any(_COMMITTEE.match(agency) for agency in agencies):
        return Route(COMMITTEE, source)
    return None


def provincial_route(procedure: Procedure) -> Route:
    """Which provincial department (kind, or COMMITTEE) receives the procedure's dossiers,
    and by which rule. Reads the current version's agency texts, the field and the
    ministries (``select_related("current", "field__ministry", "owner")`` saves queries)."""
    version = procedure.current
    if version is not None:
        for text, source in (
            (version.implementing_agency, RouteSource.IMPLEMENTING_AGENCY),
            (version.competent_agency, RouteSource.COMPETENT_AGENCY),
        ):
            if route := _route_from_agencies(text, source):
                return route
    field = procedure.field
    if field is not None and field.slug in FIELD_DEPARTMENTS:
        kind = FIELD_DEPARTMENTS[field.slug]
        return Route(kind, RouteSource.FIELD) if kind else Route(COMMITTEE, RouteSource.OTHER_BODY)
    for ministry in (procedure.owner, field.ministry if field else None):
        if ministry is not None and ministry.slug in MINISTRY_DEPARTMENTS:
            return Route(MINISTRY_DEPARTMENTS[ministry.slug], RouteSource.MINISTRY)
    return Route(COMMITTEE, RouteSource.FALLBACK)
