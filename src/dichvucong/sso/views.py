"""The OpenID provider's endpoints where the portal adds to django-oauth-toolkit (B4, B5).

* authorize: honours ``acr_values`` (a client asking for a higher level than the
  session has sends the person to step up and back), caps it at the client's maximum
  level, and keeps per-client consent so a person is asked once per set of scopes;
* discovery: advertises acr values, claims and back-channel logout.
"""

from __future__ import annotations

import json
from urllib.parse import urlencode

from django.db import transaction
from django.shortcuts import redirect
from oauth2_provider.exceptions import OAuthToolkitError
from oauth2_provider.views import AuthorizationView, ConnectDiscoveryInfoView

from dichvucong.accounts import audit
from dichvucong.accounts.constants import ACR_LEVEL, LEVEL_ACR
from dichvucong.accounts.decorators import step_up_url
from dichvucong.sso import context
from dichvucong.sso.models import Client, Consent
from dichvucong.sso.validators import PortalOAuth2Validator


def requested_level(acr_values: str) -> int:
    """The highest level among the recognised ``acr_values`` (space-separated), 0 if none."""
    return max((ACR_LEVEL.get(value, 0) for value in acr_values.split()), default=0)


class PortalAuthorizationView(AuthorizationView):
    template_name = "sso/authorize.html"

    def get(self, request, *args, **kwargs):  # noqa: ANN001
        try:
            scopes, credentials = self.validate_authorization_request(request)
        except OAuthToolkitError as error:
            return self.error_response(error, application=None)
        client = Client.objects.get(client_id=credentials["client_id"])
        if not client.active:
            return self.render_to_response({"error": {"error": "unauthorized_client",
                                                      "description": "client suspended"}}, status=400)
        needed = min(requested_level(request.GET.get("acr_values", "")), client.max_level)
        prompt = set(request.GET.get("prompt", "").split())
        consent = Consent.objects.filter(user=request.user, client=client).first()
        consented = client.skip_authorization or (consent is not None and consent.covers(scopes))
        if "none" in prompt:
            # The client asked for no interaction: say what would have been needed instead.
            if request.assurance_level < max(needed, 1):
                return self._silent_error(credentials, client, "login_required")
            if not consented:
                return self._silent_error(credentials, client, "consent_required")
        if request.assurance_level < max(needed, 1):
            return redirect(step_up_url(max(needed, 1), request.get_full_path()))
        with context.from_request(request):
            if "login" not in prompt and "consent" not in prompt and consent and consent.covers(scopes):
                try:
                    uri, _headers, _body, _status = self.create_authorization_response(
                        request=request, scopes=" ".join(scopes), credentials=credentials, allow=True
                    )
                except OAuthToolkitError as error:
                    return self.error_response(error, client)
                audit.record("sso_authorize", request=request, user=request.user, client=client.client_id)
                return self.redirect(uri, client)
            return super().get(request, *args, **kwargs)

    def _silent_error(self, credentials: dict, client: Client, error: str):
        separator = "&" if "?" in credentials["redirect_uri"] else "?"
        query = urlencode({"error": error, "state": credentials.get("state") or ""})
        return self.redirect(f"{credentials['redirect_uri']}{separator}{query}", client)

    def get_context_data(self, **kwargs):
        data = super().get_context_data(**kwargs)
        data["level_acr"] = LEVEL_ACR
        return data

    def form_valid(self, form):  # noqa: ANN001
        with context.from_request(self.request), transaction.atomic():
            response = super().form_valid(form)
            if form.cleaned_data.get("allow"):
                client = Client.objects.get(client_id=form.cleaned_data["client_id"])
                Consent.objects.update_or_create(
                    user=self.request.user, client=client, defaults={"scopes": form.cleaned_data.get("scope", "")}
                )
                audit.record("sso_consent", request=self.request, user=self.request.user, client=client.client_id)
        return response


class PortalDiscoveryView(ConnectDiscoveryInfoView):
    def get(self, request, *args, **kwargs):  # noqa: ANN001
        response = super().get(request, *args, **kwargs)
        document = json.loads(response.content)
        document.update(
            {
                "acr_values_supported": list(LEVEL_ACR.values()),
                "claims_supported": sorted(PortalOAuth2Validator.oidc_claim_scope) + ["auth_time", "iss", "aud"],
                "backchannel_logout_supported": True,
                "backchannel_logout_session_supported": True,
                "code_challenge_methods_supported": ["S256"],
                "ui_locales_supported": ["vi", "en"],
            }
        )
        response.content = json.dumps(document)
        return response
