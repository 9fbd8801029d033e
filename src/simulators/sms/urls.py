from django.urls import path

from simulators.sms import views

app_name = "sim-sms"

urlpatterns = [
    path("", views.index, name="index"),
    path("v1/messages", views.messages, name="messages"),
    path("faults", views.faults, name="faults"),
]
