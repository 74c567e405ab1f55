"""What every sheet of the package's workbook shares: the heading rows, the board's reading
of the amounts, and a table with its header, filter, frozen panes, coloured deviations and
columns as wide as their content (xlsx.Sheet.fit; a long text wraps).
"""

from __future__ import annotations

import pandas as pd

from pipelines.packages.content import Package
from pipelines.packages.figures import board_value, in_units, missing
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
# (least, most) characters of a column fitted to its content: a longer text wraps, a figure
# and a heading's longest word never do. The widest text columns are narrowed further where
# a sheet would otherwise print one page wide at less than xlsx.MIN_PRINT_SCALE.
BOUNDS = {"org_unit_name": (12, 34), "project_name": (12, 34), "description": (16, 40),
          "message_sv": (16, 45), "goal_name": (16, 40), "comment": (16, 40),
          "checks": (16, 36), "cost_category_name": (12, 40),
          "responsible_unit_name": (12, 28), "measured_unit_name": (12, 28)}
DEFAULT_BOUNDS = (5, 24)
NOTE = {"italic": True, "size": 9}
EMPTY_WIDTH = 100  # the column of a sheet that has only a sentence saying it is empty


def heading(ws: Sheet, package: Package, title: str, last: int | None = None) -> None:
    """Rows 1-4 over the columns 1..`last` (None: the table's width), wrapped there."""
    ws.paragraph(1, 1, f"{package.municipality} - {package.scope.name}", last, bold=True,
                 size=14)
    ws.paragraph(2, 1, f"{title}, {package.title}", last, bold=True, size=11)
    ws.paragraph(3, 1, layout()["amount_note"], last, **NOTE)
    if not package.published:
        ws.paragraph(4, 1, "UTKAST - EJ PUBLICERAD: " + "; ".join(package.blockers), last,
                     bold=True, color="C00000")


def nothing(ws: Sheet, text: str) -> None:
    """A sheet with no table: the sentence that says so where the table would be."""
    ws.put(HEADER_ROW, 1, text)
    ws.width(1, EMPTY_WIDTH)


def board_reading(package: Package, frame: pd.DataFrame) -> pd.DataFrame:
    """The rows' amounts and category names as the board reads them (deviations read the
    same either way)."""
    if frame.empty or "cost_category" not in frame:
        return frame
    # a deviation has no depth, but its tree position is 0 exactly for the scope's top
    depth = frame["depth"] if "depth" in frame else frame["tree_position"]
    codes = frame["org_unit_code"] if "org_unit_code" in frame else [None] * len(frame)
    readings = [package.reading(int(d), c, code) for d, c, code in zip(
        depth, frame["cost_category"], codes, strict=True)]
    out = frame.copy()
    signs = pd.Series([sign for _, sign in readings], index=frame.index, dtype=float)
    for column in AMOUNT_FIELDS - DEVIATION_FIELDS:
        if column in out:
            out[column] = board_value(out[column].astype(float), signs)
    out["cost_category_name"] = [name for name, _ in readings]
    out["board_sign"] = signs
    return out


def _column(name: str, values: list) -> tuple[list, dict]:
    """A column's values as the sheet shows them, and the style of its filled cells."""
    lay = layout()
    if name in AMOUNT_FIELDS:
        # rounded once, as the PDF prints it (figures.in_units), never Python's half-to-even
        return [in_units(v) for v in values], {"num_format": lay["number_format_tkr"]}
    if name in PCT_FIELDS or name == "fte":
        return values, {"num_format": lay["number_format_pct"]}
    if name in ("overtime_hours", "additional_hours"):
        return [in_units(v, 1) for v in values], {"num_format": "#,##0"}
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
        ws.fit(c, *BOUNDS.get(name, DEFAULT_BOUNDS))
        if name in DEVIATION_FIELDS and r > start_row:
            area = (start_row + 1, c, r, c)
            ws.condition(area, "<", 0, colours["unfavourable"])
            ws.condition(area, ">", 0, colours["favourable"])
    return r
