from django.apps import AppConfig


class BackofficeConfig(AppConfig):
    name = "dichvucong.backoffice"
    label = "backoffice"
    verbose_name = "Xử lý hồ sơ (một cửa)"

    def ready(self) -> None:
        from dichvucong.backoffice.services import (
            OneStopBackOffice,
            follow_applicant,
            follow_postal_delivery,
        )
        from dichvucong.core import events
        from dichvucong.dossiers import processing
        from dichvucong.dossiers.history import ACTIVITY_RECORDED
        from dichvucong.dossiers.state_machine import STATUS_CHANGED

        processing.register(OneStopBackOffice())
        events.subscribe(STATUS_CHANGED, follow_applicant)
        events.subscribe(ACTIVITY_RECORDED, follow_postal_delivery)
