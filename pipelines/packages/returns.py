"""Returned packages: the units' filled-in `Avvikelser` sheets, dropped in the landing
folder's returns area (`<landing>/returer/`), read back as comments and submitted forecasts,
and in a tertial's package the `Mål` sheet's Ny status and Ny kommentar as goal reports.

A returned file is first judged whole: it must pass workbook_safety (a zip bomb, macros or
a file that is no workbook is refused unread), be a package this pipeline issued for its
period (the hidden `Utskick` sheet, against `reports.issued_packages`) and have the input
columns it was issued with. A file that fails any of these is refused whole: nothing of it
is loaded, and the quarantine has one line for it (or one per filled-in row, each with the
reason).

A package of ours is then read row by row, and each row is loaded or quarantined on its
own: every row must name a known unit and cost category, `Prognos helår (tkr)` must be a
number (no formula), given per cost category (the net is their sum); a goal must be one of
the package's own and its status one of the four; a text (kommentar, orsak, åtgärd,
ansvarig, Ny kommentar) holds at most MAX_TEXT_CHARS characters (input_sheets). A row with a
bad cell is quarantined whole, its good cells with it (a comment belongs to the forecast it
explains, and the unit, chased for the row, sends it again), with one line per bad cell
naming the sheet, the cell and the rule; every other row of the file is loaded. So each
file's filled-in rows are either loaded or quarantined (`ReturnedFile.counts`). Text is
kept as typed: a comment that starts with `=` is a comment. Several returns of the same
row: the newest file wins, with the time the row first came in (held against the
deadline); every distinct goal report is kept, and the mart takes the latest field by
field.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path

import duckdb
import pandas as pd
from openpyxl import load_workbook

from pipelines.domain import KOMMUN_GOAL_KINDS, STATUSES
from pipelines.packages.figures import board_value
from pipelines.packages.input_sheets import MAX_TEXT_CHARS
from pipelines.packages.layout import columns, layout
from pipelines.packages.workbook_safety import unsafe_workbook
from pipelines.packages.workbook_tables import HEADER_ROW
from pipelines.text import thousands
from pipelines.warehouse_tables import has_table

RETURNS_FOLDER = "returer"
COST_CATEGORIES = Path(__file__).resolve().parents[2] / "dbt_project/seeds/cost_categories.csv"
TEXT_INPUTS = ("comment", "cause", "action", "responsible")
REFUSED = "filen avvisad, inget är inläst: "


@dataclass
class ReturnedRow:
    """A filled-in row of a returned sheet: loaded when `errors` is empty, else quarantined
    whole with one line per bad cell ("bladet Avvikelser, cell O7: ...")."""
    sheet: str
    line: int
    raw: str
    errors: list[str] = field(default_factory=list)


@dataclass
class ReturnedFile:
    path: Path
    period: str | None = None
    comments: list[dict] = field(default_factory=list)
    forecasts: list[dict] = field(default_factory=list)
    goal_statuses: list[dict] = field(default_factory=list)
    refusal: list[str] = field(default_factory=list)  # why the whole file is refused
    rows: list[ReturnedRow] = field(default_factory=list)  # every filled-in row read

    @property
    def accepted(self) -> bool:
        """A package of ours, read: its good rows are loaded (its bad ones quarantined)."""
        return not self.refusal

    @property
    def errors(self) -> list[str]:
        """Every line said of the file, in Swedish: why it is refused whole, or each bad
        cell of its quarantined rows."""
        return self.refusal + [e for row in self.rows for e in row.errors]

    @property
    def counts(self) -> tuple[int, int, int]:
        """(rows read, loaded, quarantined): every filled-in row is one or the other; a file
        refused before its rows are read is one line of the quarantine (line 0)."""
        read = len(self.rows)
        if self.refusal:
            return read, 0, max(read, 1)
        bad = sum(bool(row.errors) for row in self.rows)
        return read, read - bad, bad


def _issued(con: duckdb.DuckDBPyConnection, package_id: str) -> tuple | None:
    if not has_table(con, "reports", "issued_packages"):
        return None
    found = con.execute("select period, board from reports.issued_packages "
                        "where package_id = ?", [package_id]).fetchall()
    return found[0] if found else None


def _number(value) -> Decimal | None:
    """tkr as typed: a number, or text like '1 234,5'; None when empty."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool):
        raise ValueError
    if isinstance(value, int | float):
        return Decimal(str(value))
    text = str(value).strip()
    if text.startswith("="):
        raise ValueError("formula")
    text = text.replace("\xa0", "").replace(" ", "").replace("\u2212", "-").replace(",", ".")
    try:
        return Decimal(text)
    except InvalidOperation:
        raise ValueError from None


