from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "dichvucong.notifications"
    label = "notifications"
    verbose_name = "Thông báo"

    def ready(self) -> None:
        from dichvucong.core import events
        from dichvucong.core.notices import NOTICE_REQUESTED
        from dichvucong.dossiers.history import ACTIVITY_RECORDED
        from dichvucong.dossiers.state_machine import STATUS_CHANGED
        from dichvucong.notifications.services import (
            notify_activity_recorded,
            notify_requested,
            notify_status_changed,
        )

        events.subscribe(STATUS_CHANGED, notify_status_changed)
        events.subscribe(ACTIVITY_RECORDED, notify_activity_recorded)
        events.subscribe(NOTICE_REQUESTED, notify_requested)
