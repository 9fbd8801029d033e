"""The portal's eID client against the eID provider simulator on a real loopback server.

``browser_sign_in`` walks the provider's pages the way a person's browser does: authorization
URL, login form (PIN + password), consent form, and stops at the redirect back to the portal,
whose query string (code, state, or error) the tests hand to ``complete_login``.
"""

from __future__ import annotations

from dataclasses import dataclass
from html.parser import HTMLParser
from urllib.parse import parse_qs, urljoin, urlsplit

import httpx
import pytest

from simulators.registries.population_data import Person, demo_people

DEMO_PASSWORD = "vneid-demo"
CALLBACK_PATH = "/tai-khoan/dang-nhap/vneid/callback/"


class _HiddenFields(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.fields: dict[str, str] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if tag == "input" and attributes.get("type") == "hidden" and attributes.get("name"):
            self.fields[attributes["name"]] = attributes.get("value") or ""


def hidden_fields(html: str) -> dict[str, str]:
    parser = _HiddenFields()
    parser.feed(html)
    return parser.fields


@dataclass
class ProviderAnswer:
    """Where the provider sent the browser back, or the page it stopped on."""

    response: httpx.Response
    params: dict[str, str]  # the callback's query parameters, empty if no redirect to the portal

    @property
    def code(self) -> str:
        return self.params.get("code", "")

    @property
    def state(self) -> str:
        return self.params.get("state", "")


@dataclass
class EidSimulator:
    base_url: str
    issuer: str
    redirect_uri: str

    def set_fault(self, mode: str) -> None:
        response = httpx.post(f"{self.issuer}/faults", json={"mode": mode}, timeout=5)
        assert response.status_code == 200, response.text

    def browser_sign_in(
        self,
        authorization_url: str,
        *,
        pin: str,
        password: str = DEMO_PASSWORD,
        decision: str = "allow",
        browser: httpx.Client | None = None,
    ) -> ProviderAnswer:
        own_browser = browser is None
        browser = browser or httpx.Client(follow_redirects=False, timeout=10)
        try:
            response = browser.get(authorization_url)
            while response.status_code == 302 and _is_provider(response, self.issuer):
                url = urljoin(str(response.url), response.headers["location"])
                page = browser.get(url)
                if page.status_code != 200:
                    return ProviderAnswer(page, {})
                form = hidden_fields(page.text)
                if "/login" in url:
                    form.update(pin=pin, password=password)
                else:
                    form.update(decision=decision)
                response = browser.post(url, data=form)
            return ProviderAnswer(response, _callback_params(response, self.redirect_uri))
        finally:
            if own_browser:
                browser.close()


def _is_provider(response: httpx.Response, issuer: str) -> bool:
    target = urljoin(str(response.url), response.headers["location"])
    return urlsplit(target).path.startswith(urlsplit(issuer).path + "/")


def _callback_params(response: httpx.Response, redirect_uri: str) -> dict[str, str]:
    if response.status_code != 302 or not response.headers["location"].startswith(redirect_uri):
        return {}
    query = parse_qs(urlsplit(response.headers["location"]).query)
    return {name: values[0] for name, values in query.items()}


@pytest.fixture
def eid_sim(settings, sim_server) -> EidSimulator:
    issuer = sim_server + "/sim/eid"
    redirect_uri = sim_server + CALLBACK_PATH
    settings.EID_ISSUER = issuer
    settings.EID_CLIENT_ID = "dichvucong-portal"
    settings.EID_CLIENT_SECRET = "sim-eid-secret"
    settings.EID_SIM_REDIRECT_URIS = [redirect_uri]
    settings.EID_TIMEOUT_SECONDS = 5
    return EidSimulator(base_url=sim_server, issuer=issuer, redirect_uri=redirect_uri)


def _person(level: int) -> Person:
    """A demo adult whose eID account has ``level`` (odd last PIN digit: level 1)."""
    for person in demo_people(40):
        if (int(person.pin[-1]) % 2 == 1) == (level == 1):
            return person
    raise AssertionError(f"no demo person at eID level {level}")


@pytest.fixture
def level2_person() -> Person:
    return _person(2)


@pytest.fixture
def level1_person() -> Person:
    return _person(1)
