"""The package's workbook as its readers see it (issue 32, "The workbook"): header rows high
enough for their wrapped headings, columns as wide as their content, every sheet printing
one page wide at a readable scale, every sheet protected but for the yellow input cells,
the issue sheet very hidden, the category's code out of the reader's sight, and a forecast
deviation that follows the forecast a unit types.

Most tests build a small board's package here (two units, a cost and a revenue deviation
with forecasts returned before, staff, a goal, an investment, a quality issue), so they run
in a second; the last ones read the demo year's workbooks (`demo_run`).
"""

from __future__ import annotations

import datetime as dt
import re
import shutil
import zipfile

import duckdb
import pandas as pd
import pytest
from openpyxl import load_workbook
from openpyxl.utils import column_index_from_string, get_column_letter
from xlsxwriter.utility import xl_pixel_width

from pipelines.packages import returns
from pipelines.packages.content import Package, Scope
from pipelines.packages.workbook import write_workbook
from pipelines.packages.workbook_tables import HEADER_ROW

PACKAGE_ID = "2025-04:11:0123456789ab"
INPUT_SHEETS = {"Avvikelser", "Mål"}
INPUT_HEADINGS = {"Kommentar", "Orsak", "Åtgärd", "Prognos helår (tkr)", "Ansvarig",
                  "Ny status", "Ny kommentar"}
NEW_DEVIATION = "Avvikelse enligt ny prognos"
A4_LANDSCAPE_INCHES, A4_PORTRAIT_INCHES = 11.69, 8.27
CATEGORIES = {  # cost_category: (board_sign, board_name, sort_order)
    "revenue": (-1, "Verksamhetens intäkter", 1),
    "personnel": (1, "Personalkostnader", 3),
    "purchases_of_main_activity": (1, "Köp av huvudverksamhet", 4),
    "net": (1, "Nettokostnad", 99)}
UNITS = [  # level_order, org_level, code, name, depth, tree position
    (2, "nämnd", "11", "Socialnämnden", 0, 0),
    (4, "enhet", "110101", "Hemtjänsten Norra distriktet med nattpatrull", 1, 1)]


def _follow_up() -> pd.DataFrame:
    rows = []
    for level_order, level, code, name, depth, position in UNITS:
        scale = 1 if depth else 3
        for category, (sign, board_name, order) in CATEGORIES.items():
            budget = {"revenue": -2_000_000, "personnel": 9_000_000,
                      "purchases_of_main_activity": 1_500_000}.get(category, 8_500_000)
            rows.append({
                "fiscal_year": 2025, "period": 4, "level_order": level_order,
                "org_level": level, "org_unit_code": code, "org_unit_name": name,
                "cost_category": category, "board_sign": sign, "board_name": board_name,
                "sort_order": order, "depth": depth, "tree_position": position,
                "outcome_ytd": scale * budget / 3 * 1.1, "budget_ytd": scale * budget / 3,
                "deviation_ytd": -scale * budget / 30, "outcome_prior_ytd": scale * budget / 3,
                "budget_annual": scale * budget, "forecast_annual": scale * budget * 1.05,
                "forecast_deviation": -scale * budget * 0.05})
    return pd.DataFrame(rows)


