from django.apps import AppConfig


class DossiersConfig(AppConfig):
    name = "dichvucong.dossiers"
    label = "dossiers"
    verbose_name = "Hồ sơ"

    def ready(self) -> None:
        from dichvucong.core import events
        from dichvucong.dossiers.processing import hand_over_on_submission
        from dichvucong.dossiers.state_machine import STATUS_CHANGED

        events.subscribe(STATUS_CHANGED, hand_over_on_submission)
