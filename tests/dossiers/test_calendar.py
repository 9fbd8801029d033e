"""Working days and deadlines (G2): public holidays, Lunar New Year, declared days, the 15:00 rule."""

from datetime import date, datetime

import pytest
from django.utils import timezone

from dichvucong.dossiers import calendar
from dichvucong.dossiers.models import CalendarDay

pytestmark = pytest.mark.django_db


def at(text: str) -> datetime:
    return timezone.make_aware(datetime.fromisoformat(text))


def test_weekends_public_holidays_and_lunar_new_year_are_not_working_days():
    assert calendar.is_working_day(date(2026, 11, 27))  # Friday
    assert not calendar.is_working_day(date(2026, 11, 28))  # Saturday
    assert not calendar.is_working_day(date(2026, 9, 2))  # National Day
    assert not any(calendar.is_working_day(date(2026, 2, d)) for d in range(16, 21))  # Tết 2026
    assert calendar.is_working_day(date(2026, 8, 22))  # a Saturday worked to make up for 31/08


def test_days_declared_by_administrators_win():
    CalendarDay.objects.create(day=date(2026, 12, 1), is_working_day=False, reason="Bão số 15")
    CalendarDay.objects.create(day=date(2026, 12, 5), is_working_day=True, reason="Làm bù")
    assert not calendar.is_working_day(date(2026, 12, 1))
    assert calendar.is_working_day(date(2026, 12, 5))


def test_before_the_cutoff_the_day_counts_after_it_the_next_working_day_does():
    assert calendar.day_of_receipt(at("2026-11-27T14:59")) == date(2026, 11, 27)
    assert calendar.day_of_receipt(at("2026-11-27T15:00")) == date(2026, 11, 30)  # Friday after 15:00 → Monday
    assert calendar.day_of_receipt(at("2026-11-28T09:00")) == date(2026, 11, 30)  # Saturday → Monday


def test_working_days_skip_weekends_and_tet():
    # Received Thursday 12/02/2026 morning; 3 working days: Fri 13, then Tết (16-20) and the weekends.
    due = timezone.localtime(calendar.add_working_days(at("2026-02-12T09:00"), 3))
    assert due.date() == date(2026, 2, 24) and due.hour == 17
    assert timezone.localtime(calendar.add_working_days(at("2026-11-23T10:00"), 1)).date() == date(2026, 11, 25)


def test_working_hours_count_office_hours_only():
    due = timezone.localtime(calendar.add_working_hours(at("2026-11-27T16:00"), 4))  # Friday 16:00
    assert due == at("2026-11-30T11:00")  # 1 h on Friday, 3 h on Monday morning
    assert calendar.add_working_hours(at("2026-11-26T07:00"), 8) == at("2026-11-26T17:00")


def test_calendar_days_and_months_end_on_a_working_day():
    assert timezone.localtime(calendar.due_at(at("2026-11-20T09:00"), 8, "days")).date() == date(2026, 11, 30)
    assert timezone.localtime(calendar.due_at(at("2026-01-31T09:00"), 1, "months")).date() == date(2026, 3, 2)


def test_working_hours_between_count_working_time_only_and_read_the_declared_days_once(
    django_assert_max_num_queries,
):
    # Friday 16:00 → Tuesday 09:00: Friday's last hour, Monday's eight, Tuesday's first.
    assert calendar.working_hours_between(at("2026-11-27 16:00"), at("2026-12-01 09:00")) == 10
    CalendarDay.objects.create(day=date(2026, 11, 30), is_working_day=False, reason="Nghỉ bù")
    assert calendar.working_hours_between(at("2026-11-27 16:00"), at("2026-12-01 09:00")) == 2
    assert calendar.working_hours_between(at("2026-12-01 09:00"), at("2026-11-27 16:00")) == 0
    with django_assert_max_num_queries(1):  # a dossier open for years is not a query per day
        calendar.working_hours_between(at("2021-01-04 08:00"), at("2026-01-05 08:00"))
