from django.apps import AppConfig


class OpsConfig(AppConfig):
    name = "dichvucong.ops"
    label = "ops"
