"""Reads of the catalog, shaped for pages and the API."""

from __future__ import annotations

from django.db.models import Count, Q, QuerySet
from django.http import Http404

from dichvucong.core.text import fold

from .constants import AgencyLevel, GovernmentLevel, ProcedureStatus
from .models import Agency, FaqEntry, Field, LifeEvent, Procedure, ProcedureVersion
from .search import SearchQuery, SearchResult, get_index, search_procedures


def catalog_revision() -> str:
    """The catalog's revision as the search index last saw it (cheap; used in cache keys)."""
    return get_index().revision


def get_procedure(code: str) -> Procedure:
    procedure = Procedure.objects.select_related("current", "current__field", "field", "owner").filter(code=code).first()
    if procedure is None:
        raise Http404("procedure not found")
    return procedure


def procedure_versions(procedure: Procedure) -> QuerySet[ProcedureVersion]:
    return procedure.versions.only("id", "number", "created_at", "change_note", "decision_number", "procedure_id")


def get_procedure_version(code: str, number: int) -> ProcedureVersion:
    version = ProcedureVersion.objects.select_related("procedure", "field").filter(procedure__code=code, number=number).first()
    if version is None:
        raise Http404("version not found")
    return version


def related_procedures(procedure: Procedure) -> QuerySet[Procedure]:
    """Lazy, so that a cached procedure page does not query it."""
    codes = procedure.current.related_codes if procedure.current else []
    return Procedure.objects.filter(code__in=codes, status=ProcedureStatus.ACTIVE).only("code", "name", "name_en")


def popular_procedures(limit: int = 8) -> list[Procedure]:
    return search_procedures(SearchQuery(page_size=limit)).procedures()


def life_events(audience: str | None = None) -> QuerySet[LifeEvent]:
    events = LifeEvent.objects.annotate(
        procedure_count=Count("procedures", filter=Q(procedures__status=ProcedureStatus.ACTIVE))
    )
    return events.filter(audience=audience) if audience else events


def get_life_event(slug: str) -> LifeEvent:
    event = LifeEvent.objects.filter(slug=slug).first()
    if event is None:
        raise Http404("life event not found")
    return event


def fields_with_counts() -> QuerySet[Field]:
    return (
        Field.objects.select_related("ministry")
        .annotate(procedure_count=Count("procedures", filter=Q(procedures__status=ProcedureStatus.ACTIVE)))
        .filter(procedure_count__gt=0)
    )


def get_field(slug: str) -> Field:
    field = Field.objects.select_related("ministry").filter(slug=slug).first()
    if field is None:
        raise Http404("field not found")
    return field


def agencies(level: str | None = None, province_code: int | None = None) -> QuerySet[Agency]:
    queryset = Agency.objects.select_related("parent")
    if level:
        queryset = queryset.filter(level=level)
    if province_code:
        queryset = queryset.filter(province_code=province_code)
    return queryset


def get_agency(slug: str) -> Agency:
    agency = Agency.objects.select_related("parent").filter(slug=slug).first()
    if agency is None:
        raise Http404("agency not found")
    return agency


def agency_procedures(agency: Agency, page: int = 1, page_size: int = 20) -> SearchResult:
    """What an agency implements: a ministry its own procedures, a provincial department
    those of its kind at provincial level, a People's Committee those of its level."""
    if agency.level == AgencyLevel.MINISTRY:
        return search_procedures(SearchQuery(agency=agency.slug, page=page, page_size=page_size))
    if agency.level == AgencyLevel.COMMUNE:
        return search_procedures(SearchQuery(level=GovernmentLevel.COMMUNE, page=page, page_size=page_size))
    department = agency.kind if agency.kind != "ubnd" else ""
    return search_procedures(
        SearchQuery(level=GovernmentLevel.PROVINCE, department=department, page=page, page_size=page_size)
    )


def facet_labels(result: SearchResult, shown: int) -> dict[str, dict[str, str]]:
    """Display names of the field and ministry facet values a page shows (two queries)."""
    fields = [f.value for f in result.facets["field"][:shown]]
    ministries = [f.value for f in result.facets["agency"][:shown]]
    return {
        "field": {f.slug: f.display_name for f in Field.objects.filter(slug__in=fields).only("slug", "name", "name_en")},
        "agency": {a.slug: a.display_name for a in Agency.objects.filter(slug__in=ministries).only("slug", "name", "name_en")},
    }


def search_faq(text: str = "", topic: str = "", limit: int = 50) -> list[FaqEntry]:
    entries = FaqEntry.objects.select_related("procedure")
    if topic:
        entries = entries.filter(topic=topic)
    words = [w for w in fold(text).split() if len(w) > 1][:10]
    if not words:
        return list(entries[:limit])
    for word in words:
        entries = entries.filter(search_text__contains=word)
    return list(entries[:limit])


def faq_topics() -> list[str]:
    return list(FaqEntry.objects.exclude(topic="").values_list("topic", flat=True).distinct().order_by("topic"))
