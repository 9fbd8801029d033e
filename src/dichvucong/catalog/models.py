"""The procedure catalog (A1, A4, A5).

A procedure is an identity (its national code) with a chain of immutable
versions. An amendment adds a version; abolition marks the procedure abolished
but keeps every version readable, so a dossier can always show the rules it was
filed under. The fields the site filters and ranks on are copied from the current
version onto the procedure row by ``services.record_version`` and nowhere else.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from .constants import (
    AgencyLevel,
    AssuranceLevel,
    Audience,
    ProcedureStatus,
    ServiceLevel,
)


class TranslatedNameMixin(models.Model):
    """Vietnamese is the source; English falls back to it where none was written."""

    name = models.CharField(_("tên"), max_length=1000)
    name_en = models.CharField(_("tên tiếng Anh"), max_length=1000, blank=True)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return self.name

    @property
    def display_name(self) -> str:
        if get_language() == "en" and self.name_en:
            return self.name_en
        return self.name


class Agency(TranslatedNameMixin):
    code = models.CharField(_("mã định danh"), max_length=40, unique=True)
    slug = models.SlugField(max_length=120, unique=True)
    level = models.CharField(_("cấp"), max_length=20, choices=AgencyLevel.choices, db_index=True)
    kind = models.CharField(_("loại"), max_length=40, blank=True, db_index=True, help_text=_("Loại sở, ngành chuẩn"))
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="children")
    province_code = models.PositiveIntegerField(null=True, blank=True, db_index=True)
    ward_code = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        verbose_name = _("cơ quan")
        verbose_name_plural = _("cơ quan")
        ordering = ["level", "name"]


class Field(TranslatedNameMixin):
    """A field of administration (lĩnh vực), owned by a ministry."""

    slug = models.SlugField(max_length=200, unique=True)
    ministry = models.ForeignKey(Agency, null=True, blank=True, on_delete=models.SET_NULL, related_name="fields")

    class Meta:
        verbose_name = _("lĩnh vực")
        verbose_name_plural = _("lĩnh vực")
        ordering = ["name"]


class Procedure(models.Model):
    code = models.CharField(_("mã thủ tục"), max_length=20, unique=True)
    status = models.CharField(max_length=20, choices=ProcedureStatus.choices, default=ProcedureStatus.ACTIVE, db_index=True)
    owner = models.ForeignKey(
        Agency, null=True, blank=True, on_delete=models.PROTECT, related_name="procedures",
        help_text=_("Bộ, ngành công bố và quản lý thủ tục"),
    )
    popularity = models.BigIntegerField(_("mức độ sử dụng"), default=0, db_index=True)
    is_vertical = models.BooleanField(_("ngành dọc"), default=False)
    is_complete = models.BooleanField(
        _("đủ thông tin"), default=True,
        help_text=_("Sai khi chỉ biết mã, tên và mức độ sử dụng (chưa có trong bộ dữ liệu đầy đủ)"),
    )
    current = models.ForeignKey("ProcedureVersion", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    # Copied from the current version; see the module docstring.
    name = models.TextField()
    name_en = models.TextField(blank=True)
    field = models.ForeignKey(Field, null=True, blank=True, on_delete=models.PROTECT, related_name="procedures")
    levels = models.JSONField(default=list)
    targets = models.JSONField(default=list)
    service_level = models.CharField(max_length=20, choices=ServiceLevel.choices, default=ServiceLevel.OFFLINE)
    assurance_level = models.PositiveSmallIntegerField(choices=AssuranceLevel.choices, default=AssuranceLevel.LEVEL_2)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("thủ tục hành chính")
        verbose_name_plural = _("thủ tục hành chính")
        ordering = ["-popularity", "code"]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    @property
    def display_name(self) -> str:
        if get_language() == "en" and self.name_en:
            return self.name_en
        return self.name


class ProcedureVersion(models.Model):
    """One published state of a procedure; never edited once written."""

    procedure = models.ForeignKey(Procedure, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    content_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)
    change_note = models.CharField(max_length=500, blank=True)
    decision_number = models.CharField(_("quyết định công bố"), max_length=200, blank=True)
    name = models.TextField()
    name_en = models.TextField(blank=True)
    field = models.ForeignKey(Field, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    procedure_type = models.CharField(max_length=200, blank=True)
    levels = models.JSONField(default=list)
    targets = models.JSONField(default=list)
    service_level = models.CharField(max_length=20, choices=ServiceLevel.choices)
    assurance_level = models.PositiveSmallIntegerField(choices=AssuranceLevel.choices)
    channels = models.JSONField(default=list, help_text="[{channel, time, time_unit, fees:[{label, amount}], fee_text, description}]")
    components = models.JSONField(default=list, help_text="[{group, name, form, copies_original, copies_copy}]")
    steps = models.JSONField(default=list)
    conditions = models.TextField(blank=True)
    legal_basis = models.JSONField(default=list, help_text="[{number, title}]")
    results = models.JSONField(default=list, help_text="[{code, name}]")
    related_codes = models.JSONField(default=list)
    implementing_agency = models.TextField(blank=True)
    competent_agency = models.TextField(blank=True)
    delegated_agency = models.TextField(blank=True)
    coordinating_agency = models.TextField(blank=True)
    submission_address = models.TextField(blank=True)
    department_kinds = models.JSONField(default=list, help_text="Standard provincial departments that implement it")
    source_url = models.URLField(max_length=500, blank=True)
    unparsed = models.JSONField(default=dict, help_text="Original text of what the importer could not parse")
    parse_report = models.JSONField(default=dict)

    class Meta:
        verbose_name = _("phiên bản thủ tục")
        verbose_name_plural = _("phiên bản thủ tục")
        ordering = ["procedure", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["procedure", "number"], name="procedure_version_unique_number"),
        ]

    def __str__(self) -> str:
        return f"{self.procedure.code} v{self.number}"

    @property
    def display_name(self) -> str:
        if get_language() == "en" and self.name_en:
            return self.name_en
        return self.name


class LifeEvent(TranslatedNameMixin):
    slug = models.SlugField(max_length=100, unique=True)
    audience = models.CharField(max_length=20, choices=Audience.choices)
    description = models.TextField(blank=True)
    description_en = models.TextField(blank=True)
    order = models.PositiveSmallIntegerField(default=0)
    procedures = models.ManyToManyField(Procedure, related_name="life_events", blank=True)

    class Meta:
        verbose_name = _("sự kiện cuộc đời")
        verbose_name_plural = _("sự kiện cuộc đời")
        ordering = ["audience", "order"]

    @property
    def display_description(self) -> str:
        if get_language() == "en" and self.description_en:
            return self.description_en
        return self.description


class FaqEntry(models.Model):
    question = models.CharField(max_length=500)
    question_en = models.CharField(max_length=500, blank=True)
    answer = models.TextField()
    answer_en = models.TextField(blank=True)
    topic = models.CharField(max_length=100, blank=True)
    procedure = models.ForeignKey(Procedure, null=True, blank=True, on_delete=models.CASCADE, related_name="faq")
    agency = models.ForeignKey(Agency, null=True, blank=True, on_delete=models.CASCADE, related_name="faq")
    order = models.PositiveIntegerField(default=0)
    search_text = models.TextField(editable=False, default="", help_text="Folded question and answer, for search")

    class Meta:
        verbose_name = _("câu hỏi thường gặp")
        verbose_name_plural = _("câu hỏi thường gặp")
        ordering = ["order", "id"]

    def __str__(self) -> str:
        return self.question

    @property
    def display_question(self) -> str:
        return self.question_en if get_language() == "en" and self.question_en else self.question

    @property
    def display_answer(self) -> str:
        return self.answer_en if get_language() == "en" and self.answer_en else self.answer


class CatalogEditor(models.Model):
    """An official who edits the catalog entries of one agency (and only those)."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="catalog_editor")
    agency = models.ForeignKey(Agency, on_delete=models.CASCADE, related_name="editors")

    class Meta:
        verbose_name = _("biên tập viên danh mục")
        verbose_name_plural = _("biên tập viên danh mục")

    def __str__(self) -> str:
        return f"{self.user} @ {self.agency.code}"


class CatalogRevision(models.Model):
    """A single row whose token changes with every catalog change; search indexes and caches watch it.

    A random token rather than a counter: a rolled-back change restores the old token,
    which can never be mistaken for a later, different change.
    """

    token = models.CharField(max_length=32, default="")

    def __str__(self) -> str:
        return f"catalog revision {self.token}"
