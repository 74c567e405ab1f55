"""The package's Excel workbook (openpyxl): one function per sheet, headings from
reports/layout.yaml.

Amounts are in whole tkr as a board reads them (costs and nettokostnad +, intäkter +, the
kommun's result + for a surplus; seeds/cost_categories.csv), rounded as shown. Headers and
the unit's name stay in view (frozen panes), every list has a filter, `Utfall mot budget` is
grouped by level (Data > Disposition), deviations are coloured, and on `Avvikelser` only the
input columns are open for editing, with validations that refuse what the return reader
would refuse. A hidden sheet `Utskick` says what the package was issued for;
the return reader checks it. Every text is written as text: a comment that starts with `=`
stays a comment, never a formula.
"""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path

import pandas as pd
from openpyxl import Workbook
from openpyxl.formatting.rule import CellIsRule
from openpyxl.styles import Alignment, Font, PatternFill, Protection
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from pipelines.ingest.goals import REPORTED_STATUSES
from pipelines.packages.content import Package
from pipelines.packages.figures import missing
from pipelines.packages.layout import columns, layout, summary_text

HEADER_ROW = 5  # rows 1-3: title, period, note
AMOUNT_FIELDS = {"outcome_ytd", "budget_ytd", "deviation_ytd", "outcome_prior_ytd",
                 "budget_annual", "forecast_annual", "forecast_deviation",
                 "personnel_cost_outcome", "personnel_cost_budget", "personnel_cost_deviation"}
DEVIATION_FIELDS = {"deviation_ytd", "forecast_deviation", "personnel_cost_deviation"}
PCT_FIELDS = {"sick_leave_pct", "sick_leave_long_share_pct", "sick_leave_women_pct",
              "sick_leave_men_pct", "sick_leave_age_29_pct", "sick_leave_age_30_49_pct",
              "sick_leave_age_50_pct"}
SEVERITY_SV = {"error": "fel", "warn": "varning"}


def _fill(colour: str) -> PatternFill:
    return PatternFill("solid", start_color=colour, end_color=colour)


def put(ws: Worksheet, row: int, column: int, value, number_format: str | None = None):
    """Write a value; text always as text (never a formula), NaN as an empty cell."""
    cell = ws.cell(row=row, column=column)
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA:
        return cell
    if isinstance(value, str):
        cell.value = value
        cell.data_type = "s"  # openpyxl would take "=..." for a formula
    else:
        cell.value = value.item() if hasattr(value, "item") else value
        if number_format:
            cell.number_format = number_format
    return cell


def _heading(ws: Worksheet, package: Package, title: str) -> None:
    lay = layout()
    put(ws, 1, 1, f"{package.municipality} - {package.scope.name}").font = Font(bold=True,
                                                                                 size=14)
    put(ws, 2, 1, f"{title}, {package.title}").font = Font(bold=True, size=11)
    put(ws, 3, 1, lay["amount_note"]).font = Font(italic=True, size=9)
    if not package.published:
        cell = put(ws, 4, 1, "UTKAST - EJ PUBLICERAD: " + "; ".join(package.blockers))
        cell.font = Font(bold=True, color="C00000")


NAME_FIELDS = ("org_unit_name", "project_name", "goal_name", "description")
WIDE_FIELDS = {"org_unit_name": 30, "description": 36, "message_sv": 40, "project_name": 30,
               "comment": 40, "cause": 30, "action": 30, "goal_name": 40}


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