def small_package() -> Package:
    """Socialnämnden's April package: an enhet with a long name over budget on personnel
    (a forecast of 9 300 tkr returned before) and under on revenue (1 800 tkr returned)."""
    follow_up = _follow_up()
    enhet = UNITS[1]
    deviations = pd.DataFrame([{
        "fiscal_year": 2025, "period": 4, "org_level": "enhet", "level_order": 4,
        "org_unit_code": enhet[2], "org_unit_name": enhet[3], "cost_category": category,
        "tree_position": 1, "outcome_ytd": outcome, "budget_ytd": budget,
        "deviation_ytd": budget - outcome, "budget_annual": annual,
        "forecast_annual": forecast, "forecast_deviation": annual - forecast,
        "comment": comment, "cause": None, "action": None, "responsible": None,
        "forecast_submitted": forecast}
        for category, outcome, budget, annual, forecast, comment in (
            ("revenue", -500_000.0, -700_000.0, -2_000_400.0, -1_800_000.0,
             "Färre sålda platser till grannkommunerna än beräknat under våren."),
            ("personnel", 3_300_000.0, 3_000_000.0, 9_000_600.0, 9_300_000.0, None))])
    staff = pd.DataFrame([{
        "org_level": level, "org_unit_code": code, "org_unit_name": name,
        "tree_position": position, "headcount": 120 - 100 * depth, "fte": 101.5,
        "personnel_cost_outcome": 3_300_000.0, "personnel_cost_budget": 3_000_000.0,
        "personnel_cost_deviation": -300_000.0, "overtime_hours": 123.0,
        "additional_hours": 45.0, "sick_leave_pct": 6.1, "sick_leave_long_share_pct": 41.0,
        "sick_leave_women_pct": 6.5, "sick_leave_men_pct": 4.0, "sick_leave_age_29_pct": 3.0,
        "sick_leave_age_30_49_pct": 5.5, "sick_leave_age_50_pct": 8.0}
        for _, level, code, name, depth, position in UNITS])
    goals = pd.DataFrame([{
        "goal_id": "N11.1", "goal_kind": "board_goal",
        "goal_name": "Fler invånare i egen försörjning genom samverkan med arbetsmarknaden",
        "responsible_unit_name": "Socialnämnden", "measured_unit_name": None, "unit": "%",
        "target_value": 50.0, "outcome_value": 45.0, "outcome_source": "Kolada",
        "status": "delvis uppnått", "rolled_up_status": "delvis uppnått",
        "comment": "Arbetet pågår; en del återstår till årets slut.", "submitted_on": None,
        "deadline": dt.date(2025, 5, 15), "deadline_met": None}])
    investments = pd.DataFrame([{
        "project_code": "P1101", "project_name": "Ombyggnad av gruppbostad Lärkan",
        "org_unit_code": "110101", "outcome_ytd": 400_000.0, "budget_ytd": 500_000.0,
        "deviation_ytd": 100_000.0, "budget_annual": 1_500_000.0}])
    quality = pd.DataFrame([{
        "severity": "warn", "rule": "periodisering", "description": "Stora poster utan "
        "periodisering", "period": "2025-04", "file": "huvudbok_2025-04.se", "line": 1234,
        "series": "A", "voucher_number": "17", "message_sv": "Periodisera fakturan över "
        "de månader den avser."}])
    summary = follow_up[follow_up["depth"] == 0].reset_index(drop=True)
    return Package(municipality="Exempelkommun", year=2025, month=4,
                   scope=Scope("11", "Socialnämnden"), kind="tertialrapport",
                   title="Tertialrapport 1 2025", meeting=None, follow_up=follow_up,
                   summary=summary, sub_units=pd.DataFrame(), trend=pd.DataFrame(),
                   deviations=deviations, investments=investments, staff=staff,
                   quality=quality, goals=goals)


@pytest.fixture(scope="module")
def issued(tmp_path_factory):
    path = tmp_path_factory.mktemp("arbetsbok") / "uppfoljning_2025-04_11.xlsx"
    return write_workbook(small_package(), path, PACKAGE_ID, dt.date(2025, 5, 2))


@pytest.fixture(scope="module")
def book(issued):
    """The workbook as read: a formula by the value it was written with."""
    return load_workbook(issued, data_only=True)


def headings(ws) -> dict[str, int]:
    return {c.value: c.column for c in ws[HEADER_ROW] if c.value is not None}


def rows(ws) -> list[int]:
    """The table's rows under the header, to the first empty row."""
    out = []
    for r in range(HEADER_ROW + 1, ws.max_row + 1):
        if all(c.value is None for c in ws[r]):
            break
        out.append(r)
    return out


def dimension(ws, column: int):
    """The column's stored dimension: xlsxwriter writes neighbours of the same width and
    style as one <col min max> range, which openpyxl keeps under the range's first letter
    (asked for another letter of the range it makes a new one, 13 wide)."""
    for d in ws.column_dimensions.values():
        if d.min is not None and d.max is not None and d.min <= column <= d.max:
            return d
    return None


def column_pixels(ws, column: int) -> int:
    """Excel's pixels of a column as stored (xlsxwriter adds its padding to the width)."""
    d = dimension(ws, column)
    stored = d.width if d is not None and d.width else 8.43 + 0.71
    return int((256 * stored + int(128 / 7)) / 256 * 7)


def hidden(ws, column: int) -> bool:
    d = dimension(ws, column)
    return bool(d is not None and d.hidden)


