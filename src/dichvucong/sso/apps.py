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

        from django.core.cache import cache
        from django.db.models.signals import post_delete, post_save

        from dichvucong.sso.models import Client
        from dichvucong.sso.selectors import ORIGINS_CACHE_KEY

        def forget_origins(**_kwargs) -> None:
            cache.delete(ORIGINS_CACHE_KEY)

        post_save.connect(forget_origins, sender=Client, weak=False)
        post_delete.connect(forget_origins, sender=Client, weak=False)