def _table(ws: Worksheet, frame: pd.DataFrame, fields: list[tuple[str, str]],
           start_row: int = HEADER_ROW, suppressed: set[str] = frozenset()) -> int:
    """Header and rows, a filter on the header, the header and the unit's name frozen;
    returns the last row written."""
    lay = layout()
    for c, (_, heading) in enumerate(fields, start=1):
        cell = put(ws, start_row, c, heading)
        cell.font = Font(bold=True, color=lay["colours"]["header_text"])
        cell.fill = _fill(lay["colours"]["header"])
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    r = start_row
    for r, record in enumerate(frame.to_dict("records"), start=start_row + 1):
        for c, (name, _) in enumerate(fields, start=1):
            value = record.get(name)
            if name in suppressed and isinstance(record.get(f"{name}_suppression"), str):
                put(ws, r, c, lay["suppressed_mark"]).alignment = Alignment(horizontal="right")
            elif name in AMOUNT_FIELDS and value is not None and value == value:
                put(ws, r, c, round(float(value) / 1000), lay["number_format_tkr"])
            elif name in PCT_FIELDS or name == "fte":
                put(ws, r, c, value, lay["number_format_pct"])
            elif name in ("overtime_hours", "additional_hours") and not missing(value):
                put(ws, r, c, round(float(value)), "#,##0")
            elif name in ("org_level", "level") and isinstance(value, str):
                put(ws, r, c, value.capitalize())
            else:
                put(ws, r, c, value)
    names = [c for c, (name, _) in enumerate(fields, start=1) if name in NAME_FIELDS]
    ws.freeze_panes = ws.cell(row=start_row + 1, column=(names[0] + 1) if names else 2)
    if r > start_row:
        ws.auto_filter.ref = f"A{start_row}:{get_column_letter(len(fields))}{r}"
    for c, (name, _) in enumerate(fields, start=1):
        letter = get_column_letter(c)
        ws.column_dimensions[letter].width = WIDE_FIELDS.get(name, 11)
        if name in DEVIATION_FIELDS and r > start_row:
            area = f"{letter}{start_row + 1}:{letter}{r}"
            colours = lay["colours"]
            ws.conditional_formatting.add(area, CellIsRule(
                operator="lessThan", formula=["0"], fill=_fill(colours["unfavourable"])))
            ws.conditional_formatting.add(area, CellIsRule(
                operator="greaterThan", formula=["0"], fill=_fill(colours["favourable"])))
    return r


def summary_sheet(ws: Worksheet, package: Package) -> None:
    _heading(ws, package, layout()["sheets"]["summary"])
    fields = [f for f in columns("follow_up") if f[0] not in ("level", "org_unit_code",
                                                               "org_unit_name")]
    last = _table(ws, board_reading(package, package.summary), fields)
    net = {package.reading(0, "net")[0]}
    for r in range(HEADER_ROW + 1, last + 1):
        if ws.cell(row=r, column=1).value in net:
            for c in range(1, len(fields) + 1):
                ws.cell(row=r, column=c).font = Font(bold=True)
    row = last + 2
    for line in summary_text(package).splitlines():
        put(ws, row, 1, line).alignment = Alignment(wrap_text=False)
        row += 1
    ws.column_dimensions["A"].width = 34


def follow_up_sheet(ws: Worksheet, package: Package) -> None:
    _heading(ws, package, layout()["sheets"]["follow_up"])
    fields = columns("follow_up")
    frame = package.follow_up.assign(level=package.follow_up["org_level"])
    # each unit's net first (the group's summary row), its categories below it
    frame = board_reading(package, frame.assign(is_net=frame["cost_category"] != "net")
                          .sort_values(["tree_position", "is_net", "sort_order"]))
    last = _table(ws, frame, fields)
    fills = layout()["colours"]["level_fill"]
    for r, record in enumerate(frame.to_dict("records"), start=HEADER_ROW + 1):
        net = record["cost_category"] == "net"
        ws.row_dimensions[r].outline_level = min(7, int(record["depth"]) + (0 if net else 1))
        if net:
            for c in range(1, len(fields) + 1):
                cell = ws.cell(row=r, column=c)
                cell.font = Font(bold=True)
                cell.fill = _fill(fills[min(int(record["depth"]), len(fills) - 1)])
    ws.sheet_properties.outlinePr.summaryBelow = False
    ws.auto_filter.ref = f"A{HEADER_ROW}:{get_column_letter(len(fields))}{last}"


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


