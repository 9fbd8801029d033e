from django.apps import AppConfig


class ExchangeConfig(AppConfig):
    name = "dichvucong.exchange"
    label = "exchange"
    verbose_name = "Liên thông"

    def ready(self) -> None:
        from dichvucong.core import events
        from dichvucong.dossiers import processing
        from dichvucong.dossiers.state_machine import STATUS_CHANGED
        from dichvucong.exchange.remote import RemoteOneStop, forward_supplement, route

        processing.register(RemoteOneStop())
        processing.add_route(route)
        events.subscribe(STATUS_CHANGED, forward_supplement)

        from dichvucong.exchange.metrics import register_once

        register_once()