def _text(value) -> str | None:
    if value is None:
        return None
    text = value.isoformat() if isinstance(value, dt.date | dt.datetime) else str(value)
    return text.strip() or None


def _too_long(sheet: str, cell, heading: str) -> str | None:
    """Why a typed text is refused for its length, or None. Excel's validation stops a
    longer one being typed, but not pasted, and other programs have none; a text longer
    than a cell holds (32 767 characters) cannot have come from Excel at all."""
    text = _text(cell.value)
    if text is None or len(text) <= MAX_TEXT_CHARS:
        return None
    return (f"bladet {sheet}, cell {cell.coordinate}: {heading} har {thousands(len(text))} tecken,"
            f" högst {thousands(MAX_TEXT_CHARS)} tas emot (korta texten)")


def _open(path: Path, out: ReturnedFile):
    """The workbook, or None with why it is refused: unsafe, unreadable, not ours."""
    sheets = layout()["sheets"]
    if refused := unsafe_workbook(path):
        out.refusal.append(refused)
        return None
    try:
        book = load_workbook(path, data_only=False)  # a formula comes back as its text
    except Exception as e:  # noqa: BLE001 - any unreadable file is reported, not raised
        out.refusal.append(f"filen går inte att läsa som Excel-arbetsbok ({type(e).__name__})")
        return None
    if sheets["issue"] not in book.sheetnames or sheets["deviations"] not in book.sheetnames:
        out.refusal.append(f"bladen {sheets['issue']} och {sheets['deviations']} saknas: inte "
                           "ett uppföljningspaket från Uppföljning")
        return None
    return book


def _issue(book, con: duckdb.DuckDBPyConnection, out: ReturnedFile) -> tuple | None:
    """(period, board) the package was issued for, or None with why it is refused."""
    issue = {str(r[0].value): r[1].value
             for r in book[layout()["sheets"]["issue"]].iter_rows(max_col=2) if r[0].value}
    out.period = str(issue.get("Period") or "")
    issued = _issued(con, str(issue.get("Paket") or ""))
    if issued is None:
        out.refusal.append(f"paketet {issue.get('Paket')} har inte skickats ut av Uppföljning")
        return None
    if issued[0] != out.period:
        out.refusal.append(f"paketet skickades ut för {issued[0]}, inte {out.period}")
        return None
    return issued


def _headings(ws, wanted: dict[str, str], out: ReturnedFile) -> dict[str, int] | None:
    """{name: column} of the headings `wanted` ({name: heading}), or None with the first
    heading missing as the file's refusal: not the sheet as it was issued."""
    headings = {str(c.value).strip(): c.column for c in ws[HEADER_ROW] if c.value}
    missing = [h for h in wanted.values() if h not in headings]
    if missing:
        out.refusal.append(f"bladet {ws.title}, rad {HEADER_ROW}: kolumnen '{missing[0]}' "
                           "saknas")
        return None
    return {name: headings[heading] for name, heading in wanted.items()}


def read_return(path: Path, con: duckdb.DuckDBPyConnection) -> ReturnedFile:
    out = ReturnedFile(path)
    sheets = layout()["sheets"]
    book = _open(path, out)
    issued = None if book is None else _issue(book, con, out)
    if issued is None:
        return out
    wanted = dict(columns("deviations") + columns("deviation_inputs"))
    where = _headings(book[sheets["deviations"]], {n: wanted[n] for n in (
        "org_unit_code", "cost_category", *(n for n, _ in columns("deviation_inputs")))}, out)
    if where is None:
        return out
    seed = pd.read_csv(COST_CATEGORIES)
    known = {"units": {c for (c,) in con.execute(
                 "select distinct code from raw.org_units").fetchall()},
             "categories": set(seed["cost_category"]),
             # the workbook shows amounts as a board reads them (intäkter +): to ledger sign
             "board_sign": dict(zip(seed["cost_category"], seed["board_sign"], strict=True))}
    now = dt.datetime.fromtimestamp(path.stat().st_mtime).replace(microsecond=0)
    ws = book[sheets["deviations"]]
    for r in range(HEADER_ROW + 1, ws.max_row + 1):
        _deviation_row(ws, r, where, out, known, now)
    if sheets["goals"] in book.sheetnames:
        _read_goal_reports(book[sheets["goals"]], out, con, int(out.period[:4]), issued[1],
                           now)
    if out.refusal:  # the Mål sheet is not as issued: nothing of the file is loaded
        out.comments, out.forecasts, out.goal_statuses = [], [], []
    return out


