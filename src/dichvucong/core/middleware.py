"""Headers every response carries."""

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils.module_loading import import_string


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
            response.setdefault("Content-Security-Policy", self.policy_for(request))
        response.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
        return response

    @staticmethod
    def policy_for(request: HttpRequest) -> str:
        """The policy, with ``form-action`` widened on the pages whose forms end in a redirect
        to another portal (sign-in, second factor, consent lead on to an OpenID client's
        redirect URI): browsers apply form-action to every redirect after a submission."""
        policy = settings.CONTENT_SECURITY_POLICY
        if not request.path.startswith(settings.CSP_FORM_REDIRECT_PATHS):
            return policy
        origins = import_string(settings.CSP_FORM_ACTION_ORIGINS)(request.path)
        if not origins:
            return policy
        return policy.replace("form-action 'self'", "form-action 'self' " + " ".join(sorted(origins)))
