"""E-forms as data: schema checks, prefill with provenance, server-side validation (C1, D2)."""

import copy
import json

import pytest

from dichvucong.dossiers.eforms import (
    SCHEMA_DIR,
    SchemaError,
    build_form,
    parse_schema,
    prefill,
    schema_for,
)
from tests.accounts.factories import UserFactory, verified_citizen

pytestmark = pytest.mark.django_db
BIRTH = "1.001193"


def birth_data(**overrides) -> dict:
    data = {
        "applicant__address": "Số 1 Tràng Tiền, Phường Hoàn Kiếm, Thành phố Hà Nội", "applicant__phone": "0912345678",
        "applicant__relationship": "mother", "child__full_name": "Nguyễn Minh An",
        "child__date_of_birth": "2026-11-20", "child__sex": "male", "child__province": "1", "child__commune": "",
    }
    from dichvucong.dossiers.eforms import commune_choices

    hanoi = dict(commune_choices())["Thành phố Hà Nội"]
    data["child__commune"] = hanoi[0][0]
    data.update(overrides)
    return data


def test_every_committed_form_definition_is_valid():
    files = list(SCHEMA_DIR.glob("*.json"))
    assert files
    for path in files:
        schema = parse_schema(json.loads(path.read_text(encoding="utf-8")))
        assert schema.procedure == path.stem


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda s: s["sections"][0]["fields"][0].update(type="colour"), "unknown type"),
        (lambda s: s["sections"][0]["fields"][0].update(source="registry:secret"), "unknown source"),
        (lambda s: s["sections"][0]["fields"][0].update(label={"en": "only English"}), "Vietnamese"),
        (lambda s: s["sections"][2].update(show_if={"field": "child.nothing", "equals": True}), "unknown field"),
        (lambda s: s["sections"][0]["fields"].append(dict(s["sections"][0]["fields"][0])), "defined twice"),
    ],
)
def test_a_broken_definition_is_refused_when_loaded(change, message):
    raw = json.loads((SCHEMA_DIR / f"{BIRTH}.json").read_text(encoding="utf-8"))
    broken = copy.deepcopy(raw)
    change(broken)
    with pytest.raises(SchemaError, match=message):
        parse_schema(broken)


def test_prefill_says_where_each_value_came_from_and_locks_only_verified_ones():
    user = verified_citizen(phone="+84912000444")
    known = prefill(schema_for(BIRTH), user)
    assert known["applicant.pin"].value == user.pin and known["applicant.pin"].verified
    assert known["applicant.pin"].source == "population"
    assert known["applicant.phone"].source == "profile" and not known["applicant.phone"].verified
    form = build_form(schema_for(BIRTH), language="vi", prefilled=known)
    assert form.fields["applicant__pin"].disabled  # verified and not editable
    assert not form.fields["applicant__phone"].disabled  # can be corrected
    unverified = build_form(schema_for(BIRTH), language="vi", prefilled=prefill(schema_for(BIRTH), UserFactory()))
    assert not unverified.fields["applicant__full_name"].disabled


def test_a_verified_value_cannot_be_changed_by_the_browser():
    user = verified_citizen()
    schema = schema_for(BIRTH)
    form = build_form(schema, language="vi", prefilled=prefill(schema, user),
                      data=birth_data(applicant__pin="079090000001", applicant__full_name="Someone Else"))
    assert form.is_valid(), form.errors
    stored = form.cleaned_dossier_data()
    assert stored["applicant.pin"] == user.pin and stored["applicant.full_name"] == user.full_name


def test_field_level_errors_in_the_persons_language():
    schema = schema_for(BIRTH)
    user = verified_citizen()
    form = build_form(schema, language="vi", prefilled=prefill(schema, user),
                      data=birth_data(applicant__phone="12345", child__date_of_birth="ngày 20", child__sex="x"))
    assert not form.is_valid()
    assert "10 chữ số" in form.errors["applicant__phone"][0]
    assert set(form.errors) >= {"applicant__phone", "child__date_of_birth", "child__sex"}
    english = build_form(schema, language="en", prefilled={}, data={})
    assert english.fields["child__full_name"].label == "Full name"


def test_the_commune_must_belong_to_the_province():
    schema = schema_for(BIRTH)
    user = verified_citizen()
    from dichvucong.dossiers.eforms import commune_choices

    elsewhere = dict(commune_choices())["Thành phố Hồ Chí Minh"][0][0]
    form = build_form(schema, language="vi", prefilled=prefill(schema, user), data=birth_data(child__commune=elsewhere))
    assert not form.is_valid() and "child__commune" in form.errors


def test_a_hidden_section_is_neither_required_nor_kept():
    schema = schema_for(BIRTH)
    user = verified_citizen()
    without = build_form(schema, language="vi", prefilled=prefill(schema, user),
                         data=birth_data(father__full_name="Trần Văn Bố"))
    assert without.is_valid(), without.errors
    assert "father.full_name" not in without.cleaned_dossier_data()
    needs_father = build_form(schema, language="vi", prefilled=prefill(schema, user),
                              data=birth_data(child__has_father="on"))
    assert not needs_father.is_valid()
    assert set(needs_father.errors) == {"father__full_name", "father__pin"}