def word_pixels(text: str, bold: bool, size: float = 11) -> float:
    """Excel's pixels of Calibri 11 (bold about 5 % wider)."""
    return xl_pixel_width(text) * (1.05 if bold else 1.0) * size / 11


def wrapped_lines(text: str, room: float, bold: bool, size: float = 11) -> int:
    """Lines of `text` wrapped between words in `room` pixels (Excel's measure)."""
    count = 0
    for paragraph in text.split("\n"):
        count += 1
        line = 0.0
        for word in paragraph.split(" "):
            width = word_pixels(word, bold, size)
            if line and line + 3 + width > room:
                count += 1
                line = 0.0
            line = line + 3 + width if line else width
    return count


# --- header rows and columns ---------------------------------------------------------------

def test_header_rows_are_as_high_as_their_wrapped_headings(book):
    """xlsxwriter sets no height and LibreOffice grows no row on opening: a heading that
    wraps spilled its second line, white on white, over the first row of figures."""
    for ws in book.worksheets:
        if ws.sheet_state != "visible" or not rows(ws):
            continue
        height = ws.row_dimensions[HEADER_ROW].height
        assert height, f"{ws.title}: the header row has no height of its own"
        for cell in ws[HEADER_ROW]:
            if cell.value is None or hidden(ws, cell.column):
                continue
            room = column_pixels(ws, cell.column) - 5
            assert max(word_pixels(w, True) for w in cell.value.split()) <= room, (
                f"{ws.title} {cell.coordinate}: a word of '{cell.value}' is cut")
            assert cell.alignment.wrap_text, (ws.title, cell.value)
            lines = wrapped_lines(cell.value, room, bold=True)
            assert height >= 15 * lines, f"{ws.title}: '{cell.value}' needs {lines} lines"


def test_columns_are_as_wide_as_their_longest_value(book):
    """The issue's 'Personalkostna…': every figure, name and category is shown whole, on
    one line where the column's bounds allow it, else wrapped between words in a row as
    high as its lines; no column is much wider than what it holds."""
    for ws in book.worksheets:
        if ws.sheet_state != "visible" or not rows(ws):
            continue
        inputs = {c for h, c in headings(ws).items() if h in INPUT_HEADINGS}
        for column in range(1, ws.max_column + 1):
            if hidden(ws, column) or column in inputs:
                continue
            pixels = column_pixels(ws, column)
            widest = 0.0
            for r in rows(ws):
                cell = ws.cell(row=r, column=column)
                if cell.value is None or cell.number_format == ";;;":
                    continue
                if isinstance(cell.value, int | float):
                    text = f"{cell.value:,.1f}" if "0.0" in cell.number_format \
                        else f"{cell.value:,.0f}"
                elif isinstance(cell.value, dt.date):
                    text = "2025-05-15"
                else:
                    text = str(cell.value)
                bold = bool(cell.font.b)
                one_line = word_pixels(text, bold)
                widest = max(widest, one_line)
                if one_line + 5 > pixels:
                    assert cell.alignment.wrap_text and not isinstance(cell.value, int | float), (
                        f"{ws.title} {cell.coordinate}: '{text}' is cut")
                    longest = max(word_pixels(w, bold) for w in text.split())
                    assert longest + 5 <= pixels, f"{ws.title} {cell.coordinate}: {text}"
                    lines = wrapped_lines(text, pixels - 7, bold)
                    assert (ws.row_dimensions[r].height or 15) >= 15 * lines, (
                        f"{ws.title} {cell.coordinate}: '{text}' needs {lines} lines")
            header = ws.cell(row=HEADER_ROW, column=column).value or ""
            heading_word = max((word_pixels(w, True) for w in header.split()), default=0)
            # never much wider than its content (its widest value or its heading's longest
            # word) with its padding, nor than the least width of a text column
            assert pixels <= max(max(widest, heading_word) * 1.15 + 40, 16 * 7 + 5), (
                f"{ws.title} {get_column_letter(column)} ({header}) is {pixels} px wide "
                f"for {widest:.0f} px of content")


def test_category_names_and_unit_names_are_whole(book):
    ws = book["Utfall mot budget"]
    at = headings(ws)
    for heading in ("Kostnadsslag", "Benämning"):
        column = at[heading]
        for r in rows(ws):
            cell = ws.cell(row=r, column=column)
            assert word_pixels(cell.value, bool(cell.font.b)) + 5 <= column_pixels(ws, column) \
                or cell.alignment.wrap_text, cell.value
    # with room enough, a category reads on one line
    ws = book["Sammanfattning"]
    [column] = [c.column for c in ws[HEADER_ROW] if c.value == "Kostnadsslag"]
    for r in rows(ws):
        assert not ws.cell(row=r, column=column).alignment.wrap_text