def _deviation_row(ws, r: int, where: dict[str, int], out: ReturnedFile, known: dict,
                   now: dt.datetime) -> None:
    """One row of Avvikelser: its comment and forecast loaded, or the row quarantined with
    one line per bad cell. A row nobody filled in is no row."""
    cell = {name: ws.cell(row=r, column=c) for name, c in where.items()}
    inputs = [cell[n].value for n, _ in columns("deviation_inputs")]
    if all(v is None or (isinstance(v, str) and not v.strip()) for v in inputs):
        return
    unit, category = _text(cell["org_unit_code"].value), _text(cell["cost_category"].value)
    row = ReturnedRow(ws.title, r, f"{unit};{category};" + ";".join(
        "" if v is None else str(v) for v in inputs)[:500])
    out.rows.append(row)
    headings = dict(columns("deviation_inputs"))
    row.errors += [e for n in TEXT_INPUTS
                   if (e := _too_long(ws.title, cell[n], headings[n])) is not None]
    at = f"bladet {ws.title}, cell"
    if unit not in known["units"]:
        row.errors.append(f"{at} {cell['org_unit_code'].coordinate}: enheten '{unit}' finns "
                          "inte i organisationen")
    if category not in known["categories"]:
        row.errors.append(f"{at} {cell['cost_category'].coordinate}: kostnadsslaget "
                          f"'{category}' finns inte")
    forecast, tkr = cell["forecast_input"], None
    try:
        tkr = _number(forecast.value)
    except ValueError:
        row.errors.append(f"{at} {forecast.coordinate}: '{forecast.value}' är inte ett tal "
                          "(Prognos helår skrivs i tkr, utan formel)")
    if tkr is not None and category == "net":
        row.errors.append(f"{at} {forecast.coordinate}: prognosen lämnas per kostnadsslag, "
                          "inte för Netto (nettot är summan av kostnadsslagen)")
    if row.errors:
        return
    base = {"fiscal_year": int(out.period[:4]), "period": int(out.period[5:7]),
            "org_unit_code": unit, "cost_category": category, "submitted_at": now,
            "source_file": out.path.name, "source_line": r}
    texts = {n: _text(cell[n].value) for n in TEXT_INPUTS}
    if any(texts.values()):
        out.comments.append({**base, **texts, "action_plan_status":
                             "åtgärd angiven" if texts["action"] else None})
    if tkr is not None:
        out.forecasts.append({**base, "forecast_annual": board_value(
                                  tkr * 1000, int(known["board_sign"].get(category, 1))),
                              "submitted_by": texts["responsible"]})


def _own_goals(con: duckdb.DuckDBPyConnection, year: int, board: str | None) -> set[str]:
    """The goals a package's Mål sheet takes reports for: the board's own (the kommun's:
    KF's), never the financial goals, which are judged from the books."""
    kinds = set(KOMMUN_GOAL_KINDS) if board is None else None
    return {goal for goal, kind, goal_board in con.execute(
        "select goal_id, goal_kind, board_code from raw.goals where fiscal_year = ?",
        [year]).fetchall()
        if kind != "financial_goal" and (goal_board == board if board is not None
                                         else kind in kinds)}


