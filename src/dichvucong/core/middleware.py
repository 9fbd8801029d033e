"""Headers every response carries."""

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse


class SecurityHeadersMiddleware:
    """Adds the Content-Security-Policy and Permissions-Policy headers.

    Django 5.2 has no CSP of its own; the policy forbids inline script and style,
    so a template that needs one fails loudly in the browser suite.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        # The API docs page loads its own scripts; it is the only exemption.
        if not request.path.startswith("/api/docs"):
            response.setdefault("Content-Security-Policy", settings.CONTENT_SECURITY_POLICY)
        response.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
        return response
