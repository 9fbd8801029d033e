"""Vietnamese text helpers shared by several apps."""

import re
import unicodedata

from django.utils.text import slugify


class _StripTable(dict):
    """A str.translate table that learns each character's bare form the first time it sees it."""

    def __missing__(self, codepoint: int) -> str:
        char = chr(codepoint)
        if char in "đĐ":  # đ has no decomposition
            bare = "d" if char == "đ" else "D"
        else:
            bare = "".join(c for c in unicodedata.normalize("NFD", char) if unicodedata.category(c) != "Mn")
        self[codepoint] = bare
        return bare


_STRIP = _StripTable()


def strip_diacritics(text: str) -> str:
    """"Đăng ký khai sinh" -> "Dang ky khai sinh"."""
    return text.translate(_STRIP)


def fold(text: str) -> str:
    """Lower case, no diacritics, single spaces: the form both queries and documents take."""
    return re.sub(r"\s+", " ", strip_diacritics(text).lower()).strip()


def vn_slugify(text: str, max_length: int = 100) -> str:
    return slugify(strip_diacritics(text))[:max_length].strip("-")


def group_thousands(amount: int) -> str:
    """7000 → "7.000": thousands grouped with dots, the Vietnamese way of writing money."""
    return f"{int(amount):,}".replace(",", ".")
