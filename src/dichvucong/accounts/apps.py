from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "dichvucong.accounts"
    label = "accounts"
    verbose_name = "Tài khoản và định danh"

    def ready(self) -> None:
        from dichvucong.accounts import signals  # noqa: F401 - connects the session and audit hooks