# --- printing ------------------------------------------------------------------------------

def print_scale(ws) -> float:
    """The scale one page wide: the printable width of A4 (landscape or portrait, less the
    side margins) over the print area's visible columns."""
    area = ws.print_area
    assert area, f"{ws.title} has no print area"
    last = re.search(r":\$([A-Z]+)\$\d+$", area if isinstance(area, str) else area[0])
    columns = range(1, column_index_from_string(last.group(1)) + 1)
    pixels = sum(column_pixels(ws, c) for c in columns if not hidden(ws, c))
    paper = A4_LANDSCAPE_INCHES if ws.page_setup.orientation == "landscape" \
        else A4_PORTRAIT_INCHES
    printable = (paper - ws.page_margins.left - ws.page_margins.right) * 96
    return printable / pixels


def assert_prints_readably(ws, least: float = 0.6) -> None:
    setup = ws.page_setup
    assert ws.sheet_properties.pageSetUpPr.fitToPage, ws.title
    assert (setup.fitToWidth or 1) == 1 and setup.fitToHeight == 0, ws.title
    assert setup.paperSize in (9, "9"), ws.title
    assert ws.print_title_rows == f"${HEADER_ROW}:${HEADER_ROW}", ws.title
    scale = print_scale(ws)
    assert scale >= least, f"{ws.title} prints one page wide at {scale:.0%}"
    if setup.orientation != "landscape":  # portrait only where it needs no shrinking
        assert scale >= 0.85, ws.title


def test_every_sheet_prints_one_page_wide_at_a_readable_scale(book):
    for ws in book.worksheets:
        if ws.sheet_state == "visible":
            assert_prints_readably(ws)


def test_the_notes_wrap_within_the_printed_columns(book):
    """A long note in row 3 once ran to the right of the table and the sheet printed to
    its end, far too small: each note is spread over the table's columns and wrapped."""
    for ws in book.worksheets:
        if ws.sheet_state != "visible":
            continue
        merged = {str(m).split(":")[0]: m for m in ws.merged_cells.ranges}
        note = merged.get("A3")
        last = re.search(r":\$([A-Z]+)\$", ws.print_area).group(1)
        if ws.max_column > 1:
            assert note is not None and get_column_letter(note.max_col) <= last, ws.title
        assert ws["A3"].alignment.wrap_text, ws.title
        lines = wrapped_lines(ws["A3"].value, sum(
            column_pixels(ws, c) for c in range(1, (note.max_col if note else 1) + 1)
            if not hidden(ws, c)) - 7, bold=False, size=9)
        assert (ws.row_dimensions[3].height or 15) >= 9 / 11 * 15 * lines, ws.title


# --- protection ----------------------------------------------------------------------------

def test_every_sheet_is_protected_and_only_the_yellow_cells_open(book):
    for ws in book.worksheets:
        assert ws.protection.sheet, f"{ws.title} is not protected"
        if ws.sheet_state != "visible":
            continue
        # a reader may still filter and sort the list and widen a column
        assert ws.protection.autoFilter is False and ws.protection.sort is False, ws.title
        assert ws.protection.formatColumns is False, ws.title
        at = headings(ws)
        inputs = {c for h, c in at.items() if h in INPUT_HEADINGS}
        assert bool(inputs) == (ws.title in INPUT_SHEETS), ws.title
        for row in ws.iter_rows():
            for cell in row:
                if cell.protection.locked is False:
                    assert cell.column in inputs and cell.row > HEADER_ROW, (
                        f"{ws.title} {cell.coordinate} is open")


def test_the_issue_sheet_is_very_hidden_and_protected(book):
    ws = book["Utskick"]
    assert ws.sheet_state == "veryHidden"  # Excel's Unhide does not list it
    assert ws.protection.sheet and ws.protection.formatColumns is not False
    assert [[c.value for c in r] for r in ws.iter_rows()][:3] == [
        ["Period", "2025-04"], ["Nämnd", "11"], ["Paket", PACKAGE_ID]]


