from django.http import JsonResponse
from django.urls import include, path


def index(request):
    """The simulators mounted on this server; each later issue adds its own."""
    return JsonResponse({"simulators": ["ministry", "registries", "sms", "eid", "ca", "payments", "post"]})


urlpatterns = [
    path("", index, name="simulators-index"),
    path("ministry/", include("simulators.ministry.urls")),
    path("registries/", include("simulators.registries.urls")),
    path("sms/", include("simulators.sms.urls")),
    path("eid/", include("simulators.eid.urls")),
    path("ca/", include("simulators.ca.urls")),
    path("payments/", include("simulators.payments.urls")),
    path("post/", include("simulators.post.urls")),
]
