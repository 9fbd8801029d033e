from django.urls import path

from . import api

urlpatterns = [
    path("procedures", api.ProcedureListApi.as_view(), name="api-procedures"),
    path("procedures/<str:code>", api.ProcedureDetailApi.as_view(), name="api-procedure"),
    path("procedures/<str:code>/versions/<int:number>", api.ProcedureVersionApi.as_view(), name="api-procedure-version"),
    path("agencies", api.AgencyListApi.as_view(), name="api-agencies"),
    path("fields", api.FieldListApi.as_view(), name="api-fields"),
    path("life-events", api.LifeEventListApi.as_view(), name="api-life-events"),
]
