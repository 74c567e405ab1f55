"""Returned packages: the units' filled-in `Avvikelser` sheets, dropped in the landing
folder's returns area (`<landing>/returer/`), read back as comments and submitted forecasts,
and in a tertial's package the `Mål` sheet's Ny status and Ny kommentar as goal reports.

A returned workbook is checked whole: it must be a package this pipeline issued (the hidden
`Utskick` sheet, against `reports.issued_packages`), every row must name a known unit and
cost category, and `Prognos helår (tkr)` must be a number, given per cost category (the
net is their sum); a goal must be one of the package's own and its status one of the four;
a text (kommentar, orsak, åtgärd, ansvarig, Ny kommentar) holds at most MAX_TEXT_CHARS
characters (input_sheets). One bad cell rejects the whole file, nothing of it is loaded,
and each of its rows is quarantined with the reason (cell by cell for the bad ones). Text
is kept as typed: a comment that starts with `=` is a comment. Several returns of the same
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

from pipelines.ingest.goals import STATUSES
from pipelines.packages.content import KOMMUN_GOAL_KINDS, has_table
from pipelines.packages.input_sheets import MAX_TEXT_CHARS
from pipelines.packages.layout import columns, layout
from pipelines.packages.workbook_safety import unsafe_workbook
from pipelines.packages.workbook_tables import HEADER_ROW
from pipelines.text import thousands

RETURNS_FOLDER = "returer"
COST_CATEGORIES = Path(__file__).resolve().parents[2] / "dbt_project/seeds/cost_categories.csv"
TEXT_INPUTS = ("comment", "cause", "action", "responsible")


@dataclass
class ReturnedFile:
    path: Path
    period: str | None = None
    comments: list[dict] = field(default_factory=list)
    forecasts: list[dict] = field(default_factory=list)
    goal_statuses: list[dict] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)  # "cell H7: ..." in Swedish
    rows: list[tuple[str, int, str]] = field(default_factory=list)  # (sheet, line, raw)

    @property
    def accepted(self) -> bool:
        return not self.errors


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


def read_return(path: Path, con: duckdb.DuckDBPyConnection) -> ReturnedFile:
    out = ReturnedFile(path)
    sheets = layout()["sheets"]
    if refused := unsafe_workbook(path):
        out.errors.append(refused)
        return out
    try:
        book = load_workbook(path, data_only=False)  # a formula comes back as its text
    except Exception as e:  # noqa: BLE001 - any unreadable file is reported, not raised
        out.errors.append(f"filen går inte att läsa som Excel-arbetsbok ({type(e).__name__})")
        return out
    if sheets["issue"] not in book.sheetnames or sheets["deviations"] not in book.sheetnames:
        out.errors.append(f"bladen {sheets['issue']} och {sheets['deviations']} saknas: inte "
                          "ett uppföljningspaket från Uppföljning")
        return out
    issue = {str(r[0].value): r[1].value for r in book[sheets["issue"]].iter_rows(max_col=2)
             if r[0].value}
    out.period = str(issue.get("Period") or "")
    issued = _issued(con, str(issue.get("Paket") or ""))
    if issued is None:
        out.errors.append(f"paketet {issue.get('Paket')} har inte skickats ut av Uppföljning")
        return out
    if issued[0] != out.period:
        out.errors.append(f"paketet skickades ut för {issued[0]}, inte {out.period}")
        return out
    year, month = int(out.period[:4]), int(out.period[5:7])
    ws = book[sheets["deviations"]]
    headings = {str(c.value).strip(): c.column for c in ws[HEADER_ROW] if c.value}
    wanted = dict(columns("deviations") + columns("deviation_inputs"))
    where = {}
    for name in ("org_unit_code", "cost_category", *(n for n, _ in columns("deviation_inputs"))):
        if wanted[name] not in headings:
            out.errors.append(f"rad {HEADER_ROW}: kolumnen '{wanted[name]}' saknas")
        else:
            where[name] = headings[wanted[name]]
    if out.errors:
        return out
    units = {c for (c,) in con.execute("select distinct code from raw.org_units").fetchall()}
    seed = pd.read_csv(COST_CATEGORIES)
    categories = set(seed["cost_category"])
    # the workbook shows amounts as a board reads them (intäkter +): back to ledger sign
    board_sign = dict(zip(seed["cost_category"], seed["board_sign"], strict=True))
    now = dt.datetime.fromtimestamp(path.stat().st_mtime).replace(microsecond=0)
    for r in range(HEADER_ROW + 1, ws.max_row + 1):
        cell = {name: ws.cell(row=r, column=c) for name, c in where.items()}
        inputs = [cell[n].value for n, _ in columns("deviation_inputs")]
        if all(v is None or (isinstance(v, str) and not v.strip()) for v in inputs):
            continue  # a row nobody filled in
        unit, category = _text(cell["org_unit_code"].value), _text(cell["cost_category"].value)
        out.rows.append((sheets["deviations"], r, f"{unit};{category};" + ";".join(
            "" if v is None else str(v) for v in inputs)[:500]))
        ref = cell["org_unit_code"].coordinate
        out.errors += [e for n in TEXT_INPUTS
                       if (e := _too_long(ws.title, cell[n], wanted[n])) is not None]
        if unit not in units:
            out.errors.append(f"cell {ref}: enheten '{unit}' finns inte i organisationen")
        if category not in categories:
            out.errors.append(f"cell {cell['cost_category'].coordinate}: kostnadsslaget "
                              f"'{category}' finns inte")
        forecast = cell["forecast_input"]
        try:
            tkr = _number(forecast.value)
        except ValueError:
            out.errors.append(f"cell {forecast.coordinate}: '{forecast.value}' är inte ett tal "
                              "(Prognos helår skrivs i tkr, utan formel)")
            continue
        if tkr is not None and category == "net":
            out.errors.append(f"cell {forecast.coordinate}: prognosen lämnas per kostnadsslag, "
                              "inte för Netto (nettot är summan av kostnadsslagen)")
            continue
        base = {"fiscal_year": year, "period": month, "org_unit_code": unit,
                "cost_category": category, "submitted_at": now, "source_file": path.name,
                "source_line": r}
        texts = {n: _text(cell[n].value) for n in TEXT_INPUTS}
        if any(texts.values()):
            out.comments.append({**base, **texts, "action_plan_status":
                                 "åtgärd angiven" if texts["action"] else None})
        if tkr is not None:
            out.forecasts.append({**base, "forecast_annual": tkr * 1000
                                  * int(board_sign.get(category, 1)),
                                  "submitted_by": texts["responsible"]})
    if sheets["goals"] in book.sheetnames:
        _read_goal_reports(book[sheets["goals"]], out, con, year, issued[1], now)
    return out


def _read_goal_reports(ws, out: ReturnedFile, con: duckdb.DuckDBPyConnection, year: int,
                       board: str | None, now: dt.datetime) -> None:
    """The Mål sheet's Ny status and Ny kommentar: a report for the tertial of each goal
    where either is filled in. A comment alone keeps the status reported before."""
    headings = {str(c.value).strip(): c.column for c in ws[HEADER_ROW] if c.value}
    wanted = {"goal_id": "Id", **dict(columns("goal_inputs"))}
    missing = [h for h in wanted.values() if h not in headings]
    if missing:
        out.errors.append(f"bladet {ws.title}, rad {HEADER_ROW}: kolumnen '{missing[0]}' "
                          "saknas")
        return
    kinds = (set(KOMMUN_GOAL_KINDS) if board is None else None)
    own = {goal for goal, kind, goal_board in con.execute(
        "select goal_id, goal_kind, board_code from raw.goals where fiscal_year = ?",
        [year]).fetchall()
        if kind != "financial_goal" and (goal_board == board if board is not None
                                         else kind in kinds)}
    for r in range(HEADER_ROW + 1, ws.max_row + 1):
        goal = _text(ws.cell(row=r, column=headings["Id"]).value)
        status_cell = ws.cell(row=r, column=headings[wanted["new_status"]])
        status_text = _text(status_cell.value)
        comment_cell = ws.cell(row=r, column=headings[wanted["new_comment"]])
        comment = _text(comment_cell.value)
        if not (status_text or comment):
            continue
        out.rows.append((ws.title, r, f"{goal};{status_text or ''};{comment or ''}"[:500]))
        if too_long := _too_long(ws.title, comment_cell, wanted["new_comment"]):
            out.errors.append(too_long)
        if goal not in own:
            out.errors.append(f"bladet {ws.title}, cell A{r}: målet '{goal}' hör inte till "
                              "paketet")
            continue
        status = STATUSES.get(status_text.lower()) if status_text else None
        if status_text and status is None:
            out.errors.append(f"bladet {ws.title}, cell {status_cell.coordinate}: status "
                              f"'{status_text}' är inte en av uppnått, delvis uppnått, "
                              "ej uppnått, ej påbörjad")
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


def read_returns(folder: Path, con: duckdb.DuckDBPyConnection) -> Returns:
    """Every returned workbook in `folder`; the newest file wins where two give the same row."""
    files = sorted(folder.glob("*.xlsx"), key=lambda p: (p.stat().st_mtime, p.name)) \
        if folder.exists() else []
    read = [read_return(p, con) for p in files if not p.name.startswith("~$")]
    comments, forecasts, goal_statuses, quarantine = [], [], [], []
    for f in read:
        if f.accepted:
            comments += f.comments
            forecasts += f.forecasts
            goal_statuses += f.goal_statuses
            continue
        reasons = "; ".join(f.errors)
        deviations = layout()["sheets"]["deviations"]
        for sheet, line, raw in f.rows or [(deviations, 0, "")]:
            own = [e for e in f.errors if error_place(e, deviations) == (sheet, str(line))]
            quarantine.append({"source": "returns", "file": f.path.name, "line": line,
                               "raw": raw if sheet == deviations else f"bladet {sheet}: {raw}",
                               "rule": "; ".join(own) if own else
                               f"filen avvisad, inget är inläst: {reasons}",
                               "period": f.period or None})
    key = ("fiscal_year", "period", "org_unit_code", "cost_category")
    return Returns(_latest(comments, key), _latest(forecasts, key),
                   _reports(goal_statuses, ("goal_id", "period", "status", "comment")),
                   pd.DataFrame(quarantine), read)


def error_place(error: str, default_sheet: str) -> tuple[str, str]:
    """(sheet, row) of 'cell H12: ...' (the Avvikelser sheet) or 'bladet Mål, cell E7: ...'."""
    sheet = default_sheet
    if error.startswith("bladet ") and ", cell " in error:
        sheet, error = error[len("bladet "):].split(", ", 1)
    if not error.startswith("cell "):
        return sheet, ""
    ref = error[5:].split(":", 1)[0]
    return sheet, "".join(ch for ch in ref if ch.isdigit())


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
