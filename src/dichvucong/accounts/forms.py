from __future__ import annotations

from datetime import date

from django import forms
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from dichvucong.accounts.constants import DelegatedPermission
from dichvucong.accounts.identifiers import is_valid_pin, normalise_phone


def _date_input():
    return forms.DateInput(attrs={"type": "date", "autocomplete": "bday"}, format="%Y-%m-%d")


class SignInForm(forms.Form):
    identifier = forms.CharField(
        label=_("Số định danh cá nhân, thư điện tử hoặc số điện thoại"), max_length=254,
        widget=forms.TextInput(attrs={"autocomplete": "username", "autocapitalize": "none", "spellcheck": "false"}),
    )
    password = forms.CharField(
        label=_("Mật khẩu"), max_length=256, strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )


class CodeForm(forms.Form):
    code = forms.RegexField(
        label=_("Mã xác thực (6 chữ số)"), regex=r"^\s*\d{6}\s*$", max_length=8,
        error_messages={"invalid": _("Mã gồm 6 chữ số.")},
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )


class _PasswordPair(forms.Form):
    password = forms.CharField(
        label=_("Mật khẩu"), strip=False, max_length=256,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_("Ít nhất 12 ký tự; không dùng mật khẩu phổ biến hoặc đã bị lộ."),
    )
    password_again = forms.CharField(
        label=_("Nhập lại mật khẩu"), strip=False, max_length=256,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean(self):
        data = super().clean()
        if data.get("password") and data.get("password") != data.get("password_again"):
            self.add_error("password_again", _("Hai mật khẩu không giống nhau."))
        if data.get("password") and not self.errors.get("password"):
            try:
                validate_password(data["password"])
            except ValidationError as exc:
                self.add_error("password", exc)
        return data


class CitizenRegistrationForm(_PasswordPair):
    pin = forms.CharField(
        label=_("Số định danh cá nhân (12 số trên thẻ căn cước)"), max_length=12, min_length=12,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    full_name = forms.CharField(label=_("Họ và tên"), max_length=200,
                                widget=forms.TextInput(attrs={"autocomplete": "name"}))
    date_of_birth = forms.DateField(label=_("Ngày sinh"), widget=_date_input())
    email = forms.EmailField(label=_("Thư điện tử"), widget=forms.EmailInput(attrs={"autocomplete": "email"}))
    phone = forms.CharField(label=_("Số điện thoại di động"), max_length=16,
                            widget=forms.TextInput(attrs={"autocomplete": "tel", "inputmode": "tel"}))
    field_order = ["pin", "full_name", "date_of_birth", "email", "phone", "password", "password_again"]

    def clean_date_of_birth(self) -> date:
        value = self.cleaned_data["date_of_birth"]
        if value > timezone.localdate() or value.year < 1900:
            raise ValidationError(_("Ngày sinh không hợp lệ."))
        return value

    def clean_phone(self) -> str:
        phone = normalise_phone(self.cleaned_data["phone"])
        if not phone:
            raise ValidationError(_("Số điện thoại di động Việt Nam gồm 10 chữ số, ví dụ 0912345678."))
        return phone

    def clean(self):
        data = super().clean()
        pin, dob = data.get("pin"), data.get("date_of_birth")
        if pin and not is_valid_pin(pin, date_of_birth=dob):
            self.add_error("pin", _("Số định danh cá nhân gồm 12 chữ số và phải khớp với năm sinh."))
        return data


class ForeignerRegistrationForm(_PasswordPair):
    passport_number = forms.RegexField(label=_("Số hộ chiếu"), regex=r"^[A-Za-z0-9]{6,20}$", max_length=20)
    nationality = forms.RegexField(label=_("Quốc tịch (mã 2 chữ cái, ví dụ JP)"), regex=r"^[A-Za-z]{2}$",
                                   max_length=2)
    full_name = forms.CharField(label=_("Họ và tên"), max_length=200)
    date_of_birth = forms.DateField(label=_("Ngày sinh"), widget=_date_input())
    email = forms.EmailField(label=_("Thư điện tử"), widget=forms.EmailInput(attrs={"autocomplete": "email"}))
    field_order = ["passport_number", "nationality", "full_name", "date_of_birth", "email", "password",
                   "password_again"]


class RecoveryRequestForm(forms.Form):
    identifier = forms.CharField(label=_("Số định danh cá nhân hoặc thư điện tử"), max_length=254)


class RecoveryCompleteForm(_PasswordPair):
    identifier = forms.CharField(label=_("Số định danh cá nhân hoặc thư điện tử"), max_length=254)
    code = CodeForm.base_fields["code"]
    field_order = ["identifier", "code", "password", "password_again"]


class CertificateSignInForm(forms.Form):
    pin = forms.RegexField(label=_("Số định danh cá nhân"), regex=r"^\d{12}$", max_length=12,
                           error_messages={"invalid": _("Số định danh cá nhân gồm 12 chữ số.")})


class BusinessForm(forms.Form):
    enterprise_code = forms.RegexField(label=_("Mã số doanh nghiệp"), regex=r"^\d{10}$", max_length=10,
                                       error_messages={"invalid": _("Mã số doanh nghiệp gồm 10 chữ số.")})


class DelegationForm(forms.Form):
    delegate_pin = forms.RegexField(label=_("Số định danh của người được ủy quyền"), regex=r"^\d{12}$",
                                    max_length=12)
    permissions = forms.MultipleChoiceField(label=_("Quyền được ủy quyền"), choices=DelegatedPermission.choices,
                                            widget=forms.CheckboxSelectMultiple)
    valid_until = forms.DateField(label=_("Hiệu lực đến ngày"), widget=forms.DateInput(attrs={"type": "date"}))

    def clean_valid_until(self) -> date:
        value = self.cleaned_data["valid_until"]
        if value <= timezone.localdate():
            raise ValidationError(_("Ngày hết hiệu lực phải sau hôm nay."))
        return value


class ContactForm(forms.Form):
    email = forms.EmailField(label=_("Thư điện tử"), widget=forms.EmailInput(attrs={"autocomplete": "email"}))
    phone = forms.CharField(label=_("Số điện thoại di động"), max_length=16,
                            widget=forms.TextInput(attrs={"autocomplete": "tel", "inputmode": "tel"}))

    def clean_phone(self) -> str:
        phone = normalise_phone(self.cleaned_data["phone"])
        if not phone:
            raise ValidationError(_("Số điện thoại di động Việt Nam gồm 10 chữ số, ví dụ 0912345678."))
        return phone
