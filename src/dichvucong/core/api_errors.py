"""One machine-readable shape for every API error.

    {"error": {"code": "invalid_parameter", "message": "...", "fields": {"page": ["..."]}}}
"""

from typing import Any

from rest_framework import status
from rest_framework.exceptions import APIException, Throttled, ValidationError
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler


class InvalidParameters(ValidationError):
    default_code = "invalid_parameter"


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, ValidationError):
        fields = exc.detail if isinstance(exc.detail, dict) else {"non_field_errors": exc.detail}
        response.data = {
            "error": {
                "code": "invalid_parameter",
                "message": "One or more parameters are invalid.",
                "fields": fields,
            }
        }
        response.status_code = status.HTTP_400_BAD_REQUEST
    elif isinstance(exc, APIException):
        code = exc.default_code if not isinstance(exc, Throttled) else "rate_limited"
        response.data = {"error": {"code": code, "message": str(exc.detail)}}
    return response
