from django.conf import settings
from django.http import HttpRequest
from django.urls import translate_url


def language_urls(request: HttpRequest) -> dict[str, dict[str, str]]:
    """This page's address in every language, for the switch and for hreflang links."""
    path = request.get_full_path()
    return {"language_urls": {code: translate_url(path, code) for code, _name in settings.LANGUAGES}}
