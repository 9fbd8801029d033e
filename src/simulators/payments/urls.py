from django.urls import path

from simulators.payments import views

# Mounted at /sim/payments/; the contract is in docs/payment-platform-contract.md.
app_name = "sim-payments"

urlpatterns = [
    path("", views.index, name="index"),
    path("v1/payments", views.create_payment, name="create"),
    path("v1/payments/<str:order_ref>", views.payment_status, name="status"),
    path("v1/payments/<str:order_ref>/refunds", views.refund, name="refunds"),
    path("v1/payments/<str:order_ref>/settle", views.settle, name="settle"),
    path("v1/reconciliation/<str:day>", views.reconciliation, name="reconciliation"),
    path("pay/<str:payment_id>", views.pay, name="pay"),
    path("faults", views.faults, name="faults"),
    path("outbox", views.outbox, name="outbox"),
]
