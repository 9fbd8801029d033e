from django.contrib.auth.signals import user_logged_out
from django.dispatch import receiver

from dichvucong.accounts import audit
from dichvucong.accounts.sessions import forget_current_session


@receiver(user_logged_out)
def _on_logout(sender, request, user, **kwargs):  # noqa: ANN001
    """Every way of signing out (our button, a relying party's logout request) ends here."""
    if request is None or user is None:
        return
    forget_current_session(request, reason="logout")
    audit.record("sign_out", request=request, user=user)
