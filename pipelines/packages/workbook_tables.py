"""What every sheet of the package's workbook shares: the heading rows, the board's reading
of the amounts, and a table with its header, filter, frozen panes and coloured deviations.
"""

from __future__ import annotations

import pandas as pd

from pipelines.packages.content import Package
from pipelines.packages.figures import missing
from pipelines.packages.layout import layout
from pipelines.packages.xlsx import Sheet

HEADER_ROW = 5  # rows 1-3: title, period, note; row 4: the draft's mark
AMOUNT_FIELDS = {"outcome_ytd", "budget_ytd", "deviation_ytd", "outcome_prior_ytd",
                 "budget_annual", "forecast_annual", "forecast_deviation",
                 "personnel_cost_outcome", "personnel_cost_budget", "personnel_cost_deviation"}
DEVIATION_FIELDS = {"deviation_ytd", "forecast_deviation", "personnel_cost_deviation"}
PCT_FIELDS = {"sick_leave_pct", "sick_leave_long_share_pct", "sick_leave_women_pct",
              "sick_leave_men_pct", "sick_leave_age_29_pct", "sick_leave_age_30_49_pct",
              "sick_leave_age_50_pct"}
NAME_FIELDS = ("org_unit_name", "project_name", "goal_name", "description")
WIDE_FIELDS = {"org_unit_name": 30, "description": 36, "message_sv": 40, "project_name": 30,
               "comment": 40, "cause": 30, "action": 30, "goal_name": 40}
NOTE = {"italic": True, "size": 9}


def heading(ws: Sheet, package: Package, title: str) -> None:
    ws.put(1, 1, f"{package.municipality} - {package.scope.name}", bold=True, size=14)
    ws.put(2, 1, f"{title}, {package.title}", bold=True, size=11)
    ws.put(3, 1, layout()["amount_note"], **NOTE)
    if not package.published:
        ws.put(4, 1, "UTKAST - EJ PUBLICERAD: " + "; ".join(package.blockers), bold=True,
               color="C00000")


def board_reading(package: Package, frame: pd.DataFrame) -> pd.DataFrame:
    """The rows' amounts and category names as the board reads them (deviations read the
    same either way)."""
    if frame.empty or "cost_category" not in frame:
        return frame
    # a deviation has no depth, but its tree position is 0 exactly for the scope's top
    depth = frame["depth"] if "depth" in frame else frame["tree_position"]
    readings = [package.reading(int(d), c) for d, c in zip(depth, frame["cost_category"],
                                                            strict=True)]
    out = frame.copy()
    signs = pd.Series([sign for _, sign in readings], index=frame.index, dtype=float)
    for column in AMOUNT_FIELDS - DEVIATION_FIELDS:
        if column in out:
            out[column] = out[column].astype(float) * signs
    out["cost_category_name"] = [name for name, _ in readings]
    out["board_sign"] = signs
    return out


def _column(name: str, values: list) -> tuple[list, dict]:
    """A column's values as the sheet shows them, and the style of its filled cells."""
    lay = layout()
    if name in AMOUNT_FIELDS:
        return [None if missing(v) else round(float(v) / 1000) for v in values], {
            "num_format": lay["number_format_tkr"]}
    if name in PCT_FIELDS or name == "fte":
        return values, {"num_format": lay["number_format_pct"]}
    if name in ("overtime_hours", "additional_hours"):
        return [None if missing(v) else round(float(v)) for v in values], {
            "num_format": "#,##0"}
    if name in ("org_level", "level"):
        return [v.capitalize() if isinstance(v, str) else v for v in values], {}
    return values, {}


def header_cell(ws: Sheet, r: int, c: int, text: str, fill: str | None = None) -> None:
    colours = layout()["colours"]
    ws.put(r, c, text, bold=True, color=colours["header_text"],
           fill=fill or colours["header"], wrap=True, valign="top")


def table(ws: Sheet, frame: pd.DataFrame, fields: list[tuple[str, str]],
          start_row: int = HEADER_ROW, suppressed: set[str] = frozenset()) -> int:
    """Header and rows, a filter on the header, the header and the unit's name frozen;
    returns the last row written."""
    for c, (_, text) in enumerate(fields, start=1):
        header_cell(ws, start_row, c, text)
    r = start_row + len(frame)
    mark = layout()["suppressed_mark"]
    for c, (name, _) in enumerate(fields, start=1):  # column by column: one rule each
        values, style = _column(name, frame[name].tolist() if name in frame
                                else [None] * len(frame))
        reason = f"{name}_suppression"
        hidden = [isinstance(v, str) for v in frame[reason].tolist()] \
            if name in suppressed and reason in frame else [False] * len(frame)
        for row, (value, suppressed_here) in enumerate(zip(values, hidden, strict=True),
                                                       start=start_row + 1):
            if suppressed_here:
                ws.put(row, c, mark, align="right")
            elif missing(value):
                ws.put(row, c, None)
            else:
                ws.put(row, c, value, **style)
    names = [c for c, (name, _) in enumerate(fields, start=1) if name in NAME_FIELDS]
    ws.freeze = (start_row + 1, (names[0] + 1) if names else 2)
    if r > start_row:
        ws.filter = (start_row, 1, r, len(fields))
    colours = layout()["colours"]
    for c, (name, _) in enumerate(fields, start=1):
        ws.width(c, WIDE_FIELDS.get(name, 11))
        if name in DEVIATION_FIELDS and r > start_row:
            area = (start_row + 1, c, r, c)
            ws.condition(area, "<", 0, colours["unfavourable"])
            ws.condition(area, ">", 0, colours["favourable"])
    return r
