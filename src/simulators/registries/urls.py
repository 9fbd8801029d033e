from django.urls import path

from . import views

# Mounted at /sim/registries/; the contract is in docs/registries.md.
urlpatterns = [
    path("", views.index, name="sim-registries-index"),
    path("faults", views.faults, name="sim-registries-faults"),
    path("population/v1/health", views.population_health),
    path("population/v1/citizens/verify", views.verify_citizen),
    path("tax/v1/health", views.tax_health),
    path("tax/v1/taxpayers/lookup", views.lookup_taxpayer),
    path("social-insurance/v1/health", views.social_insurance_health),
    path("social-insurance/v1/insured/lookup", views.lookup_insured),
    path("enterprise/v1/health", views.enterprise_health),
    path("enterprise/v1/enterprises/<str:code>", views.get_enterprise),
]
