from django.urls import path

from dichvucong.notifications import views

app_name = "notifications"

urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("da-doc/", views.mark_all_read, name="mark-all-read"),
    path("cai-dat/", views.channel_settings, name="settings"),
]
