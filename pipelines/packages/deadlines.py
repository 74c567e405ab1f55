"""Deadline tracking (bevakning av tidplanen): per follow-up period, who has and has not
commented their deviations, and reported their aktiviteter, delmål, nämndmål and styrtal, by
the tidplan's deadline. Shown by `uppfoljning status`, in the kommun total's package, and
sent as reminders (pipelines/packages/reminders.py).

A unit has commented its deviations when every deviation of its level has a comment; the day
it did so is the day the last of them was first commented (a comment corrected later does
not make it late). A goal is reported when a status or comment for it
and the tertial has come in (a goal-status file or the Mål sheet of a returned package), on
the day of its first report. Submission dates are read from the raw tables, so a return
loaded a minute ago counts."""

from __future__ import annotations

import duckdb
import pandas as pd

from pipelines.domain import DEVIATION_LEVELS
from pipelines.packages.content import follow_up_period

GOAL_KINDS = {  # goal kind -> (what it is called, the tidplan's deadline key)
    "activity": ("Aktiviteter", "aktiviteter"), "sub_goal": ("Delmål", "delmal"),
    "board_goal": ("Nämndmål", "namndmal"), "board_indicator": ("Styrtal (nämnd)", "styrtal"),
    "kf_indicator": ("Styrtal (KF)", "styrtal"),
    "strategic_area": ("Strategiska områden", "strategiska_omraden"),
}
COLUMNS = ["Vad", "Senast", "Antal", "I tid", "Sent", "Saknas", "Saknas från"]
DETAIL_COLUMNS = ["Vad", "Senast", "Id", "Benämning", "Ansvarig", "Inlämnad", "Läge"]
ITEM_COLUMNS = ["what", "deadline_key", "deadline", "key", "name", "unit_code", "unit_name",
                "outstanding", "is_in", "submitted_on"]


def _tables(con: duckdb.DuckDBPyConnection) -> set[str]:
    return {f"{s}.{t}" for s, t in con.execute(
        "select table_schema, table_name from information_schema.tables").fetchall()}


def _day(value):
    return None if value is None or pd.isna(value) else pd.Timestamp(value).date()


def deadline_items(con: duckdb.DuckDBPyConnection, period_key: str) -> pd.DataFrame:
    """One row per thing the tidplan asks for in the period: a unit's comments on its
    deviations at a level, or the report of a goal. `outstanding` says what is still missing
    (the uncommented cost categories, or the goal); `is_in` once it is all in, on
    `submitted_on` (None for a goal report that carries no date: it counts as late).
    """
    year, month = follow_up_period(period_key)
    tables = _tables(con)
    deadlines = {}
    if "raw.comment_deadlines" in tables:
        deadlines = dict(con.execute("select level, deadline from raw.comment_deadlines "
                                     "where period = ?", [period_key]).fetchall())
    rows = []
    if "marts.deviations" in tables:
        found = con.execute("""
            select d.org_level, d.org_unit_code, any_value(d.org_unit_name),
                string_agg(case when c.org_unit_code is null then d.cost_category_name end,
                           ', ' order by d.deviation_rank),
                case when count(*) = count(c.org_unit_code) then max(c.submitted) end
            from marts.deviations d
            left join (select fiscal_year, period, org_unit_code, cost_category,
                              min(submitted_at) as submitted
                       from raw.deviation_comments group by all) c
              on c.fiscal_year = d.fiscal_year and c.period = d.period
              and c.org_unit_code = d.org_unit_code and c.cost_category = d.cost_category
            where d.fiscal_year = ? and d.period = ? and d.org_level in ?
            group by 1, 2 order by list_position(?, d.org_level), 2""",
            [year, month, list(DEVIATION_LEVELS), list(DEVIATION_LEVELS)]).fetchall()
        for level, unit, name, missing, submitted in found:
            rows.append([f"Avvikelser, {level}", level, deadlines.get(level), unit, name, unit,
                         name, f"kommentar till avvikelser: {missing}" if missing else None,
                         submitted is not None, _day(submitted)])
    if "marts.goal_follow_up" in tables:  # its sources, the raw goal reports, exist with it;
        # financial goals are judged from the marts, nobody reports them
        found = con.execute("""
            select g.goal_kind, g.goal_id, g.goal_name, g.responsible_unit_code,
                g.responsible_unit_name, r.goal_id is not null, r.submitted
            from marts.goal_follow_up g
            left join (select goal_id, period, min(submitted_on) as submitted
                       from (select goal_id, period, submitted_on from raw.goal_statuses
                             union all
                             select goal_id, period, submitted_on
                             from raw.returned_goal_statuses)
                       group by all) r
              on r.goal_id = g.goal_id and r.period = ?
            where g.fiscal_year = ? and g.period = ? and g.goal_kind in ?
            order by g.sort_order""", [period_key, year, month, list(GOAL_KINDS)]).fetchall()
        for kind, goal, name, unit, unit_name, is_in, submitted in found:
            label, key = GOAL_KINDS[kind]
            rows.append([label, key, deadlines.get(key), goal, name, unit, unit_name,
                         None if is_in else f"{goal} {name}", is_in, _day(submitted)])
    return pd.DataFrame(rows, columns=ITEM_COLUMNS)


def deadline_status(items: pd.DataFrame) -> pd.DataFrame:
    """Per kind of comment or report: how many, in time, late, missing and from whom."""
    rows = [_row(what, group) for what, group in items.groupby("what", sort=False)]
    return pd.DataFrame(rows, columns=COLUMNS)


def _on_time(deadline, submitted) -> bool:
    return deadline is None or (submitted is not None and submitted <= deadline)


def _row(label: str, items: pd.DataFrame) -> list:
    deadline = _day(items["deadline"].iloc[0])
    is_in = items["is_in"].astype(bool).tolist()
    on_time = sum(i and _on_time(deadline, d)
                  for i, d in zip(is_in, map(_day, items["submitted_on"]), strict=True))
    late = sum(is_in) - on_time
    missing = [k for k, i in zip(items["key"], is_in, strict=True) if not i]
    shown = ", ".join(missing[:12]) + (f" och {len(missing) - 12} till" if len(missing) > 12
                                       else "")
    return [label, deadline, len(items), on_time, late, len(missing), shown]


def deadline_details(items: pd.DataFrame) -> pd.DataFrame:
    """Everything that is missing or came after its deadline, one row per unit or goal, with
    whoever answers for it: the list Ekonomi follows up from."""
    rows = []
    for r in items.to_dict("records"):
        deadline, submitted = _day(r["deadline"]), _day(r["submitted_on"])
        if not r["is_in"]:
            situation = (r["outstanding"] if r["what"].startswith("Avvikelser")
                         else "saknas")
        elif not _on_time(deadline, submitted):
            days = None if submitted is None else (submitted - deadline).days
            situation = ("inlämnad utan datum" if days is None else
                         f"sent, {days} {'dag' if days == 1 else 'dagar'} efter sista dag")
        else:
            continue
        responsible = " ".join(str(v) for v in (r["unit_code"], r["unit_name"])
                               if isinstance(v, str))
        rows.append([r["what"], deadline, r["key"], r["name"], responsible or None,
                     submitted, situation])
    return pd.DataFrame(rows, columns=DETAIL_COLUMNS)