def deviations_sheet(ws: Worksheet, package: Package) -> None:
    lay = layout()
    _heading(ws, package, lay["sheets"]["deviations"])
    fields = columns("deviations")
    inputs = columns("deviation_inputs")
    frame = board_reading(package, with_forecast_rows(package))
    if not frame.empty:  # a forecast given earlier, in the sign the unit typed it
        frame["forecast_input"] = (frame["forecast_submitted"].astype(float)
                                   * frame["board_sign"] / 1000).round(3)
    last = _table(ws, frame, fields + inputs)
    for r, basis in enumerate(frame.get("forecast_basis", []), start=HEADER_ROW + 1):
        if basis:  # not a deviation: there for the forecast per category
            for c in range(1, len(fields) + 1):
                ws.cell(row=r, column=c).font = Font(italic=True, color="595959")
    if bool(frame.get("forecast_basis", pd.Series(dtype=bool)).any()):
        put(ws, last + 2, 1, "Rader i grå kursiv är inga avvikelser: de står under en enhet "
                             "vars avvikelse gäller nettot, för att prognosen lämnas per "
                             "kostnadsslag.").font = Font(italic=True, size=9)
    code_column = [n for n, _ in fields].index("cost_category") + 1
    ws.column_dimensions[get_column_letter(code_column)].hidden = True  # read by the return
    first_input = len(fields) + 1
    # narrow enough to print one page wide at 70 % or more (the texts wrap)
    widths = {"org_level": 9, "org_unit_code": 8, "org_unit_name": 24,
              "cost_category_name": 20, "comment": 24, "cause": 16, "action": 16,
              "forecast_input": 10, "responsible": 12}
    for c, (name, _) in enumerate(fields, start=1):
        ws.column_dimensions[get_column_letter(c)].width = widths.get(name, 9)
        ws.cell(row=HEADER_ROW, column=c).alignment = Alignment(wrap_text=True,
                                                                vertical="top")
    for c, (name, _) in enumerate(inputs, start=first_input):
        ws.cell(row=HEADER_ROW, column=c).fill = _fill("7F6000")
        ws.column_dimensions[get_column_letter(c)].width = widths.get(name, 16)
        for r in range(HEADER_ROW + 1, max(last, HEADER_ROW + 1) + 1):
            cell = ws.cell(row=r, column=c)
            cell.protection = Protection(locked=False)
            cell.fill = _fill(lay["colours"]["input"])
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    forecast_col = first_input + [n for n, _ in inputs].index("forecast_input")
    letter = get_column_letter(forecast_col)
    for r, category in enumerate(frame.get("cost_category", []), start=HEADER_ROW + 1):
        cell = ws.cell(row=r, column=forecast_col)
        cell.number_format = "#,##0"
        if category == "net":  # forecasts are given per cost category; net is their sum
            cell.protection = Protection(locked=True)
            cell.fill = _fill("D9D9D9")
    if last > HEADER_ROW:
        check = DataValidation(type="decimal", operator="between", formula1="-100000000",
                               formula2="100000000", allow_blank=True,
                               showErrorMessage=True, errorStyle="stop",
                               error="Skriv prognosen för helåret i tkr, som ett tal, "
                                     "t.ex. 1250 eller -300.",
                               errorTitle="Prognos helår (tkr)", showInputMessage=True,
                               promptTitle="Prognos helår (tkr)",
                               prompt="Helårsprognos för kostnadsslaget i hela tkr, "
                                      "intäkter och kostnader positiva.")
        check.add(f"{letter}{HEADER_ROW + 1}:{letter}{last}")
        ws.add_data_validation(check)
    ws.protection.sheet = True
    ws.protection.formatColumns = False
    ws.protection.formatRows = False
    ws.protection.autoFilter = False
    ws.protection.sort = False
    put(ws, 4 if package.published else 3, len(fields) + 1,
        "Fyll i de gula kolumnerna och lämna tillbaka arbetsboken.").font = Font(bold=True)


def investments_sheet(ws: Worksheet, package: Package) -> None:
    _heading(ws, package, layout()["sheets"]["investments"])
    if package.investments.empty:
        put(ws, HEADER_ROW, 1, "Inga investeringsprojekt för perioden.")
        return
    _table(ws, package.investments, columns("investments"))


def staff_sheet(ws: Worksheet, package: Package) -> None:
    lay = layout()
    _heading(ws, package, lay["sheets"]["staff"])
    frame = package.staff
    if frame.empty:
        put(ws, HEADER_ROW, 1, "Ingen personalstatistik för perioden.")
        return
    last = _table(ws, frame, columns("staff"), suppressed=PCT_FIELDS)
    put(ws, last + 2, 1, lay["suppressed_note"]).font = Font(italic=True, size=9)
    put(ws, last + 3, 1, "Antal anställda, årsarbetare och sjukfrånvaro januari till och med "
                         "periodens månad; årsarbetare som genomsnitt av månaderna.").font = \
        Font(italic=True, size=9)


def quality_sheet(ws: Worksheet, package: Package) -> None:
    _heading(ws, package, layout()["sheets"]["quality"])
    frame = package.quality
    if frame.empty:
        put(ws, HEADER_ROW, 1, "Inga öppna kvalitetsfel för perioden.")
        return
    frame = frame.assign(
        severity=frame["severity"].map(SEVERITY_SV),
        voucher=[f"{s} {n}" if isinstance(s, str) and isinstance(n, str) else None
                 for s, n in zip(frame.get("series"), frame.get("voucher_number"),
                                 strict=True)])
    _table(ws, frame, columns("quality"))


