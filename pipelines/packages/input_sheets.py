"""The workbook's sheets a unit fills in and returns: Avvikelser (comment, orsak, åtgärd,
responsible and a full-year forecast per cost category) and Mål (a new status and comment).

Only the input columns are open for editing (the sheet is protected, filters and column
widths stay free), and their validations refuse what the return reader
(pipelines.packages.returns) would refuse, with a Swedish message: a forecast that is not a
number, a status not in the list, a text longer than MAX_TEXT_CHARS.
"""

from __future__ import annotations

import pandas as pd

from pipelines.ingest.goals import REPORTED_STATUSES
from pipelines.packages.content import Package
from pipelines.packages.layout import columns, layout
from pipelines.packages.workbook_tables import (
    HEADER_ROW,
    board_reading,
    header_cell,
    heading,
    table,
)
from pipelines.packages.xlsx import Sheet
from pipelines.text import thousands

INPUT_HEADER = "7F6000"
CLOSED = "D9D9D9"  # an input cell that takes nothing (net, a financial goal)
# a comment, cause, action or name a unit sends back: a board comment is a paragraph or two.
# The return refuses a longer text too (a paste skips Excel's validation, other programs
# have none), so what the warehouse takes in always fits a cell when it is issued again.
MAX_TEXT_CHARS = 4000
TEXT_COLUMNS = ("comment", "cause", "action", "responsible", "new_comment")


def _text_limit(ws: Sheet, area: tuple[int, int, int, int], heading: str) -> None:
    """Excel's own stop message on a text of more than MAX_TEXT_CHARS in `area`."""
    most = thousands(MAX_TEXT_CHARS)
    ws.validate(area, validate="length", criteria="<=", value=MAX_TEXT_CHARS,
                ignore_blank=True, error_type="stop", error_title=heading[:32],
                error_message=f"Texten får vara högst {most} tecken. Korta den: en längre "
                              "text tas inte emot när arbetsboken lämnas tillbaka.",
                input_title=heading[:32], input_message=f"Högst {most} tecken.")


def with_forecast_rows(package: Package) -> pd.DataFrame:
    """The deviations, and under a unit whose deviation is on Netto its cost categories that
    are not deviations themselves: forecasts are given per category, so a unit flagged on its
    net alone still gets a cell for each (marked `forecast_basis`)."""
    deviations = package.deviations.assign(forecast_basis=False)
    if deviations.empty:
        return deviations
    flagged = {(int(lv), c) for lv, c, cat in zip(
        deviations["level_order"], deviations["org_unit_code"], deviations["cost_category"],
        strict=True) if cat == "net"}
    present = set(zip(deviations["level_order"], deviations["org_unit_code"],
                      deviations["cost_category"], strict=True))
    rows = package.follow_up
    extra = rows[[(int(lv), c) in flagged and cat != "net" and (lv, c, cat) not in present
                  for lv, c, cat in zip(rows["level_order"], rows["org_unit_code"],
                                        rows["cost_category"], strict=True)]]
    if extra.empty:
        return deviations
    extra = extra.assign(forecast_basis=True, forecast_submitted=float("nan"))
    order = dict(zip(rows["cost_category"], rows["sort_order"], strict=True))
    deviations = deviations.assign(sort_order=deviations["cost_category"].map(order))
    keep = [c for c in deviations.columns if c in extra.columns]
    both = pd.concat([deviations.assign(order=0), extra[keep].assign(order=1)],
                     ignore_index=True)
    return both.sort_values(["tree_position", "order", "sort_order"], kind="stable",
                            na_position="first").drop(columns="order").reset_index(drop=True)


