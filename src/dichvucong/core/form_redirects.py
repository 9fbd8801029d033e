"""Origins a form on this portal may end up redirecting to (the CSP's ``form-action``)."""

from __future__ import annotations

from urllib.parse import urlsplit

from django.conf import settings

PAYMENT_PATHS = ("/thanh-toan/", "/en/thanh-toan/")


def form_redirect_origins(path: str) -> frozenset[str]:
    """Browsers apply form-action to every redirect after a submission: "pay" ends on the
    payment platform's page; sign-in and consent end at a registered OpenID client."""
    if path.startswith(PAYMENT_PATHS):
        platform = urlsplit(settings.PAYMENT_PLATFORM_BASE_URL)
        return frozenset({f"{platform.scheme}://{platform.netloc}"})
    from dichvucong.sso.selectors import redirect_origins

    return redirect_origins()
