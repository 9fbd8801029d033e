"""The commune select lists the communes of the chosen province only: a small endpoint gives
them when the province changes (htmx), a no-JavaScript button reloads the page with them,
and the server accepts exactly the communes of the chosen province."""

import re

import pytest
from django.test import Client

from dichvucong.dossiers.eforms import communes_of
from dichvucong.dossiers.models import Dossier
from tests.accounts.helpers import post_form
from tests.dossiers.test_apply_online import BIRTH, applicant, start  # noqa: F401 - fixture
from tests.dossiers.test_eforms import birth_data

pytestmark = pytest.mark.django_db
HANOI, SAIGON = "1", "79"
PROMPT = "Chọn tỉnh, thành phố trước"


def commune_options(page: str, select_id: str) -> list[str]:
    """The values of the options of the select ``select_id`` in ``page``."""
    select = re.search(rf'<select[^>]*id="{select_id}"[^>]*>(.*?)</select>', page, re.S)
    assert select, f"no select #{select_id}"
    return re.findall(r'<option value="([^"]*)"', select.group(1))


def province_select(page: str, select_id: str) -> str:
    return re.search(rf'<select[^>]*id="{select_id}"[^>]*>', page, re.S).group(0)


def test_the_endpoint_gives_the_communes_of_one_province_and_refuses_junk():
    client = Client()  # no session needed: public data
    response = client.get("/ho-so/xa-phuong/", {"province": HANOI})
    assert response.status_code == 200
    assert "max-age=86400" in response["Cache-Control"]  # the browser keeps it for a day
    values = re.findall(r'<option value="([^"]*)"', response.content.decode())
    assert values == [""] + [code for code, _name in communes_of(HANOI)]
    assert communes_of(SAIGON)[0][0] not in values
    empty = client.get("/ho-so/xa-phuong/", {"province": ""})
    assert empty.status_code == 200 and PROMPT in empty.content.decode()
    assert empty.content.decode().count("<option") == 1
    for junk in ("999", "abc", "1 OR 1=1", "01"):
        assert client.get("/ho-so/xa-phuong/", {"province": junk}).status_code == 400


def test_the_form_page_lists_only_the_communes_of_the_chosen_province(applicant):  # noqa: F811
    user, client = applicant
    start(client)
    dossier = Dossier.objects.get(applicant=user)
    page = client.get(f"/ho-so/{dossier.pk}/").content.decode()
    assert commune_options(page, "id_child__commune") == [""]  # no province yet: only the prompt
    assert PROMPT in page
    province = province_select(page, "id_child__province")
    assert 'hx-get="/ho-so/xa-phuong/"' in province and 'hx-target="#id_child__commune"' in province
    assert "data-commune-list" in province and 'aria-controls="id_child__commune"' in province

    dossier.data = {"child__province": SAIGON}
    dossier.save(update_fields=["data"])
    page = client.get(f"/ho-so/{dossier.pk}/").content.decode()
    assert commune_options(page, "id_child__commune") == [""] + [code for code, _name in communes_of(SAIGON)]
    assert page.count("<option") < 300


def test_a_commune_of_another_province_is_a_field_error_and_nothing_is_submitted(applicant):  # noqa: F811
    user, client = applicant
    start(client)
    dossier = Dossier.objects.get(applicant=user)
    elsewhere = communes_of(SAIGON)[0][0]
    response = post_form(client, f"/ho-so/{dossier.pk}/", {
        **birth_data(child__province=HANOI, child__commune=elsewhere), "delivery_method": "online",
        "action": "submit"})
    page = response.content.decode()
    assert response.status_code == 200 and "error-summary" in page
    assert 'href="#id_child__commune"' in page and "không thuộc tỉnh, thành phố đã chọn" in page
    assert commune_options(page, "id_child__commune")[1] == communes_of(HANOI)[0][0]  # the posted province's
    dossier.refresh_from_db()
    assert dossier.status == "draft" and not dossier.code


def test_without_javascript_the_list_is_refreshed_and_what_was_typed_is_kept(applicant):  # noqa: F811
    user, client = applicant
    start(client)
    dossier = Dossier.objects.get(applicant=user)
    page = client.get(f"/ho-so/{dossier.pk}/").content.decode()
    assert re.search(r'<noscript><button[^>]*name="action" value="communes"', page)
    response = post_form(client, f"/ho-so/{dossier.pk}/", {
        "action": "communes", "child__full_name": "Nguyễn Minh An", "child__province": SAIGON, "child__commune": ""})
    assert response["Location"] == f"/ho-so/{dossier.pk}/#id_child__commune"  # back where the person was
    dossier.refresh_from_db()
    assert dossier.status == "draft" and dossier.data["child__full_name"] == "Nguyễn Minh An"
    page = client.get(response["Location"]).content.decode()
    assert 'value="Nguyễn Minh An"' in page
    assert re.search(rf'<option value="{SAIGON}" selected>', page)
    assert commune_options(page, "id_child__commune") == [""] + [code for code, _name in communes_of(SAIGON)]


def test_the_start_page_lists_the_communes_of_the_chosen_province_only(applicant):  # noqa: F811
    user, client = applicant
    page = client.get(f"/ho-so/bat-dau/{BIRTH}/").content.decode()
    assert commune_options(page, "commune") == [""] and PROMPT in page
    assert 'hx-target="#commune"' in province_select(page, "province")
    assert re.search(r'<noscript><button[^>]*name="refresh"', page)
    refreshed = post_form(client, f"/ho-so/bat-dau/{BIRTH}/", {"province": HANOI, "refresh": "communes"})
    page = refreshed.content.decode()
    assert refreshed.status_code == 200 and not Dossier.objects.filter(applicant=user).exists()
    assert re.search(rf'<option value="{HANOI}" selected>', page)
    assert commune_options(page, "commune") == [""] + [code for code, _name in communes_of(HANOI)]
    chosen = communes_of(HANOI)[1][0]
    assert post_form(client, f"/ho-so/bat-dau/{BIRTH}/", {"province": HANOI, "commune": chosen}).status_code == 302
    assert Dossier.objects.get(applicant=user).agency.ward_code == int(chosen)
