"""The owner's input to the data store, validated at the edge."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

# The date picker sends ISO dates; a browser without one lets people type the Vietnamese way.
_DATE_FORMATS = ["%Y-%m-%d", "%d/%m/%Y"]


def _date_input() -> forms.DateInput:
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class ValidityForm(forms.Form):
    valid_from = forms.DateField(
        label=_("Có hiệu lực từ ngày"), required=False, input_formats=_DATE_FORMATS, widget=_date_input(),
        error_messages={"invalid": _("Nhập ngày theo dạng ngày/tháng/năm, ví dụ 31/12/2030.")},
    )
    valid_until = forms.DateField(
        label=_("Có hiệu lực đến hết ngày"), required=False, input_formats=_DATE_FORMATS, widget=_date_input(),
        help_text=_("Để trống nếu giấy tờ không có thời hạn."),
        error_messages={"invalid": _("Nhập ngày theo dạng ngày/tháng/năm, ví dụ 31/12/2030.")},
    )

    def clean(self):
        data = super().clean()
        start, end = data.get("valid_from"), data.get("valid_until")
        if start and end and end < start:
            self.add_error("valid_until", _("Ngày hết hiệu lực không được trước ngày bắt đầu có hiệu lực."))
        return data
