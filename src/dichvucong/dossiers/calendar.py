"""Working days and deadlines in Vietnam (G2).

Public holidays (with Lunar New Year and the days off the government moves, and the
Saturdays worked to make up for them) come from the ``holidays`` package; agencies'
administrators add their own days off and make-up working days (``CalendarDay``).

The counting rule, documented in docs/dossiers.md:
* A dossier received on a working day before ``DOSSIER_DAY_CUTOFF`` (15:00) is received
  that day; after it, or on a day off, it is received on the next working day.
* A time limit of *n* working days ends at the close of the *n*-th working day after the
  day of receipt (the day of receipt itself is not counted).
* A limit in hours counts working hours (08:00–12:00, 13:00–17:00) from the moment of
  receipt, or from the next working morning.
* A limit in calendar days or months counts every day from the day of receipt (a month
  ends on the same date of the next month); if it ends on a day off, it moves to the
  next working day.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from functools import lru_cache

import holidays
from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.utils import timezone

MORNING = (time(8, 0), time(12, 0))
AFTERNOON = (time(13, 0), time(17, 0))
CLOSE = AFTERNOON[1]


@lru_cache(maxsize=32)
def _public_holidays(year: int) -> tuple[frozenset[date], frozenset[date]]:
    calendar = holidays.country_holidays("VN", years=[year])
    return frozenset(calendar), frozenset(getattr(calendar, "weekend_workdays", ()) or ())


def _declared(day: date) -> bool | None:
    """An administrator's ruling on ``day``: True = working, False = off, None = none."""
    from dichvucong.dossiers.models import CalendarDay

    return CalendarDay.objects.filter(day=day).values_list("is_working_day", flat=True).first()


def is_working_day(day: date) -> bool:
    declared = _declared(day)
    return _is_working_day_given(day, {} if declared is None else {day: declared})


def next_working_day(day: date) -> date:
    day += timedelta(days=1)
    while not is_working_day(day):
        day += timedelta(days=1)
    return day


def day_of_receipt(moment: datetime) -> date:
    """The working day a dossier counts as received on."""
    local = timezone.localtime(moment)
    cutoff = time.fromisoformat(settings.DOSSIER_DAY_CUTOFF)
    if is_working_day(local.date()) and local.time() < cutoff:
        return local.date()
    return next_working_day(local.date())


def close_of(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, CLOSE))


def add_working_days(received: datetime, days: int) -> datetime:
    day = day_of_receipt(received)
    for _ in range(days):
        day = next_working_day(day)
    return close_of(day)


def add_working_hours(received: datetime, hours: float) -> datetime:
    local = timezone.localtime(received)
    remaining = timedelta(hours=hours)
    day, clock = local.date(), local.time()
    if not is_working_day(day):
        day, clock = next_working_day(day), MORNING[0]
    while True:
        for start, end in (MORNING, AFTERNOON):
            begin = max(clock, start)
            if begin >= end:
                continue
            available = datetime.combine(day, end) - datetime.combine(day, begin)
            if remaining <= available:
                return timezone.make_aware(datetime.combine(day, begin) + remaining)
            remaining -= available
        day, clock = next_working_day(day), MORNING[0]


def _declared_between(first: date, last: date) -> dict[date, bool]:
    """Administrators' rulings over a range, in one query (a dossier may span years)."""
    from dichvucong.dossiers.models import CalendarDay

    return dict(CalendarDay.objects.filter(day__range=(first, last)).values_list("day", "is_working_day"))


def _is_working_day_given(day: date, declared: dict[date, bool]) -> bool:
    if day in declared:
        return declared[day]
    public, make_up = _public_holidays(day.year)
    if day in make_up:
        return True
    return day.weekday() < 5 and day not in public


def working_hours_between(start: datetime, end: datetime) -> float:
    """Working hours (08:00–12:00, 13:00–17:00 of working days) between two moments."""
    if end <= start:
        return 0.0
    first, last = timezone.localtime(start), timezone.localtime(end)
    declared = _declared_between(first.date(), last.date())
    total = timedelta()
    day = first.date()
    while day <= last.date():
        if _is_working_day_given(day, declared):
            for opens, closes in (MORNING, AFTERNOON):
                begin = max(datetime.combine(day, opens), first.replace(tzinfo=None))
                finish = min(datetime.combine(day, closes), last.replace(tzinfo=None))
                if finish > begin:
                    total += finish - begin
        day += timedelta(days=1)
    return total.total_seconds() / 3600


def add_calendar_days(received: datetime, days: int) -> datetime:
    day = timezone.localtime(received).date() + timedelta(days=days)
    while not is_working_day(day):
        day += timedelta(days=1)
    return close_of(day)


def due_at(received: datetime, amount: float, unit: str) -> datetime:
    """The appointed time for a time limit as the catalog states it (``TimeUnit`` values)."""
    if unit == "hours":
        return add_working_hours(received, amount)
    if unit == "days":
        return add_calendar_days(received, int(amount))
    if unit == "months":
        end = timezone.localtime(received) + relativedelta(months=int(amount))
        return add_calendar_days(end, 0)
    return add_working_days(received, int(amount))