def _read_goal_reports(ws, out: ReturnedFile, con: duckdb.DuckDBPyConnection, year: int,
                       board: str | None, now: dt.datetime) -> None:
    """The Mål sheet's Ny status and Ny kommentar: a report for the tertial of each goal
    where either is filled in, or the row quarantined. A comment alone keeps the status
    reported before."""
    wanted = {"goal_id": "Id", **dict(columns("goal_inputs"))}
    where = _headings(ws, wanted, out)
    if where is None:
        return
    own = _own_goals(con, year, board)
    for r in range(HEADER_ROW + 1, ws.max_row + 1):
        goal = _text(ws.cell(row=r, column=where["goal_id"]).value)
        status_cell = ws.cell(row=r, column=where["new_status"])
        status_text = _text(status_cell.value)
        comment_cell = ws.cell(row=r, column=where["new_comment"])
        comment = _text(comment_cell.value)
        if not (status_text or comment):
            continue
        row = ReturnedRow(ws.title, r, f"{goal};{status_text or ''};{comment or ''}"[:500])
        out.rows.append(row)
        if too_long := _too_long(ws.title, comment_cell, wanted["new_comment"]):
            row.errors.append(too_long)
        if goal not in own:
            row.errors.append(f"bladet {ws.title}, cell A{r}: målet '{goal}' hör inte till "
                              "paketet")
        status = STATUSES.get(status_text.lower()) if status_text else None
        if status_text and status is None:
            row.errors.append(f"bladet {ws.title}, cell {status_cell.coordinate}: status "
                              f"'{status_text}' är inte en av uppnått, delvis uppnått, "
                              "ej uppnått, ej påbörjad")
        if row.errors:
            continue
        out.goal_statuses.append({
            "goal_id": goal, "period": out.period, "status": status, "comment": comment,
            "submitted_on": now.date(), "submitted_by": None, "source_file": out.path.name,
            "source_line": r})


@dataclass
class Returns:
    """What the returned workbooks of a folder give, the newest file winning per row."""
    comments: pd.DataFrame
    forecasts: pd.DataFrame
    goal_statuses: pd.DataFrame
    quarantine: pd.DataFrame
    files: list[ReturnedFile]

    def counts(self) -> pd.DataFrame:
        """Per returned file: rows read, loaded and quarantined, and why it was refused
        whole (None when its good rows were loaded)."""
        return pd.DataFrame(
            [(f.path.name, f.period or None, *f.counts, "; ".join(f.refusal) or None)
             for f in self.files],
            columns=["file", "period", "rows_read", "rows_loaded", "rows_quarantined",
                     "refusal"])


def read_returns(folder: Path, con: duckdb.DuckDBPyConnection) -> Returns:
    """Every returned workbook in `folder`; the newest file wins where two give the same row."""
    files = sorted(folder.glob("*.xlsx"), key=lambda p: (p.stat().st_mtime, p.name)) \
        if folder.exists() else []
    read = [read_return(p, con) for p in files if not p.name.startswith("~$")]
    comments, forecasts, goal_statuses, quarantine = [], [], [], []
    for f in read:
        comments += f.comments
        forecasts += f.forecasts
        goal_statuses += f.goal_statuses
        quarantine += _quarantined(f)
    key = ("fiscal_year", "period", "org_unit_code", "cost_category")
    return Returns(_latest(comments, key), _latest(forecasts, key),
                   _reports(goal_statuses, ("goal_id", "period", "status", "comment")),
                   pd.DataFrame(quarantine), read)


def _quarantined(f: ReturnedFile) -> list[dict]:
    """The file's lines for raw.quarantine (source 'returns'): each bad row with its bad
    cells; of a file refused whole, every row read (or one line, 0, for the file)."""
    deviations = layout()["sheets"]["deviations"]
    if f.refusal:
        rows = f.rows or [ReturnedRow(deviations, 0, "")]
        reasons = "; ".join(f.refusal)
    else:
        rows, reasons = [row for row in f.rows if row.errors], ""
    return [{"source": "returns", "file": f.path.name, "line": row.line,
             "raw": row.raw if row.sheet == deviations else f"bladet {row.sheet}: {row.raw}",
             "rule": "; ".join(row.errors) if row.errors else REFUSED + reasons,
             "period": f.period or None} for row in rows]


def _latest(rows: list[dict], key: tuple[str, ...]) -> pd.DataFrame:
    """The newest row per key, oldest file first in `rows`, with the time the key first came
    in: that is what the tidplan's deadline is held against, so a comment made in time is not
    made late by a later return that corrects it (or sends the same workbook again)."""
    latest: dict[tuple, dict] = {}
    for row in rows:
        k = tuple(row[c] for c in key)
        before = latest.get(k)
        latest[k] = row if before is None else {**row, "submitted_at": before["submitted_at"]}
    return pd.DataFrame(list(latest.values()))


def _reports(rows: list[dict], content: tuple[str, ...]) -> pd.DataFrame:
    """Every distinct report, oldest file first; a report sent again keeps its first day. The
    mart takes the latest field by field, so a comment alone keeps an earlier status."""
    first: dict[tuple, dict] = {}
    for row in rows:
        first.setdefault(tuple(row[c] for c in content), row)
    return pd.DataFrame(list(first.values()))
