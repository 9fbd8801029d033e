"""Electronic forms as data (C1, D2): a versioned schema per procedure, rendered and
validated on the server, prefilled from what the portal knows with its provenance.

Schema (JSON, one file per procedure under ``dossiers/eforms/``, docs/eforms.md)::

    {"procedure": "1.001193", "version": 1, "title": {"vi": …, "en": …},
     "sections": [{"key": "child", "title": {…}, "show_if": {"field": "…", "equals": …},
                   "fields": [{"key": "full_name", "type": "text", "label": {…}, "help": {…},
                               "required": true, "source": "attribute:full_name",
                               "editable": false, "choices": [[value, {vi, en}], …]}]}]}

Field types: text, textarea, date, number, pin, tax_code, phone, email, select, checkbox,
province, commune. Sources: ``attribute:<name>`` (an identity attribute, verified or
not), ``profile:email`` / ``profile:phone``, ``business:name|tax_code|enterprise_code|address``
(the business a dossier is filed for, from its enterprise registration; ``prefill_for``;
empty when the person files for themselves). A field with ``editable: false`` whose
value a registry verified is shown but cannot be changed; anything else can be corrected.
Fields of a section hidden by ``show_if`` are neither required nor kept. ``show_if`` names a
checkbox (the page's script hides the section while it is unticked).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from vietnam_provinces import Province, Ward

from dichvucong.accounts.identifiers import is_valid_pin, normalise_phone
from dichvucong.core.widgets import QuickSelect

SCHEMA_DIR = Path(__file__).resolve().parent / "eforms"
FIELD_TYPES = {"text", "textarea", "date", "number", "pin", "tax_code", "phone", "email", "select", "checkbox",
               "province", "commune"}
_TAX_CODE = re.compile(r"^\d{10}(-\d{3})?$|^\d{12}$")


class SchemaError(ValueError):
    """A form definition that does not follow the format: refused when it is loaded."""


@dataclass(frozen=True)
class FieldSpec:
    key: str
    type: str
    label: dict[str, str]
    help: dict[str, str] = field(default_factory=dict)
    required: bool = False
    source: str = ""
    editable: bool = True
    choices: tuple[tuple[str, dict[str, str]], ...] = ()
    max_length: int = 300


@dataclass(frozen=True)
class SectionSpec:
    key: str
    title: dict[str, str]
    fields: tuple[FieldSpec, ...]
    show_if: dict[str, Any] | None = None


@dataclass(frozen=True)
class FormSchema:
    procedure: str
    version: int
    title: dict[str, str]
    sections: tuple[SectionSpec, ...]

    def fields(self) -> list[tuple[SectionSpec, FieldSpec]]:
        return [(section, spec) for section in self.sections for spec in section.fields]


def _text(value: Any, where: str) -> dict[str, str]:
    if not isinstance(value, dict) or not value.get("vi"):
        raise SchemaError(f"{where}: needs a Vietnamese text ({{'vi': …, 'en': …}})")
    return {"vi": str(value["vi"]), "en": str(value.get("en") or value["vi"])}


def parse_schema(raw: dict) -> FormSchema:
    try:
        sections = []
        keys: set[str] = set()
        for section in raw["sections"]:
            specs = []
            for item in section["fields"]:
                key = f"{section['key']}.{item['key']}"
                if item["type"] not in FIELD_TYPES:
                    raise SchemaError(f"{key}: unknown type {item['type']!r}")
                if key in keys:
                    raise SchemaError(f"{key}: defined twice")
                keys.add(key)
                source = item.get("source", "")
                if source and not re.match(r"^(attribute:[a-z_]+|profile:(email|phone)|business:(name|tax_code|enterprise_code|address))$", source):
                    raise SchemaError(f"{key}: unknown source {source!r}")
                choices = tuple((str(v), _text(t, key)) for v, t in item.get("choices", []))
                if item["type"] == "select" and not choices:
                    raise SchemaError(f"{key}: a select needs choices")
                specs.append(FieldSpec(
                    key=key, type=item["type"], label=_text(item["label"], key),
                    help=_text(item["help"], key) if item.get("help") else {}, required=bool(item.get("required")),
                    source=source, editable=bool(item.get("editable", True)), choices=choices,
                    max_length=int(item.get("max_length", 300)),
                ))
            sections.append(SectionSpec(key=section["key"], title=_text(section["title"], section["key"]),
                                        fields=tuple(specs), show_if=section.get("show_if")))
        schema = FormSchema(procedure=str(raw["procedure"]), version=int(raw["version"]),
                            title=_text(raw["title"], "title"), sections=tuple(sections))
    except (KeyError, TypeError) as exc:
        raise SchemaError(f"malformed form definition: {exc}") from exc
    for section in schema.sections:
        if section.show_if and section.show_if.get("field") not in keys:
            raise SchemaError(f"{section.key}: show_if names an unknown field")
    return schema


@lru_cache(maxsize=256)
def schema_for(procedure_code: str) -> FormSchema | None:
    path = SCHEMA_DIR / f"{procedure_code}.json"
    if not path.exists():
        return None
    return parse_schema(json.loads(path.read_text(encoding="utf-8")))


def generic_schema(procedure_code: str) -> FormSchema:
    """For a procedure without a form of its own: who applies, what they ask, a declaration.
    The documents to attach are the procedure's dossier components (attachments step)."""
    return parse_schema({
        "procedure": procedure_code, "version": 0,
        "title": {"vi": "Đơn đề nghị", "en": "Application"},
        "sections": [
            {"key": "applicant", "title": {"vi": "Người nộp hồ sơ", "en": "Applicant"}, "fields": [
                {"key": "full_name", "type": "text", "required": True, "source": "attribute:full_name",
                 "editable": False, "label": {"vi": "Họ và tên", "en": "Full name"}},
                {"key": "pin", "type": "pin", "required": True, "source": "attribute:pin", "editable": False,
                 "label": {"vi": "Số định danh cá nhân", "en": "Personal identification number"}},
                {"key": "address", "type": "text", "required": True, "source": "attribute:permanent_address",
                 "label": {"vi": "Địa chỉ liên hệ", "en": "Contact address"}},
                {"key": "phone", "type": "phone", "required": True, "source": "profile:phone",
                 "label": {"vi": "Số điện thoại", "en": "Phone number"}},
                {"key": "email", "type": "email", "source": "profile:email",
                 "label": {"vi": "Thư điện tử", "en": "E-mail"}},
            ]},
            {"key": "request", "title": {"vi": "Nội dung đề nghị", "en": "Your request"}, "fields": [
                {"key": "details", "type": "textarea", "required": True, "max_length": 4000,
                 "label": {"vi": "Nội dung đề nghị", "en": "What you ask for"}},
                {"key": "declaration", "type": "checkbox", "required": True,
                 "label": {"vi": "Tôi cam đoan những thông tin trên là đúng sự thật",
                           "en": "I declare that the information above is true"}},
            ]},
        ],
    })


