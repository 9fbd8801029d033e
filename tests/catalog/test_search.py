"""The search service on the whole real catalog (A2)."""

import pytest

from dichvucong.catalog import services
from dichvucong.catalog.models import Procedure
from dichvucong.catalog.search import SearchQuery, expand_query, search_procedures

pytestmark = pytest.mark.django_db

BIRTH = {"1.001193", "2.000986", "2.002621", "2.001023", "1.000689"}


def top_codes(text: str, n: int = 5, **filters) -> list[str]:
    result = search_procedures(SearchQuery(text=text, page_size=n, **filters))
    return [p.code for p in result.procedures()]


def test_with_or_without_diacritics_finds_birth_registration_first():
    assert top_codes("dang ky khai sinh", 1)[0] in BIRTH
    assert top_codes("dang ky khai sinh") == top_codes("Đăng ký khai sinh")
    assert top_codes("ĐĂNG KÝ KHAI SINH") == top_codes("đăng kí khai sinh")


def test_typos_are_tolerated():
    assert "1.001456" in top_codes("ho chieeu pho thong")
    assert "1.004194" in top_codes("dang ky tam truu")


def test_abbreviations_and_everyday_words():
    licence = {"3.000347", "3.000348", "3.000346"}
    assert licence & set(top_codes("GPLX"))
    assert licence & set(top_codes("bằng lái xe"))
    assert any("quyền sử dụng đất" in Procedure.objects.get(code=c).name for c in top_codes("so do"))
    words, rewritten = expand_query("cấp lại BHYT")
    assert {"bao", "hiem", "te"} <= set(words) and rewritten == ["bhyt"]


def test_popular_services_rank_first_among_equals():
    codes = top_codes("tạm trú", 3)
    assert codes[0] == "1.004194"  # Đăng ký tạm trú, 15.5 million uses


def test_facets_filter_and_count():
    result = search_procedures(SearchQuery(text="giấy phép", level="commune", page_size=50))
    assert result.total > 0
    assert all("commune" in p.levels for p in result.procedures())
    level_counts = {f.value: f.count for f in result.facets["level"]}
    # The level facet ignores its own filter, so other levels stay selectable.
    assert level_counts.get("ministry", 0) > 0
    full = search_procedures(SearchQuery(service_level="full", page_size=10))
    assert all(p.service_level == "full" for p in full.procedures())


def test_empty_query_lists_the_most_used_first():
    procedures = search_procedures(SearchQuery(page_size=3)).procedures()
    assert [p.popularity for p in procedures] == sorted((p.popularity for p in procedures), reverse=True)
    assert procedures[0].code == "1.004194"


def test_nonsense_finds_nothing_rather_than_everything():
    assert search_procedures(SearchQuery(text="qwxzv zzkq")).total == 0
    assert search_procedures(SearchQuery(text="' OR 1=1 --")).total < 400  # text, not a filter


def test_index_follows_catalog_changes():
    assert "1.004194" in top_codes("đăng ký tạm trú")
    services.abolish_procedure(procedure=Procedure.objects.get(code="1.004194"))
    assert "1.004194" not in top_codes("đăng ký tạm trú")
    services.amend_procedure(
        procedure=Procedure.objects.get(code="1.001193"),
        changes={"name": "Thủ tục đăng ký khai sinh zebrafinch"},
        change_note="test",
    )
    assert top_codes("zebrafinch", 1) == ["1.001193"]
