from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from dichvucong.dossiers.eforms import commune_in_province, province_choices


class PickupForm(forms.Form):
    """Where the postman collects the paper originals (the citizen's answers as the default)."""

    name = forms.CharField(label=_("Người giao giấy tờ"), max_length=200)
    phone = forms.RegexField(label=_("Số điện thoại"), regex=r"^\+?[0-9 .]{9,16}$", max_length=20)
    address = forms.CharField(label=_("Địa chỉ lấy giấy tờ (số nhà, đường, thôn, xóm)"), max_length=300)
    province = forms.ChoiceField(label=_("Tỉnh, thành phố"))
    commune = forms.CharField(label=_("Mã xã, phường"), max_length=8, required=False)

    def __init__(self, *args, **kwargs) -> None:  # noqa: ANN002, ANN003
        super().__init__(*args, **kwargs)
        self.fields["province"].choices = [("", "—"), *province_choices()]

    def clean(self) -> dict:
        cleaned = super().clean()
        commune, province = cleaned.get("commune"), cleaned.get("province")
        if commune and province and not commune_in_province(commune, province):
            self.add_error("commune", _("Xã, phường này không thuộc tỉnh, thành phố đã chọn."))
        return cleaned