def form_schema(procedure_code: str) -> FormSchema:
    return schema_for(procedure_code) or generic_schema(procedure_code)


# --- Prefill ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Prefilled:
    value: str
    source: str  # the attribute's source ("population", "self"…), "profile" or BUSINESS_REGISTRATION
    verified: bool

    @property
    def source_label(self) -> str:
        from dichvucong.accounts.constants import AttributeSource

        if self.source in AttributeSource.values:
            return str(AttributeSource(self.source).label)
        if self.source == BUSINESS_REGISTRATION:
            return str(_("Đăng ký doanh nghiệp"))
        return str(_("Hồ sơ tài khoản"))


BUSINESS_REGISTRATION = "business_registration"


def prefill(schema: FormSchema, user) -> dict[str, Prefilled]:  # noqa: ANN001 - accounts.User
    """Every field whose value the portal knows, with where it came from."""
    attributes = {a.name: a for a in user.attributes.all()}
    known: dict[str, Prefilled] = {}
    for _section, spec in schema.fields():
        kind, _, name = spec.source.partition(":")
        if kind == "attribute" and name in attributes:
            attribute = attributes[name]
            known[spec.key] = Prefilled(attribute.value, attribute.source, attribute.is_verified)
        elif kind == "profile" and getattr(user, name, ""):
            confirmed = bool(getattr(user, f"{name}_confirmed_at", None))
            known[spec.key] = Prefilled(getattr(user, name), "profile", confirmed)
    return known


