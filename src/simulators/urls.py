from django.http import JsonResponse
from django.urls import path


def index(request):
    """The simulators mounted on this server; each later issue adds its own."""
    return JsonResponse({"simulators": []})


urlpatterns = [path("", index, name="simulators-index")]
