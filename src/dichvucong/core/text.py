"""Vietnamese text helpers shared by several apps."""

import re
import unicodedata

from django.utils.text import slugify

_D = str.maketrans({"đ": "d", "Đ": "D"})


def strip_diacritics(text: str) -> str:
    """"Đăng ký khai sinh" -> "Dang ky khai sinh" (đ has no decomposition, so it is mapped)."""
    decomposed = unicodedata.normalize("NFD", text.translate(_D))
    return "".join(ch for ch in decomposed if unicodedata.category(ch) != "Mn")


def fold(text: str) -> str:
    """Lower case, no diacritics, single spaces: the form both queries and documents take."""
    return re.sub(r"\s+", " ", strip_diacritics(text).lower()).strip()


def vn_slugify(text: str, max_length: int = 100) -> str:
    return slugify(strip_diacritics(text))[:max_length].strip("-")
