"""Catalog management: an agency's editor changes only its own procedures (A1, B6)."""

import pytest
from django.contrib.auth import get_user_model

from dichvucong.catalog.management.commands.bootstrap_demo import ensure_catalog_editor_group
from dichvucong.catalog.models import Agency, CatalogEditor, Procedure
from tests.conftest import sign_in_at_level

pytestmark = pytest.mark.django_db


@pytest.fixture
def justice_editor(client):
    user = get_user_model().objects.create_user("editor", password="a-long-test-password", is_staff=True)
    user.groups.add(ensure_catalog_editor_group())
    CatalogEditor.objects.create(user=user, agency=Agency.objects.get(code="000.00.00.G15"))  # Bộ Tư pháp
    sign_in_at_level(client, user, 2)
    return user


def test_editor_sees_only_its_agency(client, justice_editor):
    html = client.get("/quan-tri/catalog/procedure/?q=1.001193").content.decode()
    assert "1.001193" in html  # Thủ tục đăng ký khai sinh, Bộ Tư pháp
    police = Procedure.objects.get(code="1.004194")  # Đăng ký tạm trú, Bộ Công an
    assert client.get(f"/quan-tri/catalog/procedure/{police.pk}/change/").status_code in (302, 404)


def test_editor_amendment_creates_a_version(client, justice_editor):
    birth = Procedure.objects.get(code="1.001193")
    before = birth.versions.count()
    response = client.post(
        f"/quan-tri/catalog/procedure/{birth.pk}/change/",
        {
            "name": "Thủ tục đăng ký khai sinh",
            "name_en": "Birth registration",
            "service_level": "full",
            "assurance_level": "2",
            "conditions": "",
            "decision_number": "163/QĐ-BTP",
            "change_note": "Số hóa toàn trình",
            "versions-TOTAL_FORMS": "0",
            "versions-INITIAL_FORMS": str(before),
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    birth.refresh_from_db()
    assert birth.versions.count() == before + 1
    assert (birth.service_level, birth.name_en, birth.current.change_note) == ("full", "Birth registration", "Số hóa toàn trình")


def test_editor_cannot_amend_another_agencys_procedure(client, justice_editor):
    police = Procedure.objects.get(code="1.004194")
    response = client.post(f"/quan-tri/catalog/procedure/{police.pk}/change/", {"name": "hacked", "change_note": "x"})
    assert response.status_code in (302, 404)
    police.refresh_from_db()
    assert police.name == "Đăng ký tạm trú"


def test_anonymous_users_are_sent_to_sign_in(client):
    response = client.get("/quan-tri/catalog/procedure/")
    assert response.status_code == 302 and "/login/" in response["Location"]
