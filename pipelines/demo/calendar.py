"""Swedish working days: weekdays that are not public holidays (helgdagar)."""

from __future__ import annotations

import datetime as dt
from functools import lru_cache

import numpy as np


def easter_sunday(year: int) -> dt.date:
    """Gregorian Easter (anonymous Gregorian algorithm)."""
    a = year % 19
    b, c = divmod(year, 100)
    d, e = divmod(b, 4)
    f = (b + 8) // 25
    g = (b - f + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = divmod(c, 4)
    ell = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * ell) // 451
    month, day = divmod(h + ell - 7 * m + 114, 31)
    return dt.date(year, month, day + 1)


def public_holidays(year: int) -> set[dt.date]:
    easter = easter_sunday(year)
    midsummer_eve = next(
        dt.date(year, 6, d) for d in range(19, 26) if dt.date(year, 6, d).weekday() == 4
    )
    all_saints = next(
        dt.date(year, 10, 31) + dt.timedelta(days=d)
        for d in range(7)
        if (dt.date(year, 10, 31) + dt.timedelta(days=d)).weekday() == 5
    )
    return {
        dt.date(year, 1, 1), dt.date(year, 1, 6),
        easter - dt.timedelta(days=2), easter + dt.timedelta(days=1),
        dt.date(year, 5, 1), easter + dt.timedelta(days=39),
        dt.date(year, 6, 6), midsummer_eve, midsummer_eve + dt.timedelta(days=1), all_saints,
        dt.date(year, 12, 24), dt.date(year, 12, 25), dt.date(year, 12, 26),
        dt.date(year, 12, 31),
    }


@lru_cache(maxsize=8)
def workday_cumsum(year: int) -> np.ndarray:
    """cumsum[i] = number of workdays among the first i days of the year (cumsum[0] = 0)."""
    start = dt.date(year, 1, 1)
    n = (dt.date(year + 1, 1, 1) - start).days
    holidays = public_holidays(year)
    flags = [
        (start + dt.timedelta(days=i)).weekday() < 5
        and (start + dt.timedelta(days=i)) not in holidays
        for i in range(n)
    ]
    return np.concatenate([[0], np.cumsum(flags)])


def workdays(first: dt.date, last: dt.date) -> int:
    """Workdays in [first, last], both inside one calendar year."""
    if last < first:
        return 0
    cs = workday_cumsum(first.year)
    return int(cs[last.timetuple().tm_yday] - cs[first.timetuple().tm_yday - 1])


def next_workday(day: dt.date) -> dt.date:
    """The day itself, or the first workday after it."""
    while day.weekday() >= 5 or day in public_holidays(day.year):
        day += dt.timedelta(days=1)
    return day


def previous_workday(day: dt.date) -> dt.date:
    """The day itself, or the last workday before it ("senast den 10 maj" on a Saturday)."""
    while day.weekday() >= 5 or day in public_holidays(day.year):
        day -= dt.timedelta(days=1)
    return day


def month_end(year: int, month: int) -> dt.date:
    return (dt.date(year + month // 12, month % 12 + 1, 1)) - dt.timedelta(days=1)
