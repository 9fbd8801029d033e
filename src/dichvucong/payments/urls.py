from django.urls import path

from dichvucong.payments import views

app_name = "payments"

urlpatterns = [
    path("ho-so/<int:pk>/", views.pay, name="pay"),
    path("ve/", views.returned, name="return"),
    path("<str:reference>/", views.payment_status, name="status"),
    path("<str:reference>/bien-lai.pdf", views.receipt, name="receipt"),
]