def test_the_category_code_is_hidden_from_the_unit_but_read_by_the_return(book):
    """The unit reads Swedish names; the code the return reads stays in a hidden column
    with a Swedish heading, whose cells show nothing even if the column is shown."""
    ws = book["Avvikelser"]
    at = headings(ws)
    code = at["Kostnadsslag (kod)"]
    assert hidden(ws, code)
    cells = [ws.cell(row=r, column=code) for r in rows(ws)]
    assert {c.value for c in cells} <= {"revenue", "personnel", "purchases_of_main_activity",
                                        "net"}
    assert all(c.number_format == ";;;" and c.protection.hidden and c.protection.locked
               for c in cells)
    names = {ws.cell(row=r, column=at["Kostnadsslag"]).value for r in rows(ws)}
    assert names == {"Verksamhetens intäkter", "Personalkostnader"}


# --- the forecast deviation that follows the typed forecast ---------------------------------

FORMULA = re.compile(r'^=IF\(ISNUMBER\(([A-Z]+\d+)\),([A-Z]+\d+)-([A-Z]+\d+),""\)$')


def evaluate(ws, formula: str, typed=None):
    """What Excel computes for the forecast deviation's formula, with `typed` (None: what
    the cell holds) in the forecast cell."""
    match = FORMULA.match(formula)
    assert match, formula
    forecast_cell, left, right = match.groups()
    values = {ref: ws[ref].value for ref in (forecast_cell, left, right)}
    if typed is not None:
        values[forecast_cell] = typed
    if not isinstance(values[forecast_cell], int | float):
        return ""
    return (values[left] or 0) - (values[right] or 0)


def test_the_forecast_deviation_follows_a_typed_forecast(issued):
    """Beside Prognos helår (tkr): årsbudget − prognos for a cost and prognos − årsbudget
    for a revenue (both as the board reads them), i.e. budget − forecast in ledger sign, +
    better than budget; its value as written is what Excel computes, so a reader that does
    not recalculate sees it too."""
    formulas, cached = load_workbook(issued)["Avvikelser"], load_workbook(
        issued, data_only=True)["Avvikelser"]
    at = headings(formulas)
    assert at[NEW_DEVIATION] == at["Prognos helår (tkr)"] + 1
    assert not hidden(formulas, at[NEW_DEVIATION])
    by_category = {formulas.cell(row=r, column=at["Kostnadsslag (kod)"]).value: r
                   for r in rows(formulas)}
    package = small_package()
    ledger = package.deviations.set_index("cost_category")
    for category, sign in (("personnel", 1), ("revenue", -1)):
        r = by_category[category]
        cell = formulas.cell(row=r, column=at[NEW_DEVIATION])
        forecast = f"{get_column_letter(at['Prognos helår (tkr)'])}{r}"
        budget = f"{get_column_letter(at['Årsbudget'])}{r}"
        assert cell.value == (f'=IF(ISNUMBER({forecast}),{budget}-{forecast},"")' if sign > 0
                              else f'=IF(ISNUMBER({forecast}),{forecast}-{budget},"")')
        assert cell.protection.locked is not False
        # the forecast returned before is typed in, as the board reads it: the årsbudget
        # shown (whole tkr) less it, read the board's way, is the ledger's budget − forecast
        row = ledger.loc[category]
        typed = formulas[forecast].value
        assert typed == pytest.approx(row["forecast_submitted"] * sign / 1000)
        expected = (formulas[budget].value - typed) * sign
        assert expected == pytest.approx(
            (row["budget_annual"] - row["forecast_submitted"]) / 1000, abs=0.5)
        assert evaluate(formulas, cell.value) == pytest.approx(expected)
        assert cached.cell(row=r, column=at[NEW_DEVIATION]).value == pytest.approx(expected)
        assert cell.number_format == formulas.cell(row=r, column=at["Prognosavvikelse"]
                                                   ).number_format
        # typing a higher forecast: worse for a cost, better for a revenue
        budget_shown = formulas[budget].value
        assert evaluate(formulas, cell.value, typed=budget_shown + 100) == -100 * sign
        assert evaluate(formulas, cell.value, typed=budget_shown) == 0
    # the personnel forecast 9 300 tkr against 9 001: 299 worse; the revenue 1 800 against
    # 2 000: 200 worse
    assert cached.cell(row=by_category["personnel"], column=at[NEW_DEVIATION]).value == -299
    assert cached.cell(row=by_category["revenue"], column=at[NEW_DEVIATION]).value == -200