def goals_sheet(ws: Worksheet, package: Package) -> None:
    lay = layout()
    _heading(ws, package, lay["sheets"]["goals"])
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
    last = _table(ws, frame, fields)
    colours = {"uppnått": lay["colours"]["favourable"],
               "ej uppnått": lay["colours"]["unfavourable"], "delvis uppnått": "FFEB9C"}
    for r, record in enumerate(frame.to_dict("records"), start=HEADER_ROW + 1):
        for name in ("submitted_on", "deadline"):
            ws.cell(row=r, column=at[name]).number_format = "yyyy-mm-dd"
        if record.get("unit") == "tkr":
            for name in ("target_value", "outcome_value"):
                ws.cell(row=r, column=at[name]).number_format = lay["number_format_tkr"]
        for name in ("status", "rolled_up_status"):
            if record.get(name) in colours:
                ws.cell(row=r, column=at[name]).fill = _fill(colours[record[name]])
        if record.get("goal_kind") in ("strategic_area", "board_goal"):
            for c in at.values():
                ws.cell(row=r, column=c).font = Font(bold=True)
    for name in ("goal_name", "comment"):
        ws.column_dimensions[get_column_letter(at[name])].width = 50
    _goal_inputs(ws, frame, len(fields) + 1, last)
    put(ws, 4 if package.published else 3, len(fields) + 1,
        "Rapportera i de gula kolumnerna det som är nytt för tertialen (status och/eller "
        "kommentar) och lämna tillbaka arbetsboken.").font = Font(bold=True)


def _goal_inputs(ws: Worksheet, frame: pd.DataFrame, first: int, last: int) -> None:
    """Ny status (a list of the four) and Ny kommentar, open to the unit; the financial goals
    are judged from the books and take no report."""
    lay = layout()
    inputs = columns("goal_inputs")
    for c, (_, heading) in enumerate(inputs, start=first):
        cell = put(ws, HEADER_ROW, c, heading)
        cell.font = Font(bold=True, color=lay["colours"]["header_text"])
        cell.fill = _fill("7F6000")
        ws.column_dimensions[get_column_letter(c)].width = 18 if c == first else 50
    kinds = list(frame.get("goal_kind", []))
    for r in range(HEADER_ROW + 1, last + 1):
        reportable = kinds[r - HEADER_ROW - 1] != "financial_goal"
        for c in range(first, first + len(inputs)):
            cell = ws.cell(row=r, column=c)
            cell.protection = Protection(locked=not reportable)
            cell.fill = _fill(lay["colours"]["input"] if reportable else "D9D9D9")
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    if last > HEADER_ROW:
        letter = get_column_letter(first)
        check = DataValidation(type="list", allow_blank=True,
                               formula1='"' + ",".join(REPORTED_STATUSES) + '"',
                               showErrorMessage=True, errorStyle="stop",
                               error="Välj uppnått, delvis uppnått, ej uppnått eller "
                                     "ej påbörjad.", errorTitle="Ny status",
                               showInputMessage=True, promptTitle="Ny status",
                               prompt="Välj målets status för tertialen i listan.")
        check.add(f"{letter}{HEADER_ROW + 1}:{letter}{last}")
        ws.add_data_validation(check)
    ws.protection.sheet = True
    ws.protection.formatColumns = False
    ws.protection.formatRows = False
    ws.protection.autoFilter = False
    ws.protection.sort = False


def deadlines_sheet(ws: Worksheet, package: Package) -> None:
    """Bevakning (the kommun total): per kind of comment or report, who has answered by the
    tidplan's deadlines."""
    _heading(ws, package, layout()["sheets"]["deadlines"])
    frame = package.deadlines
    last = _table(ws, frame, [(c, c) for c in frame.columns])
    for r in range(HEADER_ROW + 1, last + 1):
        ws.cell(row=r, column=2).number_format = "yyyy-mm-dd"
        if (ws.cell(row=r, column=6).value or 0) > 0:
            ws.cell(row=r, column=6).fill = _fill(layout()["colours"]["unfavourable"])
    ws.column_dimensions["A"].width = 26
    ws.column_dimensions["G"].width = 90


def deadline_details_sheet(ws: Worksheet, package: Package) -> None:
    """Every unit and goal that is missing or came after its deadline, with whoever answers
    for it: the list Ekonomi follows up from (filterable)."""
    _heading(ws, package, layout()["sheets"]["deadline_details"])
    frame = package.deadline_details
    if frame.empty:
        put(ws, HEADER_ROW, 1, "Allt som tidplanen begär för perioden har kommit in i tid.")
        return
    last = _table(ws, frame, [(c, c) for c in frame.columns])
    for r in range(HEADER_ROW + 1, last + 1):
        for c in (2, 6):  # Senast, Inlämnad
            ws.cell(row=r, column=c).number_format = "yyyy-mm-dd"
        if ws.cell(row=r, column=6).value is None:  # not in at all
            ws.cell(row=r, column=7).fill = _fill(layout()["colours"]["unfavourable"])
    ws.auto_filter.ref = f"A{HEADER_ROW}:G{last}"
    for letter, width in zip("ABCDEFG", (24, 12, 12, 50, 36, 12, 60), strict=True):
        ws.column_dimensions[letter].width = width


