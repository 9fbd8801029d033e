"""Open catalog API, read-only (K3, M9). Thin: validate, call a selector, serialize."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.http import Http404
from django.utils.translation import get_language
from drf_spectacular.utils import extend_schema
from rest_framework.exceptions import NotFound
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from dichvucong.core.api_errors import InvalidParameters

from . import selectors, serializers
from .search import search_procedures


def _check_known_parameters(request: Request, serializer_class: type) -> None:
    known = set(serializer_class().fields)
    unknown = sorted(set(request.query_params) - known)
    if unknown:
        raise InvalidParameters({name: ["Unknown parameter."] for name in unknown})


def _validated(request: Request, serializer_class: type) -> Any:
    _check_known_parameters(request, serializer_class)
    params = serializer_class(data=request.query_params)
    if not params.is_valid():
        raise InvalidParameters(params.errors)
    return params


def cached_response(view: Callable[..., Response]) -> Callable[..., Response]:
    """Cache a GET's JSON per catalog revision, language and full query string."""

    @wraps(view)
    def wrapper(self: APIView, request: Request, *args: Any, **kwargs: Any) -> Response:
        raw = f"{selectors.catalog_revision()}|{get_language()}|{request.get_full_path()}"
        key = "api:" + hashlib.sha256(raw.encode()).hexdigest()
        data = cache.get(key)
        if data is None:
            response = view(self, request, *args, **kwargs)
            if response.status_code != 200:
                return response
            data = response.data
            cache.set(key, data, settings.API_CACHE_SECONDS)
        response = Response(data)
        response["Cache-Control"] = f"public, max-age={settings.API_CACHE_SECONDS}"
        return response

    return wrapper


class ProcedureListApi(APIView):
    @extend_schema(
        parameters=[serializers.ProcedureSearchParams],
        responses=serializers.ProcedureSearchResponseSerializer,
        summary="Search and list procedures",
        description="`q` runs the portal's search (with or without diacritics, typos, abbreviations); "
        "results come in rank order. Without `q`, the most used first.",
    )
    @cached_response
    def get(self, request: Request) -> Response:
        params = _validated(request, serializers.ProcedureSearchParams)
        query = params.to_query()
        result = search_procedures(query)
        items = serializers.ProcedureListItemSerializer(result.procedures(), many=True).data
        facets = {
            name: [{"value": f.value, "count": f.count} for f in values]
            for name, values in result.facets.items()
            if name != "department"
        }
        return Response(
            serializers.page_envelope(result.total, query.page, query.page_size)
            | {"results": items, "facets": facets}
        )


class ProcedureDetailApi(APIView):
    @extend_schema(responses=serializers.ProcedureDetailSerializer, summary="One procedure, with its versions")
    @cached_response
    def get(self, request: Request, code: str) -> Response:
        procedure = _get_or_404(selectors.get_procedure, code)
        return Response(serializers.ProcedureDetailSerializer(procedure).data)


class ProcedureVersionApi(APIView):
    @extend_schema(responses=serializers.ProcedureVersionSerializer, summary="One version of a procedure")
    @cached_response
    def get(self, request: Request, code: str, number: int) -> Response:
        version = _get_or_404(selectors.get_procedure_version, code, number)
        return Response(serializers.ProcedureVersionSerializer(version).data)


class AgencyListApi(APIView):
    @extend_schema(parameters=[serializers.AgencyParams], responses=serializers.AgencySerializer(many=True))
    @cached_response
    def get(self, request: Request) -> Response:
        params = _validated(request, serializers.AgencyParams).validated_data
        queryset = selectors.agencies(params.get("level") or None, params.get("province"))
        return _paginated(queryset, params, serializers.AgencySerializer)


class FieldListApi(APIView):
    @extend_schema(parameters=[serializers.PaginationParams], responses=serializers.FieldSerializer(many=True))
    @cached_response
    def get(self, request: Request) -> Response:
        params = _validated(request, serializers.PaginationParams).validated_data
        return _paginated(selectors.fields_with_counts(), params, serializers.FieldSerializer)


class LifeEventListApi(APIView):
    @extend_schema(parameters=[serializers.PaginationParams], responses=serializers.LifeEventSerializer(many=True))
    @cached_response
    def get(self, request: Request) -> Response:
        params = _validated(request, serializers.PaginationParams).validated_data
        queryset = selectors.life_events().prefetch_related("procedures")
        return _paginated(queryset, params, serializers.LifeEventSerializer)


def _paginated(queryset: Any, params: dict[str, Any], serializer_class: type) -> Response:
    page, size = params["page"], params["page_size"]
    count = queryset.count()
    rows = queryset[(page - 1) * size : page * size]
    return Response(
        serializers.page_envelope(count, page, size) | {"results": serializer_class(rows, many=True).data}
    )


def _get_or_404(getter: Callable[..., Any], *args: Any) -> Any:
    try:
        return getter(*args)
    except Http404 as exc:
        raise NotFound(str(exc)) from exc
