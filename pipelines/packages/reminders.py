"""Reminders (påminnelser) for missing comments and goal reports.

The days come from the tidplan's comment deadlines: `days_before` days before each deadline
(moved back to the Friday when that is a weekend day) and `days_after` days after it (moved
on to the Monday), as set in the config's `reminders`. On such a day the schedule
`deadline_reminders` starts the job `reminders` for the period. The run lists, per
responsible unit, what is still missing for every deadline of the period that is near
(within `days_before` days) or has passed, and writes

- `<reports>/paminnelser/<period>/paminnelser_<day>.xlsx`: the list, for Ekonomi;
- `<reports>/paminnelser/<period>/<day>/<unit>.txt`: one message per unit to send
  (reports/templates/reminder.txt.j2);
- `reports.comment_reminders`: who was reminded of what and when, so the next reminder and
  the follow-up meeting can see it.

Nothing is sent from here: a kommun sends the messages with its own mail system.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from pathlib import Path

import duckdb
import pandas as pd

from pipelines.packages.deadlines import deadline_items
from pipelines.packages.layout import render

FOLDER = "paminnelser"
COLUMNS = {"unit_code": "Enhet", "unit_name": "Namn", "what": "Vad", "deadline": "Senast",
           "situation": "Läge", "outstanding": "Saknas"}
RECORD_DDL = """
    period VARCHAR NOT NULL, reminded_on DATE NOT NULL, unit_code VARCHAR, what VARCHAR,
    deadline DATE, outstanding VARCHAR"""


def _weekday(day: dt.date, step: int) -> dt.date:
    """The day, or the nearest weekday in the direction of `step` (-1 back, 1 forward)."""
    while day.weekday() >= 5:
        day += dt.timedelta(days=step)
    return day


def reminder_days(deadlines: Iterable[tuple[str, dt.date]], days_before: int,
                  days_after: int) -> dict[dt.date, set[str]]:
    """Reminder day -> the follow-up periods to remind of, from (period, deadline) pairs."""
    days: dict[dt.date, set[str]] = {}
    for period, deadline in deadlines:
        for day in (_weekday(deadline - dt.timedelta(days=days_before), -1),
                    _weekday(deadline + dt.timedelta(days=days_after), 1)):
            days.setdefault(day, set()).add(period)
    return days


def _situation(deadline: dt.date, day: dt.date) -> str:
    days = (deadline - day).days
    if days > 1:
        return f"senast om {days} dagar"
    if days == 1:
        return "senast i morgon"
    if days == 0:
        return "senast i dag"
    return f"försenad, {-days} {'dag' if days == -1 else 'dagar'} efter sista dag"


def due_reminders(con: duckdb.DuckDBPyConnection, period_key: str, day: dt.date,
                  days_before: int) -> pd.DataFrame:
    """What is still missing on `day` for the deadlines of the period that fall within
    `days_before` days or have passed, one row per unit and kind, most urgent first."""
    items = deadline_items(con, period_key)
    items = items[~items["is_in"].astype(bool) & items["deadline"].notna()].copy()
    items["deadline"] = [pd.Timestamp(d).date() for d in items["deadline"]]
    items = items[[d <= day + dt.timedelta(days=days_before) for d in items["deadline"]]]
    if items.empty:
        return pd.DataFrame(columns=list(COLUMNS))
    grouped = (items.groupby(["unit_code", "unit_name", "what", "deadline"], sort=False,
                             dropna=False)["outstanding"]
               .agg("; ".join).reset_index())
    grouped["situation"] = [_situation(d, day) for d in grouped["deadline"]]
    return (grouped.sort_values(["deadline", "unit_code", "what"], kind="stable")
            [list(COLUMNS)].reset_index(drop=True))


def write_reminders(due: pd.DataFrame, reports: Path, municipality: str, period_key: str,
                    day: dt.date) -> Path:
    """The list for Ekonomi and one message per unit; returns the list's path."""
    folder = reports / FOLDER / period_key
    messages = folder / day.isoformat()
    messages.mkdir(parents=True, exist_ok=True)
    for old in messages.glob("*.txt"):
        old.unlink()  # a rerun of the same day replaces that day's messages
    for (unit, name), rows in due.groupby(["unit_code", "unit_name"], sort=False,
                                          dropna=False):
        text = render("reminder.txt.j2", municipality=municipality, period=period_key,
                      unit_code=unit, unit_name=name if isinstance(name, str) else unit,
                      day=day, rows=rows.to_dict("records"),
                      deviations=rows["what"].str.startswith("Avvikelser").any(),
                      goals=(~rows["what"].str.startswith("Avvikelser")).any())
        (messages / f"{unit or 'okand'}.txt").write_text(text + "\n", encoding="utf-8")
    out = folder / f"paminnelser_{day.isoformat()}.xlsx"
    sheet = due.rename(columns=COLUMNS)
    with pd.ExcelWriter(out, engine="openpyxl") as xl:
        sheet.to_excel(xl, sheet_name="Påminnelser", index=False)
        ws = xl.book["Påminnelser"]
        ws.freeze_panes = "A2"
        for letter, width in zip("ABCDEF", (12, 32, 22, 12, 34, 90), strict=True):
            ws.column_dimensions[letter].width = width
    return out


def record_reminders(con: duckdb.DuckDBPyConnection, due: pd.DataFrame, period_key: str,
                     day: dt.date) -> None:
    con.execute("create schema if not exists reports")
    con.execute(f"create table if not exists reports.comment_reminders ({RECORD_DDL})")
    con.execute("delete from reports.comment_reminders where period = ? and reminded_on = ?",
                [period_key, day])
    if not due.empty:
        frame = due.assign(period=period_key, reminded_on=day)  # noqa: F841 - read by SQL
        con.execute("insert into reports.comment_reminders select period, reminded_on, "
                    "unit_code, what, deadline, outstanding from frame")
