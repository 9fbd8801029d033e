from django import forms
from django.utils.translation import gettext_lazy as _


class ResultFileForm(forms.Form):
    file = forms.FileField(
        label=_("Tệp kết quả (PDF)"),
        help_text=_("Tệp PDF kết quả điện tử đã ký số, tối đa 20 MB."),
        allow_empty_file=True,  # an empty file gets the verification's own answer (not_pdf)
        widget=forms.ClearableFileInput(attrs={"accept": "application/pdf,.pdf"}),
    )