def prefill_for(schema: FormSchema, dossier) -> dict[str, Prefilled]:  # noqa: ANN001 - dossiers.Dossier
    """What ``prefill`` knows of the applicant and, for a dossier filed for a business, the
    business's registered name, code and address (``business:`` sources), verified when
    the enterprise registry confirmed the business."""
    known = prefill(schema, dossier.applicant)
    business = dossier.business
    if business is None:
        return known
    values = {"name": business.name, "tax_code": business.enterprise_code,
              "enterprise_code": business.enterprise_code, "address": business.address}
    for _section, spec in schema.fields():
        kind, _, name = spec.source.partition(":")
        if kind == "business" and values.get(name):
            known[spec.key] = Prefilled(values[name], BUSINESS_REGISTRATION, business.verified_at is not None)
    return known


# --- The Django form ---------------------------------------------------------------------


def _validate_pin(value: str) -> None:
    if not is_valid_pin(value):
        raise ValidationError(_("Số định danh cá nhân gồm 12 chữ số."))


def _validate_tax_code(value: str) -> None:
    if not _TAX_CODE.match(value):
        raise ValidationError(_("Mã số thuế gồm 10 chữ số (chi nhánh: 10 chữ số, gạch ngang, 3 chữ số) hoặc 12 chữ số."))


class PhoneField(forms.CharField):
    def clean(self, value):  # noqa: ANN001
        value = super().clean(value)
        if not value:
            return value
        phone = normalise_phone(value)
        if not phone:
            raise ValidationError(_("Số điện thoại di động Việt Nam gồm 10 chữ số, ví dụ 0912345678."))
        return phone


# Administrative units are read from ``vietnam_provinces`` once per process: 34 provinces and
# 3,321 communes that only change with a new release of the package.


@lru_cache(maxsize=1)
def province_choices() -> list[tuple[str, str]]:
    return [(str(int(p.code.value)), p.name) for p in Province.iter_all()]


@lru_cache(maxsize=1)
def _communes_by_province() -> dict[str, tuple[tuple[str, str], ...]]:
    grouped: dict[str, list[tuple[str, str]]] = {}
    for ward in Ward.iter_all():
        grouped.setdefault(str(int(ward.province_code.value)), []).append((str(int(ward.code.value)), ward.name))
    return {code: tuple(sorted(wards, key=lambda w: w[1])) for code, wards in grouped.items()}


def is_province(code: str) -> bool:
    return code in _communes_by_province()


def communes_of(province: str) -> tuple[tuple[str, str], ...]:
    """The communes of ``province`` (its code), by name; none for an unknown code."""
    return _communes_by_province().get(province, ())


def commune_choices() -> list[tuple[str, list[tuple[str, str]]]]:
    """Every commune, grouped by the name of its province."""
    names = dict(province_choices())
    return [(names[code], list(wards)) for code, wards in _communes_by_province().items()]


@lru_cache(maxsize=1)
def _commune_names() -> dict[str, str]:
    return {code: name for wards in _communes_by_province().values() for code, name in wards}


