"""Answers are shown as people read them: labels, place names, dates (C1, G1)."""

import pytest

from dichvucong.dossiers.eforms import display_value, form_schema

pytestmark = pytest.mark.django_db


def test_choices_places_and_dates_are_shown_by_their_names():
    specs = {spec.type: spec for _, spec in form_schema("1.004194").fields()}
    select = specs["select"]
    value, label = select.choices[0]
    assert display_value(select, value, "vi") == label["vi"]
    assert display_value(select, value, "en") == label["en"]
    assert display_value(specs["province"], "1", "vi") == "Thành phố Hà Nội"
    assert display_value(specs["commune"], "4", "vi").startswith("Phường")
    assert display_value(specs["date"], "1992-04-17", "vi") == "17/04/1992"
    assert display_value(select, "not-a-choice", "vi") == "not-a-choice"  # kept, never lost
