"""The workbook's sheets a unit fills in and returns: Avvikelser (comment, orsak, åtgärd,
responsible and a full-year forecast per cost category) and Mål (a new status and comment).

Only the input columns are open for editing (the sheet is protected, filters and column
widths stay free), and their validations refuse what the return reader
(pipelines.packages.returns) would refuse, with a Swedish message: a forecast that is not a
number, a status not in the list, a text longer than MAX_TEXT_CHARS. Beside the forecast, a
formula shows the forecast deviation it gives as the unit types it (the return does not
read it); the category's code, which the return does read, is a hidden column whose cells
show nothing.
"""

from __future__ import annotations

import pandas as pd
from xlsxwriter.utility import xl_rowcol_to_cell

from pipelines.domain import REPORTED_STATUSES
from pipelines.packages.content import Package
from pipelines.packages.figures import board_value
from pipelines.packages.goal_checks import contradictions
from pipelines.packages.layout import columns, layout
from pipelines.packages.readings import OPERATING_NET
from pipelines.packages.workbook_tables import (
    HEADER_ROW,
    board_reading,
    header_cell,
    heading,
    table,
)
from pipelines.packages.xlsx import Formula, Sheet
from pipelines.text import thousands

INPUT_HEADER = "7F6000"
CLOSED = "D9D9D9"  # an input cell that takes nothing (net, a financial goal)
# a comment, cause, action or name a unit sends back: a board comment is a paragraph or two.
# The return refuses a longer text too (a paste skips Excel's validation, other programs
# have none), so what the warehouse takes in always fits a cell when it is issued again.
MAX_TEXT_CHARS = 4000
TEXT_COLUMNS = ("comment", "cause", "action", "responsible", "new_comment")
# the input columns' widths (characters): empty as issued, their text wraps as it is typed;
# narrowed like the text columns where the sheet would not print readably one page wide
INPUT_WIDTHS = {"comment": 22, "cause": 14, "action": 14, "forecast_input": 10,
                "responsible": 12, "new_status": 15, "new_comment": 22}


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
    extra = rows[[(int(lv), c) in flagged and cat not in ("net", OPERATING_NET)
                  and (lv, c, cat) not in present
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


def _input_columns(ws: Sheet, inputs: list[tuple[str, str]], at: dict[str, int],
                   categories: list[str], last: int, fill: str) -> None:
    """The unit's columns: yellow and open to write in, the forecast a whole number, and
    closed on the net rows (forecasts are given per cost category; net is their sum)."""
    forecast_col = at["forecast_input"]
    for name, text in inputs:
        c = at[name]
        header_cell(ws, HEADER_ROW, c, text, fill=INPUT_HEADER)
        ws.fit(c, INPUT_WIDTHS[name], INPUT_WIDTHS[name])
        for r in range(HEADER_ROW + 1, max(last, HEADER_ROW + 1) + 1):
            ws.style(r, c, locked=False, fill=fill, wrap=True, valign="top")
            if c == forecast_col:
                ws.style(r, c, num_format="#,##0")
                if r - HEADER_ROW - 1 < len(categories) \
                        and categories[r - HEADER_ROW - 1] == "net":
                    ws.style(r, c, locked=True, fill=CLOSED)


def deviations_sheet(ws: Sheet, package: Package) -> None:
    lay = layout()
    fields = columns("deviations")
    inputs = columns("deviation_inputs")
    # the forecast deviation the typed forecast gives, computed beside it (not read back)
    at_forecast = [n for n, _ in inputs].index("forecast_input") + 1
    computed = columns("deviation_computed")
    shown = fields + inputs[:at_forecast] + computed + inputs[at_forecast:]
    at = {name: c for c, (name, _) in enumerate(shown, start=1)}
    heading(ws, package, lay["sheets"]["deviations"], last=len(fields))
    frame = board_reading(package, with_forecast_rows(package))
    if not frame.empty:  # a forecast given earlier, in the sign the unit typed it
        frame["forecast_input"] = (board_value(frame["forecast_submitted"].astype(float),
                                               frame["board_sign"]) / 1000).round(3)
    last = table(ws, frame, shown)
    for r, basis in enumerate(frame.get("forecast_basis", []), start=HEADER_ROW + 1):
        if basis:  # not a deviation: there for the forecast per category
            for c in range(1, len(fields) + 1):
                ws.style(r, c, italic=True, color="595959")
    if bool(frame.get("forecast_basis", pd.Series(dtype=bool)).any()):
        ws.paragraph(last + 2, 1, "Rader i grå kursiv är inga avvikelser: de står under en "
                                  "enhet vars avvikelse gäller nettot, för att prognosen "
                                  "lämnas per kostnadsslag.", italic=True, size=9)
    # the category's code is what the return reads, not what the unit reads: its column is
    # hidden, and should it be shown, its cells show nothing (nor do they in the formula bar)
    code = at["cost_category"]
    ws.width(code, 8, hidden=True)
    for r in range(HEADER_ROW + 1, last + 1):
        ws.style(r, code, num_format=";;;", hidden=True)
    _input_columns(ws, inputs, at, list(frame.get("cost_category", [])), last,
                   lay["colours"]["input"])
    _forecast_deviations(ws, frame, at, last)
    forecast_col = at["forecast_input"]
    if last > HEADER_ROW:
        for name, text in inputs:
            if name in TEXT_COLUMNS:
                _text_limit(ws, (HEADER_ROW + 1, at[name], last, at[name]), text)
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
    ws.paragraph(4 if package.published else 3, len(fields) + 1,
                 "Fyll i de gula kolumnerna och lämna tillbaka arbetsboken.", bold=True)


def forecast_deviation_formula(budget: str, forecast: str, board_sign: int) -> str:
    """Excel's formula of the forecast deviation a typed forecast gives, from the cells of
    the årsbudget and the forecast as the board reads them: budget − forecast in ledger
    sign, so + is better than budget both for a cost (årsbudget − prognos) and for a
    revenue (prognos − årsbudget); empty until a number is typed."""
    difference = f"{budget}-{forecast}" if board_sign > 0 else f"{forecast}-{budget}"
    return f'=IF(ISNUMBER({forecast}),{difference},"")'


def forecast_deviation_value(budget, forecast, board_sign: int) -> float | str:
    """What the formula gives for these values: a program that does not recalculate shows
    it as written."""
    if not isinstance(forecast, int | float) or isinstance(forecast, bool):
        return ""
    budget = float(budget or 0)
    return budget - float(forecast) if board_sign > 0 else float(forecast) - budget


def _forecast_deviations(ws: Sheet, frame: pd.DataFrame, at: dict[str, int], last: int
                         ) -> None:
    """The column Avvikelse enligt ny prognos: a formula per cost category row that
    follows the unit's typed forecast, with its value as written (a forecast returned
    before is typed in already), coloured like the other deviations."""
    c, budget_col, forecast_col = (at["forecast_input_deviation"], at["budget_annual"],
                                   at["forecast_input"])
    categories = list(frame.get("cost_category", []))
    signs = list(frame.get("board_sign", []))
    tkr = layout()["number_format_tkr"]
    for i, r in enumerate(range(HEADER_ROW + 1, last + 1)):
        if categories[i] == "net":  # no forecast of its own: the sum of the categories
            ws.put(r, c, None)
            continue
        sign = int(signs[i])
        budget, forecast = (xl_rowcol_to_cell(r - 1, budget_col - 1),
                            xl_rowcol_to_cell(r - 1, forecast_col - 1))
        ws.put(r, c, Formula(forecast_deviation_formula(budget, forecast, sign),
                             forecast_deviation_value(ws.value(r, budget_col),
                                                      ws.value(r, forecast_col), sign)),
               num_format=tkr)
    if last > HEADER_ROW:
        cell = xl_rowcol_to_cell(HEADER_ROW, c - 1)
        colours = layout()["colours"]
        for test, fill in (("<", colours["unfavourable"]), (">", colours["favourable"])):
            ws.condition_formula((HEADER_ROW + 1, c, last, c),
                                 f"=AND(ISNUMBER({cell}),{cell}{test}0)", fill)


def goals_sheet(ws: Sheet, package: Package) -> None:
    lay = layout()
    fields = columns("goals")
    heading(ws, package, lay["sheets"]["goals"], last=len(fields))
    goals = package.goals
    in_kr = goals["unit"].eq("kr")  # amounts in tkr, as on every other sheet
    frame = goals.assign(
        goal_kind_sv=goals["goal_kind"].map(lay["goal_kinds"]),
        target_value=goals["target_value"].mask(in_kr, goals["target_value"] / 1000),
        outcome_value=goals["outcome_value"].mask(in_kr, goals["outcome_value"] / 1000),
        unit=goals["unit"].mask(in_kr, "tkr"),
        deadline_sv=[None if pd.isna(d) else ("ja" if d else "nej")
                     for d in goals["deadline_met"]],
        # the controller's check before the board reads the goals
        checks=["; ".join(contradictions(g)) or None for g in goals.to_dict("records")])
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
    _goal_inputs(ws, frame, len(fields) + 1, last)
    ws.paragraph(4 if package.published else 3, len(fields) + 1,
                 "Rapportera i de gula kolumnerna det som är nytt för tertialen (status "
                 "och/eller kommentar) och lämna tillbaka arbetsboken.", bold=True)


def _goal_inputs(ws: Sheet, frame: pd.DataFrame, first: int, last: int) -> None:
    """Ny status (a list of the four) and Ny kommentar, open to the unit; the financial goals
    are judged from the books and take no report."""
    inputs = columns("goal_inputs")
    for c, (name, text) in enumerate(inputs, start=first):
        header_cell(ws, HEADER_ROW, c, text, fill=INPUT_HEADER)
        ws.fit(c, INPUT_WIDTHS[name], INPUT_WIDTHS[name])
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