def display_value(spec: FieldSpec, value: object, language: str) -> object:
    """An answer as a person reads it: a choice's label, a province's or commune's name, a
    date as dd/mm/yyyy; anything else as it was given."""
    if spec.type == "select":
        labels = {key: label for key, label in spec.choices}
        label = labels.get(str(value))
        return (label.get(language) or label.get("vi")) if label else value
    if spec.type == "province":
        return dict(province_choices()).get(str(value), value)
    if spec.type == "commune":
        return _commune_names().get(str(value), value)
    if spec.type == "date" and isinstance(value, str) and len(value) == 10 and value[4] == "-":
        year, month, day = value.split("-")
        return f"{day}/{month}/{year}"
    return value


class CommuneField(forms.ChoiceField):
    """A commune of Vietnam. Its choices, what the select shows, are only the communes of the
    province chosen in the same form (``DossierForm`` sets them per form, a few dozen options
    instead of 3,321); it accepts any commune's code, and ``DossierForm.clean`` refuses one
    outside the chosen province with an error that says so."""

    def valid_value(self, value: Any) -> bool:
        return str(value) in _ward_province()


def commune_prompt(province: str) -> str:
    """The empty option of a commune select: a prompt to choose the province first."""
    return "—" if is_province(province) else str(_("Chọn tỉnh, thành phố trước"))


def _form_field(spec: FieldSpec, language: str) -> forms.Field:
    options = {"label": spec.label[language], "required": spec.required,
               "help_text": spec.help.get(language, "")}
    if spec.type == "textarea":
        return forms.CharField(max_length=spec.max_length, widget=forms.Textarea(attrs={"rows": 4}), **options)
    if spec.type == "date":
        return forms.DateField(widget=forms.DateInput(attrs={"type": "date"}), **options)
    if spec.type == "number":
        return forms.DecimalField(min_value=0, max_digits=14, decimal_places=2, **options)
    if spec.type == "pin":
        return forms.CharField(max_length=12, validators=[_validate_pin],
                               widget=forms.TextInput(attrs={"inputmode": "numeric"}), **options)
    if spec.type == "tax_code":
        return forms.CharField(max_length=14, validators=[_validate_tax_code], **options)
    if spec.type == "phone":
        return PhoneField(max_length=16, widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}),
                          **options)
    if spec.type == "email":
        return forms.EmailField(**options)
    if spec.type == "select":
        return forms.ChoiceField(choices=[("", "—")] + [(v, t[language]) for v, t in spec.choices],
                                 widget=QuickSelect, **options)
    if spec.type == "checkbox":
        return forms.BooleanField(**options)
    if spec.type == "province":
        return forms.ChoiceField(choices=[("", "—")] + province_choices(), widget=QuickSelect, **options)
    if spec.type == "commune":
        return CommuneField(widget=QuickSelect, **options)  # the choices: DossierForm._offer_communes
    return forms.CharField(max_length=spec.max_length, **options)


def field_name(key: str) -> str:
    return key.replace(".", "__")


