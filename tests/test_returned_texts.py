"""A text a unit sends back (Kommentar, Orsak, Åtgärd, Ansvarig, Ny kommentar) holds at most
input_sheets.MAX_TEXT_CHARS characters: the sheet's validation says so, and the return
refuses a longer one (pasted past the validation, or from another program) with one line
naming the sheet, the cell and the limit. A text the warehouse holds that is longer than an
Excel cell is never issued again silently cut, and a cut one sent back never replaces it.

The package here is a small one built in the test: one board, two deviation rows, one goal.
"""

from __future__ import annotations

import datetime as dt
import zipfile
from pathlib import Path
from xml.sax.saxutils import escape

import duckdb
import pandas as pd
import pytest
from openpyxl import load_workbook

from pipelines.packages import returns
from pipelines.packages.content import Package, Scope
from pipelines.packages.input_sheets import deviations_sheet, goals_sheet
from pipelines.packages.workbook import issue_sheet
from pipelines.packages.workbook_tables import HEADER_ROW
from pipelines.packages.xlsx import Sheet, write_book

MAX_TEXT_CHARS = 4000  # as the sheet and docs/packages.md tell a unit
EXCEL_CELL_CHARS = 32767
PACKAGE_ID = "2025-04:11:0123456789ab"
UNITS = ("1101", "1102")


def package(comment: str | None = None) -> Package:
    """Socialnämnden's package of April: two personnel deviations, the first carrying
    `comment` as the warehouse holds it, and one nämndmål."""
    deviations = pd.DataFrame([{
        "org_level": "enhet", "org_unit_code": unit, "org_unit_name": f"Enhet {unit}",
        "cost_category": "personnel", "outcome_ytd": 1_500_000.0, "budget_ytd": 1_000_000.0,
        "deviation_ytd": -500_000.0, "budget_annual": 3_000_000.0,
        "forecast_annual": 3_500_000.0, "forecast_deviation": -500_000.0,
        "comment": comment if i == 0 else None, "cause": None, "action": None,
        "responsible": None, "forecast_submitted": float("nan"), "level_order": 4,
        "tree_position": i + 1} for i, unit in enumerate(UNITS)])
    follow_up = pd.DataFrame([{"level_order": 4, "org_unit_code": unit,
                               "cost_category": "personnel", "board_sign": 1,
                               "board_name": "Personalkostnader", "sort_order": 3,
                               "tree_position": i + 1} for i, unit in enumerate(UNITS)])
    goals = pd.DataFrame([{"goal_id": "N11-1", "goal_kind": "board_goal",
                           "goal_name": "Fler i egen försörjning", "unit": "%",
                           "target_value": 50.0, "outcome_value": 45.0, "status": None,
                           "rolled_up_status": None, "comment": None, "deadline_met": None}])
    empty = pd.DataFrame()
    return Package(municipality="Exempel kommun", year=2025, month=4,
                   scope=Scope("11", "Socialnämnden"), kind="tertialrapport",
                   title="Tertialrapport 1 2025", meeting=None, follow_up=follow_up,
                   summary=empty, sub_units=empty, trend=empty, deviations=deviations,
                   investments=empty, staff=empty, quality=empty, goals=goals)


def issued(path: Path, comment: str | None = None) -> Path:
    """The package's Avvikelser and Mål sheets and its hidden Utskick, as issued."""
    pkg = package(comment)
    sheets = [Sheet("Avvikelser"), Sheet("Mål"), Sheet("Utskick")]
    deviations_sheet(sheets[0], pkg)
    goals_sheet(sheets[1], pkg)
    issue_sheet(sheets[2], pkg, PACKAGE_ID, dt.date(2025, 5, 2))
    return write_book(sheets, path, "Tertialrapport 1 2025", dt.date(2025, 5, 2))


@pytest.fixture
def con():
    with duckdb.connect() as c:
        c.execute("create schema reports; create schema raw")
        c.execute("create table reports.issued_packages as select ? as package_id, "
                  "'2025-04' as period, '11' as board", [PACKAGE_ID])
        c.execute("create table raw.org_units as select unnest(?) as code", [list(UNITS)])
        c.execute("create table raw.goals as select 'N11-1' as goal_id, 'board_goal' as "
                  "goal_kind, '11' as board_code, 2025 as fiscal_year")
        yield c


