"""Deadline tracking (bevakning av tidplanen): per follow-up period, who has and has not
commented their deviations, and reported their aktiviteter, delmål, nämndmål and styrtal, by
the tidplan's deadline. Shown by `uppfoljning status` and in the kommun total's package."""

from __future__ import annotations

import duckdb
import pandas as pd

from pipelines.packages.content import follow_up_period

DEVIATION_LEVELS = ("enhet", "verksamhet", "sektor")
GOAL_KINDS = {  # goal kind -> (what it is called, the tidplan's deadline key)
    "activity": ("Aktiviteter", "aktiviteter"), "sub_goal": ("Delmål", "delmal"),
    "board_goal": ("Nämndmål", "namndmal"), "board_indicator": ("Styrtal (nämnd)", "styrtal"),
    "kf_indicator": ("Styrtal (KF)", "styrtal"),
    "strategic_area": ("Strategiska områden", "strategiska_omraden"),
}
COLUMNS = ["Vad", "Senast", "Antal", "I tid", "Sent", "Saknas", "Saknas från"]


def _tables(con: duckdb.DuckDBPyConnection) -> set[str]:
    return {f"{s}.{t}" for s, t in con.execute(
        "select table_schema, table_name from information_schema.tables").fetchall()}


def deadline_status(con: duckdb.DuckDBPyConnection, period_key: str) -> pd.DataFrame:
    year, month = follow_up_period(period_key)
    tables = _tables(con)
    deadlines = {}
    if "raw.comment_deadlines" in tables:
        deadlines = dict(con.execute("select level, deadline from raw.comment_deadlines "
                                     "where period = ?", [period_key]).fetchall())
    rows = []
    if "marts.deviations" in tables:
        for level in DEVIATION_LEVELS:
            found = con.execute("""
                select d.org_unit_code, max(c.submitted_at) as submitted
                from marts.deviations d
                left join raw.deviation_comments c
                  on c.fiscal_year = d.fiscal_year and c.period = d.period
                  and c.org_unit_code = d.org_unit_code and c.cost_category = d.cost_category
                where d.fiscal_year = ? and d.period = ? and d.org_level = ?
                group by 1 order by 1""", [year, month, level]).fetchall()
            rows.append(_row(f"Avvikelser, {level}", deadlines.get(level),
                             [(code, submitted.date() if submitted else None)
                              for code, submitted in found]))
    if "marts.goal_follow_up" in tables:
        for kind, (label, key) in GOAL_KINDS.items():
            found = con.execute(
                "select goal_id, submitted_on from marts.goal_follow_up where fiscal_year = ? "
                "and period = ? and goal_kind = ? order by sort_order",
                [year, month, kind]).fetchall()
            if found:
                rows.append(_row(label, deadlines.get(key), found))
    return pd.DataFrame(rows, columns=COLUMNS)


def _row(label: str, deadline, items: list[tuple[str, object]]) -> list:
    on_time = [k for k, d in items if d is not None and (deadline is None or d <= deadline)]
    late = [k for k, d in items if d is not None and deadline is not None and d > deadline]
    missing = [k for k, d in items if d is None]
    shown = ", ".join(missing[:12]) + (f" och {len(missing) - 12} till" if len(missing) > 12
                                       else "")
    return [label, deadline, len(items), len(on_time), len(late), len(missing), shown]
