"""The public status lookup page (F3): no account needed, code plus a second factor."""

from __future__ import annotations

from django import forms
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from dichvucong.core.ratelimit import allow, client_address, spent
from dichvucong.dossiers import lookup


class StatusLookupForm(forms.Form):
    code = forms.CharField(
        label=gettext_lazy("Mã hồ sơ"), max_length=48,
        help_text=gettext_lazy("In trên giấy biên nhận, ví dụ 000.00.15.H29-250701-0001."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"}),
    )
    factor = forms.CharField(
        label=gettext_lazy("Mã tra cứu hoặc số điện thoại của người nộp"), max_length=32,
        help_text=gettext_lazy("Mã tra cứu gồm 8 ký tự in trên giấy biên nhận (ví dụ ABCD-EFGH), "
                               "hoặc số điện thoại đã đăng ký tài khoản của người nộp hồ sơ."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"}),
    )


def _too_many(request: HttpRequest) -> HttpResponse:
    return render(request, "dossiers/status_lookup.html", {
        "too_many": _("Bạn đã tra cứu quá nhiều lần. Vui lòng đợi một lúc rồi thử lại."),
    }, status=429)


@never_cache  # the result, and the form's CSRF token, are for this asker only
@require_http_methods(["GET", "POST"])
def status_lookup(request: HttpRequest) -> HttpResponse:
    """A form (code + lookup secret or phone); on success the dossier's public status. One
    generic message for every failure, and budgets per client address and per code."""
    form = StatusLookupForm(request.POST or None)
    if request.method != "POST":
        return render(request, "dossiers/status_lookup.html", {"form": form})
    if not allow("dossier_lookup", client_address(request), lookup.LOOKUP_TRIES_PER_ADDRESS):
        return _too_many(request)
    if not form.is_valid():
        return render(request, "dossiers/status_lookup.html", {"form": form}, status=400)
    code_key = lookup.normalise_code(form.cleaned_data["code"])
    if spent("dossier_lookup_code", code_key, lookup.LOOKUP_FAILURES_PER_CODE):
        return _too_many(request)
    dossier = lookup.find_for_lookup(code=form.cleaned_data["code"], factor=form.cleaned_data["factor"])
    if dossier is None:
        allow("dossier_lookup_code", code_key, lookup.LOOKUP_FAILURES_PER_CODE)  # one failure more
        form.add_error(None, _("Không tìm thấy hồ sơ với thông tin đã nhập. Hãy kiểm tra mã hồ sơ và "
                               "mã tra cứu hoặc số điện thoại."))
        return render(request, "dossiers/status_lookup.html", {"form": form}, status=400)
    return render(request, "dossiers/status_lookup.html", {
        "form": StatusLookupForm(), "result": lookup.public_status(dossier),
    })
