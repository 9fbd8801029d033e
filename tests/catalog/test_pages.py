"""The public site (A1, A2, A4, A5; M1): pages render what a citizen needs, in both languages."""

import pytest

pytestmark = pytest.mark.django_db


def test_home_shows_search_popular_services_and_life_events(client):
    html = client.get("/").content.decode()
    assert 'role="search"' in html
    assert "Đăng ký tạm trú" in html  # the most used service
    assert "/su-kien/" in html


def test_search_page_lands_on_the_procedure(client):
    response = client.get("/tim-kiem/", {"q": "dang ky khai sinh"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "/thu-tuc/" in html and "khai sinh" in html.lower()
    assert "Lọc kết quả" in html


def test_search_partial_for_htmx(client):
    response = client.get("/tim-kiem/", {"q": "hộ chiếu"}, HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert html.lstrip().startswith('<div id="results"')
    assert "<html" not in html


def test_search_page_rejects_bad_filters_with_400_not_500(client):
    response = client.get("/tim-kiem/", {"level": "moon", "q": "x" * 5000})
    assert response.status_code == 400
    assert "alert" in response.content.decode()


def test_procedure_page_tells_what_to_bring_how_long_how_much_where(client):
    html = client.get("/thu-tuc/1.001193/").content.decode()
    for heading in ("Hồ sơ cần chuẩn bị", "Cách thức thực hiện", "Trình tự thực hiện", "Căn cứ pháp lý", "Lịch sử phiên bản"):
        assert heading in html
    assert "Thủ tục đăng ký khai sinh" in html


def test_procedure_page_in_english(client):
    vietnamese = client.get("/thu-tuc/1.004194/?tab=1").content.decode()
    assert 'href="/en/thu-tuc/1.004194/?tab=1" lang="en"' in vietnamese
    html = client.get("/en/thu-tuc/1.004194/").content.decode()
    assert 'lang="en"' in html
    assert "Documents to prepare" in html
    assert "Temporary residence" in html


def test_incomplete_procedure_says_so(client):
    from dichvucong.catalog.models import Procedure

    code = Procedure.objects.filter(is_complete=False).values_list("code", flat=True).first()
    html = client.get(f"/thu-tuc/{code}/").content.decode()
    assert "chưa có đầy đủ thông tin" in html


def test_old_versions_stay_readable(client):
    from dichvucong.catalog import services
    from dichvucong.catalog.models import Procedure

    procedure = Procedure.objects.get(code="1.004194")
    services.amend_procedure(procedure=procedure, changes={"conditions": "Điều kiện mới"}, change_note="sửa đổi")
    assert "Điều kiện mới" in client.get("/thu-tuc/1.004194/").content.decode()
    old = client.get("/thu-tuc/1.004194/phien-ban/1/").content.decode()
    assert "phiên bản cũ" in old and "Điều kiện mới" not in old


def test_agency_field_life_event_and_faq_pages(client):
    assert client.get("/co-quan/").status_code == 200
    assert "Thủ tục thực hiện" in client.get("/co-quan/bo-tu-phap/").content.decode()
    ha_noi = client.get("/co-quan/ubnd-ha-noi/").content.decode()
    assert "Sở Tư pháp" in ha_noi
    assert client.get("/linh-vuc/ho-tich/").status_code == 200
    assert client.get("/su-kien/").status_code == 200
    faq = client.get("/hoi-dap/", {"q": "tam tru"}).content.decode()
    assert "faq-item" in faq


def test_unknown_pages_are_404(client):
    assert client.get("/thu-tuc/0.000000/").status_code == 404
    assert client.get("/co-quan/khong-ton-tai/").status_code == 404


def test_security_headers(client):
    response = client.get("/")
    assert "script-src 'self'" in response["Content-Security-Policy"]
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"


def test_public_pages_are_cached_until_the_catalog_changes(client, django_assert_max_num_queries):
    from dichvucong.catalog import services
    from dichvucong.catalog.models import Procedure

    client.get("/thu-tuc/1.001193/")
    with django_assert_max_num_queries(1):  # the catalog revision, checked on every request in tests
        cached = client.get("/thu-tuc/1.001193/")
    assert cached.status_code == 200 and "csrfmiddlewaretoken" not in cached.content.decode()
    services.amend_procedure(
        procedure=Procedure.objects.get(code="1.001193"), changes={"conditions": "Điều kiện thử"}, change_note="t"
    )
    assert "Điều kiện thử" in client.get("/thu-tuc/1.001193/").content.decode()
    # A visitor with a session always gets a fresh page.
    client.cookies["dvc_session"] = "x"
    assert client.get("/thu-tuc/1.001193/").status_code == 200