def fill(path: Path, sheet: str, answers: dict[tuple[int, str], str]) -> tuple[Path, dict]:
    """Answers typed (or pasted) into the yellow columns: {(row of the table, heading): text};
    returns the file and each answer's cell. A text longer than a cell holds is written into
    the file's XML as another program would (openpyxl, like Excel, would cut it)."""
    book = load_workbook(path)
    ws = book[sheet]
    column = {c.value: c.column_letter for c in ws[HEADER_ROW]}
    cells, too_long = {}, {}
    for (row, heading), text in answers.items():
        cells[row, heading] = f"{column[heading]}{HEADER_ROW + row}"
        if len(text) > EXCEL_CELL_CHARS:
            too_long[f"PLACEHOLDER{len(too_long)}"] = text
            text = list(too_long)[-1]
        ws[cells[row, heading]] = text
    book.save(path)
    if too_long:
        written = path.with_suffix(".tmp")
        with zipfile.ZipFile(path) as src, zipfile.ZipFile(written, "w",
                                                           zipfile.ZIP_DEFLATED) as dst:
            for item in src.infolist():
                data = src.read(item)
                for placeholder, text in too_long.items():
                    data = data.replace(placeholder.encode(), escape(text).encode())
                dst.writestr(item.filename, data)
        written.replace(path)
    return path, cells


def test_a_100_000_character_comment_is_refused_with_one_line(tmp_path, con):
    returned, cells = fill(issued(tmp_path / "svar.xlsx"), "Avvikelser", {
        (1, "Kommentar"): "Vakanser." * 11_111 + ".", (2, "Kommentar"): "Lägre kostnader"})
    got = returns.read_returns(tmp_path, con)
    [file] = got.files
    assert file.errors == [f"bladet Avvikelser, cell {cells[1, 'Kommentar']}: Kommentar har "
                           "100 000 tecken, högst 4 000 tas emot (korta texten)"]
    # the long comment's row is quarantined; the short comment of the next row is loaded
    assert got.comments[["org_unit_code", "comment"]].values.tolist() == [
        [UNITS[1], "Lägre kostnader"]]
    assert got.quarantine[["file", "line", "rule"]].values.tolist() == [
        [returned.name, HEADER_ROW + 1, file.errors[0]]]
    assert file.accepted and file.counts == (2, 1, 1)


def test_a_bad_forecast_among_good_rows_quarantines_its_row_alone(tmp_path, con):
    """Text pasted into a forecast cell gets past Excel's validation: that row is quarantined
    whole (its comment with it: it explains the forecast), naming the sheet, the cell and
    the rule; the file's other rows, and its goal report, are loaded."""
    path, cells = fill(issued(tmp_path / "svar.xlsx"), "Avvikelser", {
        (1, "Kommentar"): "Vakanser", (1, "Prognos helår (tkr)"): "ungefär hälften",
        (2, "Kommentar"): "Sjukfrånvaro", (2, "Prognos helår (tkr)"): "2 950"})
    fill(path, "Mål", {(1, "Ny status"): "delvis uppnått"})
    got = returns.read_returns(tmp_path, con)
    [file] = got.files
    assert file.errors == [f"bladet Avvikelser, cell {cells[1, 'Prognos helår (tkr)']}: "
                           "'ungefär hälften' är inte ett tal (Prognos helår skrivs i tkr, "
                           "utan formel)"]
    assert got.comments[["org_unit_code", "comment"]].values.tolist() == [
        [UNITS[1], "Sjukfrånvaro"]]
    assert got.forecasts[["org_unit_code", "forecast_annual"]].values.tolist() == [
        [UNITS[1], 2_950_000]]
    assert got.goal_statuses["status"].tolist() == ["delvis uppnått"]
    assert got.quarantine[["file", "line", "rule"]].values.tolist() == [
        [path.name, HEADER_ROW + 1, file.errors[0]]]
    # every filled-in row is loaded or quarantined
    assert got.counts().to_dict("records") == [{
        "file": path.name, "period": "2025-04", "rows_read": 3, "rows_loaded": 2,
        "rows_quarantined": 1, "refusal": None}]


