"""Turn the national portal's flattened tables into structure.

The crawl keeps each HTML table as its cells' text glued together without
separators ("Trực tuyến7Miễn phíTrực tiếp7Miễn phí"). Each parser here returns
``(value, status)`` where status is ``parsed``, ``empty`` (the source says
"Không có thông tin" or nothing) or ``unparsed`` (the importer keeps the
original text beside the record so that nothing is lost).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from .constants import NO_INFORMATION, Channel, GovernmentLevel, ServiceLevel, Target, TimeUnit

PARSED, EMPTY, UNPARSED = "parsed", "empty", "unparsed"


def clean(text: str | None) -> str:
    """Composed Unicode (the crawl mixes NFD in), single spaces instead of non-breaking and repeated ones."""
    text = unicodedata.normalize("NFC", (text or "").replace("\r", ""))
    return re.sub(r"[ \t\u00a0]+", " ", text).strip()


def is_empty(text: str) -> bool:
    return not text or text.strip(" -.") == "" or text.strip() == NO_INFORMATION


# --- channels, processing time and fees ------------------------------------------------

_CHANNEL_NAMES = {
    "Trực tuyến": Channel.ONLINE,
    "Trực tiếp": Channel.IN_PERSON,
    "Dịch vụ bưu chính": Channel.POSTAL,
}
_CHANNEL_HEADER = "Hình thức nộpThời gianPhí, lệ phíMô tả"
# A row starts with a channel name followed by its time (a number, or "Không có thông tin").
_ROW_START = re.compile(
    r"(Trực tuyến|Trực tiếp|Dịch vụ bưu chính)(?=\s*(?:\d|Không có thông tin))"
)
_TIME = re.compile(
    r"^\s*(?:(\d+(?:[.,]\d+)?)\s*(Ngày làm việc|Ngày|Giờ|Tháng|giờ|ngày làm việc|ngày)?|Không có thông tin)"
)
_AMOUNT = re.compile(r"(\d{1,3}(?:[.,]\d{3})+|\d+)\s*(?:Việt Nam Đồng|VNĐ|VND|Đồng|đồng)")
_UNITS = {
    "ngày làm việc": TimeUnit.WORKING_DAYS,
    "ngày": TimeUnit.DAYS,
    "giờ": TimeUnit.HOURS,
    "tháng": TimeUnit.MONTHS,
}


def _amount(text: str) -> int | None:
    digits = re.sub(r"[.,]", "", text)
    try:
        return int(Decimal(digits))
    except InvalidOperation:
        return None


def _split_fee(rest: str) -> tuple[list[dict[str, Any]], str, str]:
    """Split what follows the time into (fees, fee_text, description)."""
    rest = rest.strip()
    fees: list[dict[str, Any]] = []
    if rest.startswith("Miễn phí"):
        fees.append({"label": "Miễn phí", "amount": 0})
        rest = rest[len("Miễn phí"):]
    elif rest.startswith(NO_INFORMATION):
        rest = rest[len(NO_INFORMATION):]
    else:
        while (match := _AMOUNT.match(rest.lstrip())) is not None:
            rest = rest.lstrip()
            fees.append({"label": match.group(0), "amount": _amount(match.group(1))})
            rest = rest[match.end():]
    fee_text = ""
    if rest.startswith("("):
        depth = 0
        for index, char in enumerate(rest):
            depth += char == "("
            depth -= char == ")"
            if depth == 0:
                fee_text, rest = rest[1:index], rest[index + 1:]
                break
        else:
            fee_text, rest = rest[1:], ""
    return fees, clean(fee_text), clean(rest)


def parse_channels(text: str) -> tuple[list[dict[str, Any]], str]:
    text = clean(text)
    if is_empty(text.replace(_CHANNEL_HEADER, "")):
        return [], EMPTY
    body = text.replace(_CHANNEL_HEADER, "", 1)
    starts = list(_ROW_START.finditer(body))
    if not starts:
        return [], UNPARSED
    rows: list[dict[str, Any]] = []
    for index, start in enumerate(starts):
        end = starts[index + 1].start() if index + 1 < len(starts) else len(body)
        cell = body[start.end():end]
        time_match = _TIME.match(cell)
        if time_match is None:
            return [], UNPARSED
        time_value = None
        unit = TimeUnit.WORKING_DAYS
        if time_match.group(1):
            time_value = float(time_match.group(1).replace(",", "."))
            # A bare number is what the portal shows for working days.
            unit = _UNITS.get((time_match.group(2) or "ngày làm việc").lower(), TimeUnit.WORKING_DAYS)
        fees, fee_text, description = _split_fee(cell[time_match.end():])
        rows.append(
            {
                "channel": _CHANNEL_NAMES[start.group(1)].value,
                "time": time_value,
                "time_unit": unit.value,
                "fees": fees,
                "fee_text": fee_text,
                "description": description,
            }
        )
    return rows, PARSED


# --- dossier components ----------------------------------------------------------------

_COMPONENT_HEADER = re.compile(r"Tên giấy tờ\s*Mẫu đơn, tờ khai\s*Số lượng")
_COPIES = re.compile(r"(\d+)\s*bản chính(?:\s*,\s*(\d+)\s*bản sao)?")
_FORM_FILE = re.compile(
    r"^(?P<name>.*?[;:.)\]”\"])\s*(?P<form>[^;:]{1,120}?\.(?:docx?|pdf|xlsx?|rar|zip|odt))$", re.IGNORECASE
)
_FORM_TAIL = re.compile(r"\.(?:docx?|pdf|xlsx?|rar|zip|odt)$", re.IGNORECASE)


@dataclass
class _Group:
    title: str
    body: str = ""
    rows: list[dict[str, Any]] = field(default_factory=list)


def parse_components(text: str) -> tuple[list[dict[str, Any]], str]:
    text = clean(text)
    if is_empty(text):
        return [], EMPTY
    pieces = _COMPONENT_HEADER.split(text)
    if len(pieces) < 2:
        return [], UNPARSED
    # pieces: [title0, body0(+title1), body1(+title2), ...]; a group's title is the text
    # after the previous body's last "bản chính/bản sao".
    components: list[dict[str, Any]] = []
    title = pieces[0].strip(" -*:")
    unparsed_any = False
    for index, body in enumerate(pieces[1:], start=1):
        matches = list(_COPIES.finditer(body))
        cursor = 0
        for match in matches:
            chunk = body[cursor:match.start()].strip()
            cursor = match.end()
            if not chunk:
                continue
            name, form = chunk, ""
            file_match = _FORM_FILE.match(chunk)
            if file_match:
                name, form = file_match.group("name"), file_match.group("form").strip()
            elif _FORM_TAIL.search(chunk):
                unparsed_any = True  # the form's file name is glued to the text: keep it whole
            components.append(
                {
                    "group": title,
                    "name": name.strip(" -+;"),
                    "form": form,
                    "copies_original": int(match.group(1)),
                    "copies_copy": int(match.group(2) or 0),
                }
            )
        trailing = body[cursor:].strip()
        if index + 1 < len(pieces):
            title = trailing.strip(" -*:")
        elif trailing and not matches:
            unparsed_any = True
    if not components:
        return [], UNPARSED
    return components, UNPARSED if unparsed_any else PARSED


# --- legal basis ------------------------------------------------------------------------

_LEGAL_HEADER = "Tên văn bản pháp lýMã văn bản"
# The crawl glues the next title to a number ("…/TT-BTCNghị định"): the number must not end
# inside a word, so its last capital letter is given back when a lower-case letter follows.
_DOC_NUMBER = re.compile(
    r"(?<![\d/])(\d{1,4}/(?:\d{4}/)?(?:QH\d{2}|[A-ZĐ]+(?:-[A-ZĐ]+)*(?:TTg|TW)?))(?![a-zà-ỹđ])"
)
# A law's number ends with its legislature (QH13, QH15); the crawl glues the next number to it.
_GLUED_AFTER_LAW = re.compile(r"(QH\d{2})(?=\d)")


def parse_legal_basis(text: str) -> tuple[list[dict[str, str]], str]:
    text = clean(text)
    body = _GLUED_AFTER_LAW.sub(r"\1 ", text.replace(_LEGAL_HEADER, "", 1).strip())
    if is_empty(body):
        return [], EMPTY
    items: dict[str, dict[str, str]] = {}
    cursor = 0
    for match in _DOC_NUMBER.finditer(body):
        number = match.group(1)
        title = body[cursor:match.start()].strip(" ,;.-")
        cursor = match.end()
        entry = items.setdefault(number, {"number": number, "title": ""})
        if len(title) > len(entry["title"]):
            entry["title"] = title
    if not items:
        return [], UNPARSED
    return list(items.values()), PARSED


# --- result, related procedures, steps --------------------------------------------------

_RESULT_CODE = re.compile(
    r"Mã:\s*(KQ\.[A-Z0-9.]+?|[\d.]+\.[A-Z]\d+-KQ\d+)(?=[A-ZĐÀ-Ỹa-zđ]{2}|\s|$)"
)


def parse_results(text: str) -> tuple[list[dict[str, str]], str]:
    text = clean(text)
    text = text.split("Từ khóa", 1)[0]
    if is_empty(text):
        return [], EMPTY
    results = []
    cursor = 0
    for match in _RESULT_CODE.finditer(text):
        name = text[cursor:match.start()].strip(" .;")
        cursor = match.end()
        results.append({"code": match.group(1).rstrip("."), "name": name})
    if not results:
        return [{"code": "", "name": text}], UNPARSED
    return results, PARSED


_PROCEDURE_CODE = re.compile(r"\b(\d\.\d{6})\b")


def parse_related(text: str) -> tuple[list[str], str]:
    text = clean(text)
    if is_empty(text):
        return [], EMPTY
    codes = list(dict.fromkeys(_PROCEDURE_CODE.findall(text)))
    return codes, PARSED if codes else UNPARSED


def parse_steps(text: str) -> tuple[list[str], str]:
    text = (text or "").replace("\u00a0", " ")
    if is_empty(clean(text)):
        return [], EMPTY
    steps = [clean(line) for line in re.split(r"\n+", text)]
    steps = [line for line in steps if line]
    return steps, PARSED


# --- levels, targets, service level -----------------------------------------------------

_LEVELS = {
    "Cấp bộ": GovernmentLevel.MINISTRY,
    "Cấp tỉnh": GovernmentLevel.PROVINCE,
    "Cấp xã": GovernmentLevel.COMMUNE,
    "Cơ quan khác": GovernmentLevel.OTHER,
}


def parse_levels(text: str) -> tuple[list[str], str]:
    text = clean(text)
    if is_empty(text):
        return [], EMPTY
    levels = [_LEVELS[p.strip()].value for p in text.split(",") if p.strip() in _LEVELS]
    return levels, PARSED if levels else UNPARSED


_TARGET_RULES = [
    ("cán bộ, công chức", Target.OFFICIAL),
    ("người nước ngoài", Target.FOREIGNER),
    ("định cư ở nước ngoài", Target.FOREIGNER),
    ("doanh nghiệp", Target.BUSINESS),
    ("hợp tác xã", Target.BUSINESS),
    ("tổ chức", Target.ORGANISATION),
    ("công dân", Target.CITIZEN),
    ("cá nhân", Target.CITIZEN),
    ("hộ gia đình", Target.CITIZEN),
    ("hộ kinh doanh", Target.BUSINESS),
]


def parse_targets(text: str) -> tuple[list[str], str]:
    text = clean(text).lower()
    if is_empty(text):
        return [], EMPTY
    found = []
    if "cán bộ, công chức" in text:
        found.append(Target.OFFICIAL.value)
        text = text.replace("cán bộ, công chức", "")
    for part in text.split(","):
        for needle, target in _TARGET_RULES:
            if needle in part and target.value not in found:
                found.append(target.value)
                break
    return found, PARSED if found else UNPARSED


def derive_service_level(channels: list[dict[str, Any]], *texts: str) -> str:
    """Online "full" when the source calls it toàn trình, "partial" when filed online otherwise.

    The crawl has no explicit level; this rule is documented in docs/catalog.md and an
    agency's editor can correct a procedure's level in the admin.
    """
    if not any(row["channel"] == Channel.ONLINE for row in channels):
        return ServiceLevel.OFFLINE.value
    if any("toàn trình" in (t or "").lower() for t in texts):
        return ServiceLevel.FULL.value
    return ServiceLevel.PARTIAL.value


def derive_assurance_level(targets: list[str], service_level: str) -> int:
    """Level 3 where a business or organisation acts (signature of its representative), else 2."""
    if service_level == ServiceLevel.OFFLINE:
        return 1
    if {Target.BUSINESS.value, Target.ORGANISATION.value} & set(targets) and Target.CITIZEN.value not in targets:
        return 3
    return 2
