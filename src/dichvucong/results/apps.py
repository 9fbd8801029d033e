from django.apps import AppConfig


class ResultsConfig(AppConfig):
    name = "dichvucong.results"
    label = "results"
    verbose_name = "Kết quả điện tử"
