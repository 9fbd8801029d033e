from django.urls import path

from dichvucong.dossiers import views

app_name = "dossiers"

urlpatterns = [
    path("", views.my_dossiers, name="mine"),
    path("bat-dau/<str:code>/", views.start, name="start"),
    path("xa-phuong/", views.communes, name="communes"),
    path("<int:pk>/", views.dossier_page, name="dossier"),
    path("<int:pk>/theo-doi/", views.tracking_fragment, name="tracking"),
    path("<int:pk>/thu-xin-loi/<int:event_id>.pdf", views.apology_letter, name="apology"),
    path("<int:pk>/bien-nhan/", views.receipt, name="receipt"),
    path("<int:pk>/bien-nhan.pdf", views.receipt_pdf, name="receipt-pdf"),
    path("<int:pk>/rut/", views.withdraw, name="withdraw"),
    path("<int:pk>/bo-sung/", views.supplement, name="supplement"),
    path("<int:pk>/dinh-kem/", views.upload, name="upload"),
    path("<int:pk>/dung-lai/", views.reuse, name="reuse"),
    path("<int:pk>/dinh-kem/<int:attachment_id>/", views.download, name="download"),
    path("<int:pk>/huy/", views.cancel, name="cancel"),
]
