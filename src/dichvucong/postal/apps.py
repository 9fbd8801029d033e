from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PostalConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "dichvucong.postal"
    label = "postal"
    verbose_name = _("Bưu chính")

    def ready(self) -> None:
        from dichvucong.core import events
        from dichvucong.dossiers.fees import register_fee_provider
        from dichvucong.dossiers.state_machine import STATUS_CHANGED
        from dichvucong.postal.services import delivery_fee_lines, on_dossier_status_changed

        # The delivery fee is paid with the dossier's fees; dossiers need not know about post.
        register_fee_provider(delivery_fee_lines)
        events.subscribe(STATUS_CHANGED, on_dossier_status_changed)
