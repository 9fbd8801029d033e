from django.urls import path

from dichvucong.postal import views

app_name = "postal"

urlpatterns = [
    path("ho-so/<int:pk>/lay-giay-to/", views.request_pickup, name="pickup"),
]
