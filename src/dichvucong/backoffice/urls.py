from django.urls import path

from dichvucong.backoffice import views

app_name = "backoffice"

urlpatterns = [
    path("", views.worklist, name="worklist"),
    path("ho-so/<int:pk>/", views.case_page, name="case"),
    path("ho-so/<int:pk>/dinh-kem/<int:attachment_id>/", views.download, name="download"),
    path("ho-so/<int:pk>/<slug:action>/", views.act, name="act"),
    path("thong-ke/", views.performance, name="performance"),
    path("quy-trinh/", views.workflows, name="workflows"),
    path("quy-trinh/<int:agency_id>/", views.workflow_edit, name="workflow-edit"),
]
