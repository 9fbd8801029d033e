from django.urls import path

from . import views

# Mounted at /kiem-tra-ket-qua/ (i18n: /en/kiem-tra-ket-qua/ too).
app_name = "results"
urlpatterns = [
    path("", views.verify, name="verify"),
    path("<str:token>/", views.record, name="record"),
]
