"""Origins a form on this portal may end up redirecting to (the CSP's ``form-action``)."""

from __future__ import annotations

PAYMENT_PATHS = ("/thanh-toan/", "/en/thanh-toan/")


def form_redirect_origins(path: str) -> frozenset[str]:
    """Browsers apply form-action to every redirect after a submission: "pay" ends on the
    payment platform's page; sign-in and consent end at a registered OpenID client."""
    if path.startswith(PAYMENT_PATHS):
        from dichvucong.payments.platform import pay_origin

        return frozenset({pay_origin()})
    from dichvucong.sso.selectors import redirect_origins

    return redirect_origins()