def test_a_sheet_not_as_issued_refuses_the_whole_file(tmp_path, con):
    """A heading gone from the Mål sheet: not the package as it was issued, so nothing of
    the file is loaded, its good Avvikelser rows neither, each with the reason."""
    path, _ = fill(issued(tmp_path / "svar.xlsx"), "Avvikelser", {(1, "Kommentar"): "Vakanser"})
    book = load_workbook(path)
    ws = book["Mål"]
    [heading] = [c for c in ws[HEADER_ROW] if c.value == "Ny kommentar"]
    heading.value = "Min kommentar"
    book.save(path)
    got = returns.read_returns(tmp_path, con)
    assert got.comments.empty and not got.files[0].accepted
    assert got.quarantine["rule"].tolist() == [
        "filen avvisad, inget är inläst: bladet Mål, rad 5: kolumnen 'Ny kommentar' saknas"]
    assert got.counts()[["rows_read", "rows_loaded", "rows_quarantined"]].values.tolist() == [
        [1, 0, 1]]


def test_a_text_of_the_limit_is_taken_one_more_is_not(tmp_path, con):
    fill(issued(tmp_path / "svar.xlsx"), "Avvikelser", {
        (1, "Orsak"): "x" * MAX_TEXT_CHARS, (2, "Åtgärd"): "y" * MAX_TEXT_CHARS})
    got = returns.read_returns(tmp_path, con)
    assert got.files[0].accepted
    assert got.comments["cause"].str.len().tolist()[0] == MAX_TEXT_CHARS
    _, cells = fill(tmp_path / "svar.xlsx", "Avvikelser", {(2, "Ansvarig"): "z" * 4001})
    assert returns.read_return(tmp_path / "svar.xlsx", con).errors == [
        f"bladet Avvikelser, cell {cells[2, 'Ansvarig']}: Ansvarig har 4 001 tecken, högst "
        "4 000 tas emot (korta texten)"]


def test_a_long_goal_comment_is_refused_too(tmp_path, con):
    path, cells = fill(issued(tmp_path / "svar.xlsx"), "Mål",
                       {(1, "Ny kommentar"): "Ö" * 5000})
    got = returns.read_returns(tmp_path, con)
    assert got.files[0].errors == [f"bladet Mål, cell {cells[1, 'Ny kommentar']}: Ny "
                                   "kommentar har 5 000 tecken, högst 4 000 tas emot (korta "
                                   "texten)"]
    assert got.goal_statuses.empty
    assert got.quarantine["rule"].tolist() == got.files[0].errors


def test_the_sheet_states_the_limit_in_its_validation(tmp_path):
    book = load_workbook(issued(tmp_path / "paket.xlsx"))
    for sheet, headings in (("Avvikelser", ("Kommentar", "Orsak", "Åtgärd", "Ansvarig")),
                            ("Mål", ("Ny kommentar",))):
        ws = book[sheet]
        letter = {c.value: c.column_letter for c in ws[HEADER_ROW]}
        for heading in headings:
            [rule] = [v for v in ws.data_validations.dataValidation
                      if str(v.sqref).startswith(f"{letter[heading]}{HEADER_ROW + 1}")]
            assert (rule.type, rule.operator, rule.formula1) == (
                "textLength", "lessThanOrEqual", str(MAX_TEXT_CHARS))
            assert rule.showErrorMessage and rule.errorStyle in (None, "stop")
            assert "4 000 tecken" in rule.error and "4 000 tecken" in rule.prompt


def test_a_comment_longer_than_a_cell_is_never_issued_silently_cut(tmp_path, con):
    """The warehouse of an older version may hold a comment of 100 000 characters: issued
    again, its cell says it is cut and how long the whole is; sent back so, it is refused
    by its length and cannot replace the whole comment with its beginning."""
    stored = "".join(f"Mening {i} om vakanserna. " for i in range(5000))[:100_000]
    path = issued(tmp_path / "svar.xlsx", comment=stored)
    ws = load_workbook(path)["Avvikelser"]
    column = {c.value: c.column for c in ws[HEADER_ROW]}
    cell = ws.cell(row=HEADER_ROW + 1, column=column["Kommentar"])
    assert len(cell.value) == EXCEL_CELL_CHARS
    assert "avkortad" in cell.value, "cut without a word"
    head, note = cell.value.split(" [...] ")
    assert stored.startswith(head)
    assert note == "[Texten är avkortad här: hela texten har 100 000 tecken, en cell i Excel " \
                   "rymmer 32 767.]"
    got = returns.read_returns(tmp_path, con)
    assert got.files[0].errors == [f"bladet Avvikelser, cell {cell.coordinate}: Kommentar har "
                                   "32 767 tecken, högst 4 000 tas emot (korta texten)"]
    assert got.comments.empty
