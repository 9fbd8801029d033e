from django.urls import path

from simulators.eid import views

app_name = "sim-eid"

urlpatterns = [
    path(".well-known/openid-configuration", views.discovery, name="discovery"),
    path("jwks", views.jwks, name="jwks"),
    path("authorize", views.authorize, name="authorize"),
    path("login", views.login, name="login"),
    path("consent", views.consent, name="consent"),
    path("token", views.token, name="token"),
    path("userinfo", views.userinfo, name="userinfo"),
    path("logout", views.logout, name="logout"),
    path("faults", views.faults, name="faults"),
]