def balance_requirement_sheet(ws: Worksheet, package: Package) -> None:
    """Balanskravsutredning (the kommun's årsredovisning), this year and the years before."""
    lay = layout()
    _heading(ws, package, "Balanskravsutredning")
    frame = package.balance_requirement
    years = [c for c in frame.columns if c != "line_name"]
    put(ws, HEADER_ROW, 1, "Mnkr").font = Font(bold=True)
    for c, year in enumerate(years, start=2):
        cell = put(ws, HEADER_ROW, c, str(year))
        cell.font = Font(bold=True, color=lay["colours"]["header_text"])
        cell.fill = _fill(lay["colours"]["header"])
    ws.cell(row=HEADER_ROW, column=1).fill = _fill(lay["colours"]["header"])
    ws.cell(row=HEADER_ROW, column=1).font = Font(bold=True, color=lay["colours"]["header_text"])
    for r, record in enumerate(frame.to_dict("records"), start=HEADER_ROW + 1):
        put(ws, r, 1, record["line_name"])
        for c, year in enumerate(years, start=2):
            value = record[year]
            if value is not None and value == value:
                put(ws, r, c, float(value) / 1e6, "#,##0.0;[Red]-#,##0.0")
        if record["line_name"].startswith(("Årets resultat efter", "Årets balanskrav")):
            for c in range(1, len(years) + 2):
                ws.cell(row=r, column=c).font = Font(bold=True)
    ws.column_dimensions["A"].width = 60
    note = HEADER_ROW + len(frame) + 2
    decisions = package.balance_requirement_decisions
    put(ws, note, 1, "Kommunfullmäktiges beslut: " + "; ".join(decisions) if decisions else
        "Inga beslut om undantag eller om resultatutjämningsreserven för året.").font = \
        Font(italic=True, size=9)
    ws.freeze_panes = ws.cell(row=HEADER_ROW + 1, column=2)


def issue_sheet(ws: Worksheet, package: Package, package_id: str) -> None:
    """What the package was issued for; hidden, read back from a returned workbook."""
    for r, (key, value) in enumerate((
            ("Period", package.period_key), ("Nämnd", package.scope.code or "kommunen"),
            ("Paket", package_id), ("Framställd", dt.datetime.now().isoformat(
                timespec="seconds"))), start=1):
        put(ws, r, 1, key)
        put(ws, r, 2, value)
    ws.sheet_state = "hidden"


def write_workbook(package: Package, path: Path, package_id: str) -> Path:
    sheets = layout()["sheets"]
    book = Workbook()
    writers = [("summary", summary_sheet), ("follow_up", follow_up_sheet),
               ("deviations", deviations_sheet), ("investments", investments_sheet),
               ("staff", staff_sheet)]
    if not package.goals.empty:  # tertial, delår and årsredovisning
        writers.append(("goals", goals_sheet))
    if not package.deadlines.empty:  # the kommun total
        writers += [("deadlines", deadlines_sheet), ("deadline_details", deadline_details_sheet)]
    if not package.balance_requirement.empty:  # the kommun's årsredovisning
        writers.append(("balance_requirement", balance_requirement_sheet))
    writers.append(("quality", quality_sheet))
    for i, (key, writer) in enumerate(writers):
        ws = book.active if i == 0 else book.create_sheet()
        ws.title = sheets[key]
        writer(ws, package)
        # printed as a board secretary would: landscape A4, one page wide, headings repeated
        ws.page_setup.orientation = "landscape"
        ws.page_setup.paperSize = ws.PAPERSIZE_A4
        ws.sheet_properties.pageSetUpPr.fitToPage = True
        ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
        ws.page_margins.left = ws.page_margins.right = 0.3  # inches: room for the columns
        ws.print_title_rows = f"{HEADER_ROW}:{HEADER_ROW}"
        ws.oddFooter.center.text = f"{package.scope.name} - {package.title} - sida &P av &N"
    issue_sheet(book.create_sheet(sheets["issue"]), package, package_id)
    book.properties.title = f"{package.title} - {package.scope.name}"
    book.properties.creator = "Uppföljning"
    path.parent.mkdir(parents=True, exist_ok=True)
    book.save(path)
    return path
