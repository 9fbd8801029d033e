"""Driving the account pages as a browser does: through HTTP, with the CSRF token of the form."""

from __future__ import annotations

import json
import re

from django.test import Client

from tests.accounts.factories import PASSWORD
from tests.accounts.soft_authenticator import SoftAuthenticator


def csrf_client() -> Client:
    return Client(enforce_csrf_checks=True)


def csrf_token(client: Client, url: str) -> str:
    page = client.get(url)
    match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.content.decode())
    assert match, f"no CSRF token on {url}"
    return match.group(1)


def post_form(client: Client, url: str, data: dict, *, token_from: str | None = None, **extra):
    token = csrf_token(client, token_from or url)
    return client.post(url, {**data, "csrfmiddlewaretoken": token}, **extra)


def sign_in(client: Client, identifier: str, password: str = PASSWORD, next_url: str = ""):
    data = {"identifier": identifier, "password": password}
    if next_url:
        data["next"] = next_url
    return post_form(client, "/tai-khoan/dang-nhap/", data)


def json_post(client, url, body, token):
    return client.post(url, data=json.dumps(body), content_type="application/json", HTTP_X_CSRFTOKEN=token)


def add_passkey(client, authenticator: SoftAuthenticator) -> None:
    token = csrf_token(client, "/tai-khoan/bao-mat/")
    options = json_post(client, "/tai-khoan/khoa-truy-cap/register/tuy-chon/", {}, token).json()
    assert options["authenticatorSelection"]["userVerification"] == "required"
    response = json_post(client, "/tai-khoan/khoa-truy-cap/register/xac-minh/?name=Điện thoại",
                          authenticator.create(options), token)
    assert response.status_code == 200, response.content


def passkey_sign_in(client, authenticator: SoftAuthenticator, *, next_url="", tamper=False):
    token = csrf_token(client, "/tai-khoan/dang-nhap/")
    options = json_post(client, "/tai-khoan/khoa-truy-cap/authenticate/tuy-chon/", {}, token).json()
    url = "/tai-khoan/khoa-truy-cap/authenticate/xac-minh/" + (f"?next={next_url}" if next_url else "")
    return json_post(client, url, authenticator.get(options, tamper=tamper), token)
