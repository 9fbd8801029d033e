from django.urls import path

from . import views

app_name = "catalog"
urlpatterns = [
    path("", views.home, name="home"),
    path("tim-kiem/", views.search, name="search"),
    path("thu-tuc/<str:code>/", views.procedure_detail, name="procedure"),
    path("thu-tuc/<str:code>/nop-truc-tuyen/", views.start_online_submission, name="start-online"),
    path("thu-tuc/<str:code>/phien-ban/<int:number>/", views.procedure_version, name="procedure-version"),
    path("co-quan/", views.agency_list, name="agencies"),
    path("co-quan/<slug:slug>/", views.agency_detail, name="agency"),
    path("linh-vuc/", views.field_list, name="fields"),
    path("linh-vuc/<slug:slug>/", views.field_detail, name="field"),
    path("su-kien/", views.life_event_list, name="life-events"),
    path("su-kien/<slug:slug>/", views.life_event_detail, name="life-event"),
    path("hoi-dap/", views.faq, name="faq"),
]
