"""Refusal of passwords known from breaches (B6), beyond Django's list of 20,000 common ones.

The list below holds passwords seen most often in leaks of Vietnamese services (the
patterns of names, "anhyeuem", keyboard walks with the year); the comparison ignores
case, diacritics and trailing digits so that "AnhYeuEm2026" is refused too.
"""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from dichvucong.core.text import fold

_BREACHED_STEMS = frozenset(
    {
        "anhyeuem", "emyeuanh", "iloveyou", "matkhau", "password", "passw0rd", "123456", "12345678",
        "123456789", "1234567890", "qwerty", "qwertyuiop", "asdfghjkl", "zxcvbnm", "abc123", "admin",
        "dichvucong", "vietnam", "vietnamvodich", "hanoi", "saigon", "hochiminh", "yeuem", "yeuanh",
        "thuonganh", "thuongem", "nguyen", "nguyenvan", "tranvan", "levan", "phamvan", "hoangvan",
        "huongiang", "minhanh", "ngocanh", "thanhhuong", "hoilamgi", "conmeo", "concho", "doremon",
        "football", "bongda", "manchester", "chelsea", "arsenal", "liverpool", "princess", "sunshine",
        "letmein", "welcome", "trustno1", "dragon", "monkey", "baseball", "superman", "batman",
        "khongbiet", "khongcopass", "matkhaucuatoi", "taikhoan", "dangnhap", "cccd", "cancuoc",
    }
)


class KnownBreachedPasswordValidator:
    def validate(self, password: str, user=None) -> None:  # noqa: ANN001 - Django's signature
        stem = re.sub(r"[\d\W_]+$", "", fold(password).replace(" ", ""))
        if stem in _BREACHED_STEMS or fold(password).replace(" ", "") in _BREACHED_STEMS:
            raise ValidationError(
                _("Mật khẩu này đã xuất hiện trong các vụ lộ lọt dữ liệu. Hãy chọn mật khẩu khác."),
                code="password_breached",
            )

    def get_help_text(self) -> str:
        return _("Mật khẩu không được là mật khẩu đã bị lộ lọt.")
