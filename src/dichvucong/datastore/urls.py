from django.urls import path

from dichvucong.datastore import views

app_name = "datastore"

urlpatterns = [
    path("", views.documents, name="documents"),
    path("<int:pk>/", views.download, name="download"),
    path("<int:pk>/hieu-luc/", views.validity, name="validity"),
    path("<int:pk>/xoa/", views.delete, name="delete"),
]