def test_the_forecast_deviation_is_empty_until_a_forecast_is_typed(tmp_path):
    package = small_package()
    package.deviations["forecast_submitted"] = float("nan")
    path = write_workbook(package, tmp_path / "tom.xlsx", PACKAGE_ID, dt.date(2025, 5, 2))
    ws = load_workbook(path)["Avvikelser"]
    at = headings(ws)
    for r in rows(ws):
        formula = ws.cell(row=r, column=at[NEW_DEVIATION]).value
        assert evaluate(ws, formula) == ""
    with zipfile.ZipFile(path) as z:  # as written: no 0 shown before a forecast is typed
        xml = z.read("xl/worksheets/sheet3.xml").decode()
    written = re.findall(r"<f>[^<]*ISNUMBER[^<]*</f><v>([^<]*)</v>", xml)
    assert written and set(written) == {""}


def test_the_return_reader_ignores_the_computed_column(issued, tmp_path):
    """A unit's workbook with a new forecast typed: the return takes the forecast and
    comment, never the formula beside it."""
    returned = tmp_path / "svar.xlsx"
    shutil.copy(issued, returned)
    book = load_workbook(returned)
    ws = book["Avvikelser"]
    at = headings(ws)
    r = next(r for r in rows(ws)
             if ws.cell(row=r, column=at["Kostnadsslag (kod)"]).value == "personnel")
    ws.cell(row=r, column=at["Prognos helår (tkr)"]).value = 9500
    ws.cell(row=r, column=at["Kommentar"]).value = "Vikarier under sommaren"
    book.save(returned)
    with duckdb.connect() as con:
        con.execute("create schema reports; create schema raw")
        con.execute("create table reports.issued_packages as select ? as package_id, "
                    "'2025-04' as period, '11' as board", [PACKAGE_ID])
        con.execute("create table raw.org_units as select unnest(['11', '110101']) as code")
        con.execute("create table raw.goals as select 'N11.1' as goal_id, 'board_goal' as "
                    "goal_kind, '11' as board_code, 2025 as fiscal_year")
        read = returns.read_return(returned, con)
    assert read.errors == []
    # the new forecast, and the revenue forecast returned before (it is in the sheet as
    # issued), in ledger sign
    assert sorted((f["org_unit_code"], f["cost_category"], float(f["forecast_annual"]))
                  for f in read.forecasts) == [("110101", "personnel", 9_500_000.0),
                                               ("110101", "revenue", -1_800_000.0)]
    assert {c["cost_category"]: c["comment"] for c in read.comments}["personnel"] == \
        "Vikarier under sommaren"
    assert all(len(row.raw.split(";")) == 2 + 5 for row in read.rows)  # the inputs only


# --- the demo year's workbooks -------------------------------------------------------------

@pytest.mark.slow
def test_the_demo_workbooks_print_readably_and_are_protected(demo_run):
    """Every sheet of a board's and the kommun's workbooks, with the kommun's Bevakning,
    Saknas eller sent and, at year end, Balanskrav: protected, header rows high enough,
    one page wide at 60 % or more; the kommun's Avvikelser at 70 % or more."""
    folder = demo_run.reports / "paket"
    paths = [p for period in ("2025-08", "2025-12") for p in sorted(
        (folder / period).rglob("*.xlsx")) if "kommunen" in p.name or "_12_" in p.name]
    seen = set()
    for path in paths:
        book = load_workbook(path)
        assert book["Utskick"].sheet_state == "veryHidden"
        for ws in book.worksheets:
            assert ws.protection.sheet, (path.name, ws.title)
            if ws.sheet_state != "visible":
                continue
            seen.add(ws.title)
            assert_prints_readably(ws, 0.7 if ws.title == "Avvikelser" else 0.6)
            if rows(ws) and not ws.row_dimensions[HEADER_ROW].height:
                # Excel's own height (one line: xlsxwriter writes no height of 15 points)
                # only where every heading is one line
                assert all(wrapped_lines(c.value, column_pixels(ws, c.column) - 5,
                                         bold=True) == 1
                           for c in ws[HEADER_ROW] if isinstance(c.value, str)), (
                    path.name, ws.title)
    assert {"Bevakning", "Saknas eller sent", "Balanskrav", "Mål", "Avvikelser"} <= seen