class DossierForm(forms.Form):
    """Built from a schema by ``build_form``; ``cleaned_dossier_data()`` gives the stored shape."""

    schema: FormSchema

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._offer_communes()

    def _address_fields(self) -> tuple[FieldSpec | None, FieldSpec | None]:
        province = next((s for _, s in self.schema.fields() if s.type == "province"), None)
        commune = next((s for _, s in self.schema.fields() if s.type == "commune"), None)
        return province, commune

    def _offer_communes(self) -> None:
        """The commune select lists the communes of the province chosen (posted, or saved or
        prefilled); none chosen, only a prompt to choose it. Changing the province asks for
        the new list (htmx, ``dossiers:communes``); without JavaScript, the province field's
        ``updates_communes`` button (action "communes") saves the draft and the page comes back
        at the commune select, with the list."""
        province_spec, commune_spec = self._address_fields()
        if commune_spec is None:
            return
        commune = self[field_name(commune_spec.key)]
        province = str(self[field_name(province_spec.key)].value() or "") if province_spec else ""
        commune.field.choices = [("", commune_prompt(province)), *communes_of(province)]
        if province_spec is None:
            return
        province_field = self.fields[field_name(province_spec.key)]
        province_field.updates_communes = True
        province_field.widget.attrs.update({
            "hx-get": reverse("dossiers:communes"), "hx-trigger": "change", "hx-sync": "this:replace",
            "hx-target": f"#{commune.id_for_label}", "hx-swap": "innerHTML",
            "data-commune-list": True, "aria-controls": commune.id_for_label,
        })

    def _section_shown(self, section: SectionSpec) -> bool:
        rule = section.show_if
        if not rule:
            return True
        raw = self.data.get(field_name(rule["field"])) if self.is_bound else self.initial.get(field_name(rule["field"]))
        expected = rule.get("equals")
        if isinstance(expected, bool):
            return (raw in ("on", "true", "True", True)) is expected
        return str(raw or "") == str(expected)

    def full_clean(self):
        # A hidden section's fields are not required and their values are not kept.
        for section in self.schema.sections:
            if not self._section_shown(section):
                for spec in section.fields:
                    self.fields[field_name(spec.key)].required = False
        super().full_clean()

    def clean(self):
        data = super().clean()
        province_field, commune_field = self._address_fields()
        if province_field and commune_field:
            province = data.get(field_name(province_field.key))
            commune = data.get(field_name(commune_field.key))
            if province and commune and not commune_in_province(commune, province):
                self.add_error(field_name(commune_field.key), _("Xã, phường không thuộc tỉnh, thành phố đã chọn."))
            elif commune and not province and field_name(province_field.key) not in self.errors:
                self.add_error(field_name(commune_field.key), _("Hãy chọn tỉnh, thành phố trước."))
        return data

    def cleaned_dossier_data(self) -> dict[str, Any]:
        kept: dict[str, Any] = {}
        for section in self.schema.sections:
            if not self._section_shown(section):
                continue
            for spec in section.fields:
                value = self.cleaned_data.get(field_name(spec.key))
                kept[spec.key] = value.isoformat() if hasattr(value, "isoformat") else (
                    str(value) if value is not None and not isinstance(value, (bool, str)) else value)
        return kept

    def sections(self) -> list[tuple[SectionSpec, list[forms.BoundField], bool, str]]:
        """For the template: each section, its bound fields, whether it starts shown, and the
        id of the checkbox that shows it (the page's script hides it while unticked)."""
        rows = []
        for section in self.schema.sections:
            controller = self[field_name(section.show_if["field"])].id_for_label if section.show_if else ""
            rows.append((section, [self[field_name(spec.key)] for spec in section.fields],
                         self._section_shown(section), controller))
        return rows


@lru_cache(maxsize=1)
def _ward_province() -> dict[str, str]:
    return {str(int(w.code.value)): str(int(w.province_code.value)) for w in Ward.iter_all()}


def commune_in_province(commune: str, province: str) -> bool:
    return _ward_province().get(commune) == province


def build_form(  # noqa: ANN001
    schema: FormSchema, *, language: str, prefilled: dict[str, Prefilled], data=None, saved: dict | None = None
) -> DossierForm:
    """The form for ``schema``: known values, then what a saved draft holds, as initial
    data; verified, non-editable values disabled, so whatever a browser sends is ignored."""
    language = "en" if language == "en" else "vi"
    fields: dict[str, forms.Field] = {}
    initial: dict[str, Any] = {}
    for _section, spec in schema.fields():
        name = field_name(spec.key)
        fields[name] = _form_field(spec, language)
        known = prefilled.get(spec.key)
        if known is not None:
            initial[name] = known.value
            if known.verified and not spec.editable:
                fields[name].disabled = True
        if saved and name in saved and not fields[name].disabled:
            initial[name] = saved[name]
    form_class = type("GeneratedDossierForm", (DossierForm,), {**fields, "schema": schema})
    return form_class(data=data, initial=initial)
