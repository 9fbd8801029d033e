from django.urls import path

from dichvucong.dossiers import lookup_views

app_name = "dossier-lookup"

urlpatterns = [
    path("", lookup_views.status_lookup, name="lookup"),
]
