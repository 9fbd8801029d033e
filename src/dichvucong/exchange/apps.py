from django.apps import AppConfig


class ExchangeConfig(AppConfig):
    name = "dichvucong.exchange"
    label = "exchange"
    verbose_name = "Liên thông"
