from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "dichvucong.core"
    label = "core"

    def ready(self) -> None:
        from dichvucong.core import inprocess_beat

        patterns = inprocess_beat.wanted()
        if patterns:
            inprocess_beat.start(patterns)
