from django.apps import AppConfig


class ExchangeConfig(AppConfig):
    name = "dichvucong.exchange"
    label = "exchange"
    verbose_name = "Liên thông"

    def ready(self) -> None:
        from dichvucong.dossiers import processing
        from dichvucong.exchange.remote import RemoteOneStop, route

        processing.register(RemoteOneStop())
        processing.add_route(route)
