from django.apps import AppConfig


class SsoConfig(AppConfig):
    name = "dichvucong.sso"
    label = "sso"
    verbose_name = "Đăng nhập một lần (OpenID Connect)"

    def ready(self) -> None:
        from dichvucong.accounts.sessions import SESSION_ENDED
        from dichvucong.core import events
        from dichvucong.sso.logout import notify_relying_parties

        events.subscribe(SESSION_ENDED, notify_relying_parties)
