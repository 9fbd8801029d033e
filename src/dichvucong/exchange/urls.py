from django.urls import path

from dichvucong.exchange import api

# Mounted at /api/v1/lien-thong/.
urlpatterns = [
    path("thong-diep", api.MessagesApi.as_view(), name="api-exchange-messages"),
]
