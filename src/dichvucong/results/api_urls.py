from django.urls import path

from . import api

# Mounted at /api/v1/ket-qua/.
urlpatterns = [
    path("kiem-tra", api.VerifyResultApi.as_view(), name="api-result-verify"),
]
