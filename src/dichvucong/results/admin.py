"""Issued results in the admin: read only; revocation through the service, with a reason."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from .models import IssuedResult
from .services import ResultRefused, revoke_result


class RevokeForm(forms.Form):
    reason = forms.CharField(label=_("Lý do thu hồi"), max_length=500, widget=forms.Textarea(attrs={"rows": 3}))


@admin.register(IssuedResult)
class IssuedResultAdmin(admin.ModelAdmin):
    list_display = ["reference", "title", "agency", "issued_at", "revoked_at"]
    list_filter = ["result_type", "revoked_at"]
    search_fields = ["reference", "sha256", "signer_serial"]
    list_select_related = ["agency"]
    actions = ["revoke"]
    readonly_fields = [field.name for field in IssuedResult._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: IssuedResult | None = None) -> bool:
        return False  # a signed result is withdrawn (revoked), never erased

    def has_change_permission(self, request: HttpRequest, obj: IssuedResult | None = None) -> bool:
        return False

    @admin.action(description=_("Thu hồi kết quả đã chọn"), permissions=["view"])
    def revoke(self, request: HttpRequest, queryset: QuerySet[IssuedResult]) -> HttpResponse | None:
        form = RevokeForm(request.POST if "reason" in request.POST else None)
        if form.is_bound and form.is_valid():
            done = 0
            for result in queryset.filter(revoked_at__isnull=True):
                try:
                    revoke_result(result, reason=form.cleaned_data["reason"], actor=request.user)
                except ResultRefused as refused:
                    self.message_user(request, f"{result.reference}: {refused.code}", messages.ERROR)
                    continue
                done += 1
            self.message_user(request, ngettext("Đã thu hồi %(n)d kết quả.", "Đã thu hồi %(n)d kết quả.", done)
                              % {"n": done}, messages.SUCCESS)
            return None
        return TemplateResponse(request, "results/admin_revoke.html", {
            **self.admin_site.each_context(request), "title": _("Thu hồi kết quả"), "form": form,
            "results": queryset, "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME, "opts": self.model._meta,
        })
