from django.urls import path, re_path

from . import views

# Mounted at /sim/ca/; the contract is in docs/pki.md.
urlpatterns = [
    path("", views.index, name="sim-ca-index"),
    re_path(
        r"^(?P<slug>[a-z]+)\.(?P<encoding>pem|cer)$",
        views.ca_certificate,
        name="sim-ca-certificate",
    ),
    path("crl/<slug:slug>.crl", views.crl, name="sim-ca-crl"),
    path("ocsp", views.ocsp_responder, name="sim-ca-ocsp"),
    path("certificates", views.issue, name="sim-ca-issue"),
    path("certificates/<str:serial>/revoke", views.revoke, name="sim-ca-revoke"),
    path("faults", views.faults, name="sim-ca-faults"),
    path("remote-sign/requests", views.remote_sign_create, name="sim-ca-remote-create"),
    path(
        "remote-sign/requests/<str:request_id>",
        views.remote_sign_status,
        name="sim-ca-remote-status",
    ),
    path("remote-sign/<str:request_id>/", views.remote_sign_phone, name="sim-ca-remote-approve"),
]
