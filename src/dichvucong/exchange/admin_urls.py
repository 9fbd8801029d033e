"""The administrators' exchange pages, mounted at /quan-tri/lien-thong/ (no language prefix,
like the monitor and the admin site they sit beside)."""

from django.urls import path

from dichvucong.exchange import admin_views

app_name = "exchange_admin"

urlpatterns = [
    path("ho-so/", admin_views.find_journey, name="find-journey"),
    path("ho-so/<path:code>/", admin_views.journey, name="journey"),
    path("thanh-vien/<str:code>/", admin_views.member_page, name="member"),
    path("thanh-vien/<str:code>/trang-thai/", admin_views.member_status, name="member-status"),
    path("thanh-vien/<str:code>/khoa/", admin_views.add_key, name="add-key"),
    path("thanh-vien/<str:code>/khoa/<int:key_id>/thu-hoi/", admin_views.revoke_key, name="revoke-key"),
    path("thanh-vien/<str:code>/gui-lai/<int:message_id>/", admin_views.replay, name="replay"),
]
