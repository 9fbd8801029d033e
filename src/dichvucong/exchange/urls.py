from django.urls import path

from dichvucong.exchange import api

# Mounted at /api/v1/lien-thong/.
urlpatterns = [
    path("token", api.TokenApi.as_view(), name="api-exchange-token"),
    path("thong-diep", api.MessagesApi.as_view(), name="api-exchange-messages"),
    path("jwks.json", api.JwksApi.as_view(), name="api-exchange-jwks"),
]
