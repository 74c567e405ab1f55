"""Is each month's delivery in by the tidplan's data cut-off? (issue 34)

The tidplan names the day each follow-up period's data is taken out (datauttag); the
period's months (it and the month before) must be in the warehouse by then. A month whose
cut-off has passed and of which the warehouse holds no row, from the first month it holds
on, is overdue: said with the month,
the day it was due, the period and how many days late, in Swedish. The Dagster checks
(pipelines/defs/timeliness.py) run this every morning.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from pipelines.partitions import months_through


@dataclass(frozen=True)
class Overdue:
    month: str
    due: dt.date  # the data cut-off of the first follow-up period that reads the month
    period: str  # that follow-up period

    def message(self, what: str, today: dt.date) -> str:
        late = (today - self.due).days
        return (f"{what} för {self.month} skulle ha varit inläst {self.due.isoformat()} "
                f"(tidplanens datauttag för {self.period}) och saknas i lagret: "
                f"{late} {'dag' if late == 1 else 'dagar'} sent.")


def due_dates(cutoffs: dict[dt.date, str]) -> dict[str, tuple[dt.date, str]]:
    """Month -> (the day it is due, the follow-up period): each period's cut-off for the
    months since the period before it (a period reads its two months)."""
    due: dict[str, tuple[dt.date, str]] = {}
    for day, period in sorted(cutoffs.items(), key=lambda kv: kv[1]):
        year, month = int(period[:4]), int(period[5:7])
        before = f"{year - (month == 1)}-{(month - 2) % 12 + 1:02d}"
        for m in (before, period):
            if m not in due or day < due[m][0]:
                due[m] = (day, period)
    return due


def overdue_months(cutoffs: dict[dt.date, str], held: set[str], years: list[int],
                   today: dt.date) -> list[Overdue]:
    """The months of `years` due before `today` of which the warehouse holds no row, from
    the first month it holds (a source delivered from 2025 on is not late for 2024)."""
    months = set(months_through(years, None))
    first = min(held, default="")
    return [Overdue(month, day, period)
            for month, (day, period) in sorted(due_dates(cutoffs).items())
            if month in months and month >= first and day < today and month not in held]
