"""The public site's catalog pages (A1, A2, A4, A5; M1, M8). Thin: validate, select, render."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_safe

from dichvucong.accounts.decorators import require_level
from dichvucong.core.page_cache import cached_public_page

from . import selectors
from .constants import Audience, GovernmentLevel, ServiceLevel, Target
from .search import SearchQuery, SearchResult, search_procedures
from .serializers import ProcedureSearchParams

# Public catalog pages are cached whole until the catalog changes (core.page_cache).
public_page = cached_public_page(timeout=600, revision=selectors.catalog_revision)

FACET_LABELS = {
    "level": dict(GovernmentLevel.choices),
    "service_level": dict(ServiceLevel.choices),
    "target": dict(Target.choices),
}


@require_safe
@public_page
def home(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "catalog/home.html",
        {
            "popular": selectors.popular_procedures(8),
            "citizen_events": selectors.life_events(Audience.CITIZEN),
            "business_events": selectors.life_events(Audience.BUSINESS),
        },
    )


def _facet_view(result: SearchResult, query: SearchQuery) -> list[dict]:
    """Facets with labels and selection state, for the template."""
    labels = FACET_LABELS | selectors.facet_labels(result, shown=15)
    groups = []
    for name in ("service_level", "target", "level", "agency", "field"):
        values = [
            {"value": f.value, "count": f.count, "label": labels[name].get(f.value, f.value),
             "selected": getattr(query, name) == f.value}
            for f in result.facets[name][:15]
        ]
        if values:
            groups.append({"name": name, "values": values})
    return groups


@require_safe
@public_page
def search(request: HttpRequest) -> HttpResponse:
    params = ProcedureSearchParams(data=request.GET)
    if not params.is_valid():
        response = render(request, "catalog/search.html", {"errors": params.errors, "query": SearchQuery()})
        response.status_code = 400
        return response
    query = params.to_query()
    result = search_procedures(query)
    context = {
        "query": query,
        "result": result,
        "procedures": result.procedures(),
        "facets": _facet_view(result, query),
        "page_range": range(max(1, query.page - 2), min(result.pages, query.page + 2) + 1),
    }
    template = "catalog/_results.html" if request.headers.get("HX-Request") else "catalog/search.html"
    return render(request, template, context)


@require_safe
@public_page
def procedure_detail(request: HttpRequest, code: str) -> HttpResponse:
    procedure = selectors.get_procedure(code)
    return render(
        request,
        "catalog/procedure.html",
        {
            "procedure": procedure,
            "version": procedure.current,
            "versions": selectors.procedure_versions(procedure),
            "related": selectors.related_procedures(procedure),
            "revision": selectors.catalog_revision(),
        },
    )


@require_safe
@public_page
def procedure_version(request: HttpRequest, code: str, number: int) -> HttpResponse:
    version = selectors.get_procedure_version(code, number)
    procedure = version.procedure
    return render(
        request,
        "catalog/procedure.html",
        {
            "procedure": procedure,
            "version": version,
            "versions": selectors.procedure_versions(procedure),
            "related": [],
            "is_old_version": procedure.current_id != version.pk,
            "revision": selectors.catalog_revision(),
        },
    )


@require_safe
@public_page
def agency_list(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "catalog/agencies.html",
        {"ministries": selectors.agencies("ministry"), "provinces": selectors.agencies("province").filter(kind="ubnd")},
    )


def _page_number(request: HttpRequest) -> int:
    value = request.GET.get("page", "1")
    return int(value) if value.isdigit() and 0 < int(value) <= 1000 else 1


@require_safe
@public_page
def agency_detail(request: HttpRequest, slug: str) -> HttpResponse:
    agency = selectors.get_agency(slug)
    result = selectors.agency_procedures(agency, page=_page_number(request))
    children = agency.children.order_by("-level", "name") if agency.kind == "ubnd" and agency.level == "province" else []
    paginator = Paginator(children, 60) if children else None
    return render(
        request,
        "catalog/agency.html",
        {
            "agency": agency,
            "result": result,
            "procedures": result.procedures(),
            "children_page": paginator.get_page(request.GET.get("don-vi")) if paginator else None,
        },
    )


@require_safe
@public_page
def field_list(request: HttpRequest) -> HttpResponse:
    return render(request, "catalog/fields.html", {"fields": selectors.fields_with_counts()})


@require_safe
@public_page
def field_detail(request: HttpRequest, slug: str) -> HttpResponse:
    field = selectors.get_field(slug)
    result = search_procedures(SearchQuery(field=field.slug, page=_page_number(request)))
    return render(request, "catalog/field.html", {"field": field, "result": result, "procedures": result.procedures()})


@require_safe
@public_page
def life_event_list(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "catalog/life_events.html",
        {
            "citizen_events": selectors.life_events(Audience.CITIZEN),
            "business_events": selectors.life_events(Audience.BUSINESS),
        },
    )


@require_safe
@public_page
def life_event_detail(request: HttpRequest, slug: str) -> HttpResponse:
    event = selectors.get_life_event(slug)
    result = search_procedures(SearchQuery(life_event=event.slug, page=_page_number(request), page_size=50))
    return render(request, "catalog/life_event.html", {"event": event, "result": result, "procedures": result.procedures()})


@require_safe
@public_page
def faq(request: HttpRequest) -> HttpResponse:
    text = request.GET.get("q", "")[:200]
    topic = request.GET.get("chu-de", "")[:50]
    entries = selectors.search_faq(text, topic)
    template = "catalog/_faq_results.html" if request.headers.get("HX-Request") else "catalog/faq.html"
    return render(
        request, template, {"entries": entries, "q": text, "topic": topic, "topics": selectors.faq_topics()}
    )


def _procedure_level(request: HttpRequest, code: str) -> int:
    return selectors.get_procedure(code).assurance_level


@require_safe
@require_level(_procedure_level)
def start_online_submission(request: HttpRequest, code: str) -> HttpResponse:
    """Entry to online filing, behind the procedure's level of assurance (B4).

    The e-form and the dossier come with the dossiers issue; this page already shows
    what the person brings: the identity attributes the portal holds, verified or not,
    and the documents to prepare.
    """
    procedure = selectors.get_procedure(code)
    if procedure.status == "abolished" or procedure.service_level == "offline":
        return redirect("catalog:procedure", code=code)
    return render(
        request,
        "catalog/start_online.html",
        {
            "procedure": procedure,
            "version": procedure.current,
            "attributes": request.user.attributes.order_by("name"),
        },
    )
