from django.urls import path

from simulators.post import views

# Mounted at /sim/post/; the contract is in docs/postal-contract.md.
app_name = "sim-post"

urlpatterns = [
    path("", views.index, name="index"),
    path("v1/quotes", views.quote, name="quotes"),
    path("v1/shipments", views.shipments, name="shipments"),
    path("v1/shipments/<str:reference>", views.shipment, name="shipment"),
    path("v1/shipments/<str:reference>/cancel", views.cancel, name="cancel"),
    path("shipments/<str:reference>/advance", views.advance, name="advance"),
    path("faults", views.faults, name="faults"),
    path("outbox", views.outbox, name="outbox"),
]
