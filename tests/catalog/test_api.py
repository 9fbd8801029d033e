"""The open catalog API (K3, M9): shapes, ranking, filters, errors, limits."""

import pytest
from django.urls import reverse

from dichvucong.core.throttling import ClientRateThrottle

pytestmark = pytest.mark.django_db
URL = "/api/v1/procedures"


def test_search_returns_ranked_items_with_the_documented_fields(client):
    response = client.get(URL, {"q": "dang ky khai sinh", "page_size": 5})
    assert response.status_code == 200
    body = response.json()
    assert body["count"] > 0 and body["page"] == 1 and body["page_size"] == 5
    first = body["results"][0]
    assert {"code", "name", "field", "agency_levels", "service_level"} <= set(first)
    assert "khai sinh" in first["name"].lower()
    assert {"field", "agency", "level", "service_level", "target"} <= set(body["facets"])


def test_filters_and_pagination(client):
    page1 = client.get(URL, {"level": "commune", "page_size": 10}).json()
    page2 = client.get(URL, {"level": "commune", "page_size": 10, "page": 2}).json()
    assert all("commune" in item["agency_levels"] for item in page1["results"] + page2["results"])
    assert {i["code"] for i in page1["results"]}.isdisjoint({i["code"] for i in page2["results"]})
    assert page1["count"] == page2["count"] > 10


@pytest.mark.parametrize(
    "params,field",
    [
        ({"level": "galaxy"}, "level"),
        ({"field": "khong-co-linh-vuc-nay"}, "field"),
        ({"q": "x" * 10_000}, "q"),
        ({"page": "abc"}, "page"),
        ({"page": "0"}, "page"),
        ({"page_size": "1000"}, "page_size"),
        ({"q": "abc\x00def"}, "q"),
        ({"agency": "'; DROP TABLE catalog_procedure; --"}, "agency"),
        ({"colour": "red"}, "colour"),
    ],
)
def test_bad_input_gets_a_clear_400(client, params, field):
    response = client.get(URL, params)
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid_parameter"
    assert field in error["fields"]


def test_injection_text_is_just_text(client):
    response = client.get(URL, {"q": "' OR '1'='1'; DROP TABLE catalog_procedure; --"})
    assert response.status_code == 200
    assert client.get(URL, {"q": "đăng ký tạm trú"}).json()["count"] > 0


def test_detail_has_versions_and_structure(client):
    body = client.get(f"{URL}/1.001193").json()
    assert body["code"] == "1.001193"
    assert body["versions"][0]["number"] == 1
    assert body["current"]["components"]
    version = client.get(f"{URL}/1.001193/versions/1").json()
    assert version["number"] == 1
    assert client.get(f"{URL}/9.999999").status_code == 404
    assert client.get(f"{URL}/1.001193/versions/99").json()["error"]["code"] == "not_found"


def test_reference_lists(client):
    agencies = client.get("/api/v1/agencies", {"level": "province", "page_size": 100}).json()
    assert agencies["count"] == 34 * 17  # each province: its People's Committee and 16 departments
    fields = client.get("/api/v1/fields").json()
    assert fields["count"] > 100 and fields["results"][0]["procedure_count"] > 0
    events = client.get("/api/v1/life-events").json()
    assert events["count"] >= 15


def test_responses_are_cached_and_say_so(client):
    first = client.get(URL, {"q": "hộ chiếu"})
    assert first["Cache-Control"].startswith("public")
    assert client.get(URL, {"q": "hộ chiếu"}).json() == first.json()


def test_rate_limited_per_client(client, monkeypatch):
    monkeypatch.setattr(ClientRateThrottle, "rate", "3/min", raising=False)
    codes = [client.get(f"/api/v1/fields?page={i}", HTTP_X_CLIENT_ID="demo1").status_code for i in range(1, 6)]
    assert codes[:3] == [200, 200, 200] and codes[-1] == 429
    # Another client is not affected.
    assert client.get("/api/v1/fields?page=1", HTTP_X_CLIENT_ID="demo2").status_code == 200


def test_schema_and_docs_are_served(client):
    schema = client.get(reverse("api-schema"), HTTP_ACCEPT="application/json")
    assert schema.status_code == 200
    assert "/api/v1/procedures" in schema.content.decode()
    assert client.get(reverse("api-docs")).status_code == 200
