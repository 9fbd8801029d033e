"""Catalog management (A1): agencies' editors change only their own procedures.

Editing a procedure never overwrites it: the form's changes become a new version
through ``services.amend_procedure``; abolition is an action, and old versions
stay readable.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from . import services
from .constants import AssuranceLevel, ServiceLevel
from .models import Agency, CatalogEditor, FaqEntry, Field, LifeEvent, Procedure, ProcedureVersion


def editor_agency(request: HttpRequest) -> Agency | None:
    """The agency whose catalog this user edits; None for system administrators."""
    if request.user.is_superuser:
        return None
    editor = CatalogEditor.objects.select_related("agency").filter(user=request.user).first()
    return editor.agency if editor else Agency(pk=-1, name="-", code="-")  # sees nothing


class ProcedureAmendForm(forms.ModelForm):
    """The editable part of the current version, plus why it changed."""

    name = forms.CharField(label=_("Tên thủ tục"), max_length=1000, widget=forms.Textarea(attrs={"rows": 2}))
    name_en = forms.CharField(label=_("Tên tiếng Anh"), max_length=1000, required=False)
    service_level = forms.ChoiceField(label=_("Mức độ trực tuyến"), choices=ServiceLevel.choices)
    assurance_level = forms.TypedChoiceField(label=_("Mức xác thực"), choices=AssuranceLevel.choices, coerce=int)
    conditions = forms.CharField(label=_("Yêu cầu, điều kiện"), required=False, widget=forms.Textarea(attrs={"rows": 4}))
    decision_number = forms.CharField(label=_("Quyết định công bố"), max_length=200, required=False)
    change_note = forms.CharField(label=_("Lý do sửa đổi"), max_length=500)

    class Meta:
        model = Procedure
        fields: list[str] = []

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        current = self.instance.current if self.instance.pk else None
        if current is not None:
            for name in ("name", "name_en", "service_level", "assurance_level", "conditions", "decision_number"):
                self.fields[name].initial = getattr(current, name)


class VersionInline(admin.TabularInline):
    model = ProcedureVersion
    fields = ("number", "created_at", "change_note", "decision_number", "name")
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Procedure)
class ProcedureAdmin(admin.ModelAdmin):
    form = ProcedureAmendForm
    list_display = ("code", "name", "owner", "service_level", "status", "popularity", "is_complete")
    list_filter = ("status", "service_level", "is_complete", "owner")
    search_fields = ("code", "name")
    readonly_fields = ("code", "status", "owner", "popularity", "field")
    inlines = [VersionInline]
    actions = ["abolish"]
    list_select_related = ("owner",)

    def get_queryset(self, request: HttpRequest) -> QuerySet[Procedure]:
        queryset = super().get_queryset(request)
        agency = editor_agency(request)
        return queryset if agency is None else queryset.filter(owner=agency)

    def has_add_permission(self, request: HttpRequest) -> bool:
        # New procedures enter through the national catalog's import, never by hand.
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def save_model(self, request, obj, form, change):
        changes = {name: form.cleaned_data[name] for name in ("name", "name_en", "service_level", "assurance_level", "conditions", "decision_number")}
        services.amend_procedure(procedure=obj, changes=changes, change_note=form.cleaned_data["change_note"])

    @admin.action(description=_("Bãi bỏ các thủ tục đã chọn"), permissions=["change"])
    def abolish(self, request: HttpRequest, queryset: QuerySet[Procedure]) -> None:
        for procedure in queryset:
            services.abolish_procedure(procedure=procedure)
        self.message_user(request, _("Đã bãi bỏ %(n)d thủ tục.") % {"n": queryset.count()}, messages.SUCCESS)


@admin.register(ProcedureVersion)
class ProcedureVersionAdmin(admin.ModelAdmin):
    list_display = ("procedure", "number", "created_at", "change_note")
    search_fields = ("procedure__code",)
    list_select_related = ("procedure",)

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        agency = editor_agency(request)
        return queryset if agency is None else queryset.filter(procedure__owner=agency)

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in ProcedureVersion._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Agency)
class AgencyAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "level", "kind", "parent")
    list_filter = ("level", "kind")
    search_fields = ("code", "name")
    raw_id_fields = ("parent",)


@admin.register(Field)
class FieldAdmin(admin.ModelAdmin):
    list_display = ("name", "name_en", "ministry")
    search_fields = ("name",)


@admin.register(LifeEvent)
class LifeEventAdmin(admin.ModelAdmin):
    list_display = ("name", "audience", "order")
    filter_horizontal = ("procedures",)


@admin.register(FaqEntry)
class FaqEntryAdmin(admin.ModelAdmin):
    list_display = ("question", "topic", "procedure", "agency")
    list_filter = ("topic",)
    search_fields = ("question",)
    raw_id_fields = ("procedure", "agency")

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        agency = editor_agency(request)
        return queryset if agency is None else queryset.filter(agency=agency)

    def save_model(self, request, obj, form, change):
        agency = editor_agency(request)
        if agency is not None:
            obj.agency = agency
        services.save_faq_entry(obj)


@admin.register(CatalogEditor)
class CatalogEditorAdmin(admin.ModelAdmin):
    list_display = ("user", "agency")
    raw_id_fields = ("user", "agency")