def deviations_sheet(ws: Sheet, package: Package) -> None:
    lay = layout()
    heading(ws, package, lay["sheets"]["deviations"])
    fields = columns("deviations")
    inputs = columns("deviation_inputs")
    frame = board_reading(package, with_forecast_rows(package))
    if not frame.empty:  # a forecast given earlier, in the sign the unit typed it
        frame["forecast_input"] = (frame["forecast_submitted"].astype(float)
                                   * frame["board_sign"] / 1000).round(3)
    last = table(ws, frame, fields + inputs)
    for r, basis in enumerate(frame.get("forecast_basis", []), start=HEADER_ROW + 1):
        if basis:  # not a deviation: there for the forecast per category
            for c in range(1, len(fields) + 1):
                ws.style(r, c, italic=True, color="595959")
    if bool(frame.get("forecast_basis", pd.Series(dtype=bool)).any()):
        ws.put(last + 2, 1, "Rader i grå kursiv är inga avvikelser: de står under en enhet "
                            "vars avvikelse gäller nettot, för att prognosen lämnas per "
                            "kostnadsslag.", italic=True, size=9)
    first_input = len(fields) + 1
    # narrow enough to print one page wide at 70 % or more (the texts wrap)
    widths = {"org_level": 9, "org_unit_code": 8, "org_unit_name": 24,
              "cost_category_name": 20, "comment": 24, "cause": 16, "action": 16,
              "forecast_input": 10, "responsible": 12}
    code_column = [n for n, _ in fields].index("cost_category") + 1
    for c, (name, _) in enumerate(fields, start=1):
        # the category's code is read by the return, not by the board
        ws.width(c, widths.get(name, 9), hidden=c == code_column)
    forecast_col = first_input + [n for n, _ in inputs].index("forecast_input")
    categories = list(frame.get("cost_category", []))
    for c, (name, text) in enumerate(inputs, start=first_input):
        header_cell(ws, HEADER_ROW, c, text, fill=INPUT_HEADER)
        ws.width(c, widths.get(name, 16))
        for r in range(HEADER_ROW + 1, max(last, HEADER_ROW + 1) + 1):
            ws.style(r, c, locked=False, fill=lay["colours"]["input"], wrap=True,
                     valign="top")
            if c == forecast_col:
                ws.style(r, c, num_format="#,##0")
                if r - HEADER_ROW - 1 < len(categories) \
                        and categories[r - HEADER_ROW - 1] == "net":
                    # forecasts are given per cost category; net is their sum
                    ws.style(r, c, locked=True, fill=CLOSED)
    if last > HEADER_ROW:
        for c, (name, text) in enumerate(inputs, start=first_input):
            if name in TEXT_COLUMNS:
                _text_limit(ws, (HEADER_ROW + 1, c, last, c), text)
        ws.validate((HEADER_ROW + 1, forecast_col, last, forecast_col),
                    validate="decimal", criteria="between", minimum=-100000000,
                    maximum=100000000, ignore_blank=True, error_type="stop",
                    error_title="Prognos helår (tkr)",
                    error_message="Skriv prognosen för helåret i tkr, som ett tal, "
                                  "t.ex. 1250 eller -300.",
                    input_title="Prognos helår (tkr)",
                    input_message="Helårsprognos för kostnadsslaget i hela tkr, intäkter och "
                                  "kostnader positiva.")
    ws.protected = True
    ws.put(4 if package.published else 3, first_input,
           "Fyll i de gula kolumnerna och lämna tillbaka arbetsboken.", bold=True)


def goals_sheet(ws: Sheet, package: Package) -> None:
    lay = layout()
    heading(ws, package, lay["sheets"]["goals"])
    goals = package.goals
    in_kr = goals["unit"].eq("kr")  # amounts in tkr, as on every other sheet
    frame = goals.assign(
        goal_kind_sv=goals["goal_kind"].map(lay["goal_kinds"]),
        target_value=goals["target_value"].mask(in_kr, goals["target_value"] / 1000),
        outcome_value=goals["outcome_value"].mask(in_kr, goals["outcome_value"] / 1000),
        unit=goals["unit"].mask(in_kr, "tkr"),
        deadline_sv=[None if pd.isna(d) else ("ja" if d else "nej")
                     for d in goals["deadline_met"]])
    fields = columns("goals")
    at = {name: c for c, (name, _) in enumerate(fields, start=1)}
    last = table(ws, frame, fields)
    colours = {"uppnått": lay["colours"]["favourable"],
               "ej uppnått": lay["colours"]["unfavourable"], "delvis uppnått": "FFEB9C"}
    for r, record in enumerate(frame.to_dict("records"), start=HEADER_ROW + 1):
        if record.get("unit") == "tkr":
            for name in ("target_value", "outcome_value"):
                ws.style(r, at[name], num_format=lay["number_format_tkr"])
        for name in ("status", "rolled_up_status"):
            if record.get(name) in colours:
                ws.style(r, at[name], fill=colours[record[name]])
        if record.get("goal_kind") in ("strategic_area", "board_goal"):
            for c in at.values():
                ws.style(r, c, bold=True)
    for name in ("goal_name", "comment"):
        ws.width(at[name], 50)
    _goal_inputs(ws, frame, len(fields) + 1, last)
    ws.put(4 if package.published else 3, len(fields) + 1,
           "Rapportera i de gula kolumnerna det som är nytt för tertialen (status och/eller "
           "kommentar) och lämna tillbaka arbetsboken.", bold=True)


def _goal_inputs(ws: Sheet, frame: pd.DataFrame, first: int, last: int) -> None:
    """Ny status (a list of the four) and Ny kommentar, open to the unit; the financial goals
    are judged from the books and take no report."""
    inputs = columns("goal_inputs")
    for c, (_, text) in enumerate(inputs, start=first):
        header_cell(ws, HEADER_ROW, c, text, fill=INPUT_HEADER)
        ws.width(c, 18 if c == first else 50)
    kinds = list(frame.get("goal_kind", []))
    for r in range(HEADER_ROW + 1, last + 1):
        reportable = kinds[r - HEADER_ROW - 1] != "financial_goal"
        for c in range(first, first + len(inputs)):
            ws.style(r, c, locked=not reportable, wrap=True, valign="top",
                     fill=layout()["colours"]["input"] if reportable else CLOSED)
    if last > HEADER_ROW:
        ws.validate((HEADER_ROW + 1, first, last, first), validate="list",
                    source=list(REPORTED_STATUSES), ignore_blank=True, error_type="stop",
                    error_title="Ny status",
                    error_message="Välj uppnått, delvis uppnått, ej uppnått eller "
                                  "ej påbörjad.",
                    input_title="Ny status",
                    input_message="Välj målets status för tertialen i listan.")
        for c, (name, text) in enumerate(inputs, start=first):
            if name in TEXT_COLUMNS:
                _text_limit(ws, (HEADER_ROW + 1, c, last, c), text)
    ws.protected = True
