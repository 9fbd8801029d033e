"""API input and output shapes of the catalog (K3). Input is validated here, at the edge."""

from __future__ import annotations

import re
from typing import Any

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from .constants import AgencyLevel, GovernmentLevel, ServiceLevel, Target
from .models import Agency, Field, LifeEvent, Procedure, ProcedureVersion
from .search import MAX_QUERY_LENGTH, SearchQuery

MAX_PAGE = 1000
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _no_control_characters(value: str) -> str:
    if _CONTROL.search(value):
        raise serializers.ValidationError(_("Chứa ký tự không hợp lệ."), code="invalid_characters")
    return value


class PaginationParams(serializers.Serializer):
    page = serializers.IntegerField(min_value=1, max_value=MAX_PAGE, default=1)
    page_size = serializers.IntegerField(min_value=1, max_value=100, default=20)


class ProcedureSearchParams(PaginationParams):
    """The filters of /api/v1/procedures and of the site's search page (same rules for both)."""

    q = serializers.CharField(
        required=False, allow_blank=True, max_length=MAX_QUERY_LENGTH, trim_whitespace=True,
        validators=[_no_control_characters], help_text="Free text, with or without diacritics.",
    )
    field = serializers.SlugField(required=False, allow_blank=True, max_length=200, help_text="Field slug")
    agency = serializers.SlugField(required=False, allow_blank=True, max_length=120, help_text="Ministry slug")
    level = serializers.ChoiceField(choices=GovernmentLevel.choices, required=False, allow_blank=True)
    service_level = serializers.ChoiceField(choices=ServiceLevel.choices, required=False, allow_blank=True)
    target = serializers.ChoiceField(choices=Target.choices, required=False, allow_blank=True)
    life_event = serializers.SlugField(required=False, allow_blank=True, max_length=100)

    def validate_field(self, value: str) -> str:
        if value and not Field.objects.filter(slug=value).exists():
            raise serializers.ValidationError(_("Không có lĩnh vực này."), code="unknown_value")
        return value

    def validate_agency(self, value: str) -> str:
        if value and not Agency.objects.filter(slug=value).exists():
            raise serializers.ValidationError(_("Không có cơ quan này."), code="unknown_value")
        return value

    def validate_life_event(self, value: str) -> str:
        if value and not LifeEvent.objects.filter(slug=value).exists():
            raise serializers.ValidationError(_("Không có sự kiện này."), code="unknown_value")
        return value

    def to_query(self) -> SearchQuery:
        data: dict[str, Any] = self.validated_data
        return SearchQuery(
            text=data.get("q", ""),
            field=data.get("field", ""),
            agency=data.get("agency", ""),
            level=data.get("level", ""),
            service_level=data.get("service_level", ""),
            target=data.get("target", ""),
            life_event=data.get("life_event", ""),
            page=data["page"],
            page_size=data["page_size"],
        )


class AgencyParams(PaginationParams):
    level = serializers.ChoiceField(choices=AgencyLevel.choices, required=False, allow_blank=True)
    province = serializers.IntegerField(required=False, min_value=1, max_value=99)


class FieldRefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Field
        fields = ["slug", "name", "name_en"]


class AgencyRefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Agency
        fields = ["code", "slug", "name", "name_en", "level"]


class ProcedureListItemSerializer(serializers.ModelSerializer):
    field = FieldRefSerializer(allow_null=True)
    agency_levels = serializers.ListField(source="levels", child=serializers.CharField())
    owner = AgencyRefSerializer(allow_null=True)

    class Meta:
        model = Procedure
        fields = [
            "code", "name", "name_en", "field", "agency_levels", "service_level", "targets",
            "assurance_level", "owner", "popularity", "is_complete", "status",
        ]


class ProcedureVersionSerializer(serializers.ModelSerializer):
    field = FieldRefSerializer(allow_null=True)
    agency_levels = serializers.ListField(source="levels", child=serializers.CharField())

    class Meta:
        model = ProcedureVersion
        fields = [
            "number", "created_at", "change_note", "decision_number", "name", "name_en", "field",
            "procedure_type", "agency_levels", "targets", "service_level", "assurance_level",
            "channels", "components", "steps", "conditions", "legal_basis", "results",
            "related_codes", "implementing_agency", "competent_agency", "delegated_agency",
            "coordinating_agency", "submission_address", "source_url", "unparsed",
        ]


class VersionRefSerializer(serializers.ModelSerializer):
    class Meta:
        model = ProcedureVersion
        fields = ["number", "created_at", "change_note", "decision_number"]


class ProcedureDetailSerializer(ProcedureListItemSerializer):
    current = ProcedureVersionSerializer(allow_null=True)
    versions = VersionRefSerializer(many=True)
    life_events = serializers.SlugRelatedField(slug_field="slug", many=True, read_only=True)

    class Meta(ProcedureListItemSerializer.Meta):
        fields = [*ProcedureListItemSerializer.Meta.fields, "life_events", "current", "versions"]


class FacetValueSerializer(serializers.Serializer):
    value = serializers.CharField()
    count = serializers.IntegerField()


class ProcedureSearchResponseSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    page = serializers.IntegerField()
    page_size = serializers.IntegerField()
    pages = serializers.IntegerField()
    results = ProcedureListItemSerializer(many=True)
    facets = serializers.DictField(child=FacetValueSerializer(many=True))


class AgencySerializer(AgencyRefSerializer):
    parent = serializers.SlugRelatedField(slug_field="code", read_only=True)

    class Meta(AgencyRefSerializer.Meta):
        fields = [*AgencyRefSerializer.Meta.fields, "kind", "parent", "province_code", "ward_code"]


class FieldSerializer(FieldRefSerializer):
    ministry = serializers.SlugRelatedField(slug_field="code", read_only=True)
    procedure_count = serializers.IntegerField()

    class Meta(FieldRefSerializer.Meta):
        fields = [*FieldRefSerializer.Meta.fields, "ministry", "procedure_count"]


class LifeEventSerializer(serializers.ModelSerializer):
    procedures = serializers.SlugRelatedField(slug_field="code", many=True, read_only=True)

    class Meta:
        model = LifeEvent
        fields = ["slug", "audience", "name", "name_en", "description", "description_en", "procedures"]


def page_envelope(count: int, page: int, page_size: int) -> dict[str, int]:
    return {"count": count, "page": page, "page_size": page_size, "pages": max(1, -(-count // page_size))}
