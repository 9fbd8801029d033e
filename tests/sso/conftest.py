"""An OpenID Connect relying party driving the portal's provider over real HTTP semantics.

Authlib's client talks to the Django app through httpx's WSGI transport, in the test's
own thread and database transaction; a second httpx client plays the person's browser.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass

import httpx
import pytest
from authlib.integrations.httpx_client import OAuth2Client
from django.core.wsgi import get_wsgi_application

from dichvucong.sso.models import Client
from tests.accounts.factories import PASSWORD

# The provider's issuer (PUBLIC_BASE_URL + /oidc) names this host in every endpoint it advertises.
BASE = "http://localhost:8000"
REDIRECT_URI = "https://rp.example.vn/callback"
CLIENT_SECRET = "rp-secret-2026-abcdefghijklmnopqrstuvwxyz"


@pytest.fixture(autouse=True)
def _keep_the_test_connection(in_thread_wsgi):
    """See ``in_thread_wsgi`` in tests/conftest.py."""


def wsgi_transport() -> httpx.WSGITransport:
    return httpx.WSGITransport(app=get_wsgi_application())


@dataclass
class Browser:
    http: httpx.Client

    def csrf(self, url: str) -> str:
        page = self.http.get(url)
        return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)

    def sign_in(self, identifier: str, password: str = PASSWORD) -> httpx.Response:
        token = self.csrf("/tai-khoan/dang-nhap/")
        return self.http.post("/tai-khoan/dang-nhap/", data={
            "identifier": identifier, "password": password, "csrfmiddlewaretoken": token})

    def authorize(self, url: str) -> httpx.Response:
        """Follow an authorization URL; on the consent page, agree."""
        response = self.http.get(url)
        if response.status_code == 200 and 'name="allow"' in response.text:
            fields = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', response.text))
            fields = {k: v.replace("&amp;", "&") for k, v in fields.items()}
            response = self.http.post(str(response.url), data={**fields, "allow": "Authorize"})
        return response


@pytest.fixture
def browser():
    with httpx.Client(transport=wsgi_transport(), base_url=BASE) as http:
        yield Browser(http)


@pytest.fixture
def rp_client(db):
    return Client.objects.create(
        name="Cổng dịch vụ công Bộ Thử nghiệm", client_id="bo-thu-nghiem", client_secret=CLIENT_SECRET,
        client_type=Client.CLIENT_CONFIDENTIAL, authorization_grant_type=Client.GRANT_AUTHORIZATION_CODE,
        redirect_uris=REDIRECT_URI, post_logout_redirect_uris="https://rp.example.vn/",
        algorithm=Client.RS256_ALGORITHM, allowed_scopes="openid profile identity email", max_level=4,
    )


@pytest.fixture
def discovery():
    with httpx.Client(transport=wsgi_transport(), base_url=BASE) as http:
        return http.get("/oidc/.well-known/openid-configuration").json()


@pytest.fixture
def oauth(rp_client):
    session = OAuth2Client(
        client_id=rp_client.client_id, client_secret=CLIENT_SECRET, scope="openid profile identity",
        redirect_uri=REDIRECT_URI, code_challenge_method="S256", transport=wsgi_transport(),
        base_url=BASE,
    )
    yield session
    session.close()


def new_verifier() -> str:
    return secrets.token_urlsafe(48)
