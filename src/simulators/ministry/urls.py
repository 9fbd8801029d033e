"""Routes of the demo ministry portal, mounted at /sim/ministry/ when SIMULATORS_ENABLED.

The callback, post-logout and back-channel logout URIs below are what the client
registration at the national portal must list (see docs/demo-ministry-portal.md).
"""

from django.urls import path

from simulators.ministry import views

app_name = "ministry-sim"

urlpatterns = [
    path("", views.home, name="home"),
    path("login/", views.login, name="login"),
    path("callback/", views.callback, name="callback"),
    path("logout/", views.logout, name="logout"),
    path("backchannel-logout/", views.backchannel_logout, name="backchannel-logout"),
]
