"""The data-quality report for Ekonomi: every open issue with its board, as a summary and as
an Excel sheet to work through."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pandas as pd

from pipelines.quality.suites import load_suites

WHOLE_MUNICIPALITY = "Hela kommunen"
COLUMNS = {
    "rule": "Regel", "description": "Beskrivning", "severity": "Allvarlighetsgrad",
    "board": "Nämnd", "period": "Period", "file": "Fil", "line": "Rad", "series": "Serie",
    "voucher_number": "Verifikation", "message_sv": "Vad ska rättas",
}


def boards(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    """Unit code -> the name of its board (nämnd), on the latest version of the register."""
    rows = con.execute(
        "select code, name, level, parent_code from (select *, row_number() over "
        "(partition by code order by valid_from desc) as n from raw.org_units) where n = 1"
    ).fetchall()
    units = {code: (name, level, parent) for code, name, level, parent in rows}
    out = {}
    for code in units:
        current, seen = code, set()
        while current in units and units[current][1] != "nämnd" and current not in seen:
            seen.add(current)
            current = units[current][2]
        if current in units and units[current][1] == "nämnd":
            out[code] = units[current][0]
    return out


def open_issues(con: duckdb.DuckDBPyConnection, through: str | None = None) -> pd.DataFrame:
    """The issues of the last run per suite and period, with the board each belongs to."""
    # the unit of a ledger row (or of any row of its voucher, for an issue on its #VER line),
    # looked up for the issues' lines only: the ledger itself may have millions of rows
    issues = con.execute("""
        with issues as (
            select * from quality.issues where (? is null or period <= ?)
        ),
        wanted as (
            select distinct file, line from issues where line is not null
        ),
        row_units as (
            select t.source_file, t.source_line as line, min(t.ansvar) as ansvar
            from raw.ledger_transactions t
            inner join wanted on wanted.file = t.source_file and wanted.line = t.source_line
            where t.ansvar is not null
            group by 1, 2
        ),
        voucher_units as (
            select t.source_file, t.voucher_line as line, min(t.ansvar) as ansvar
            from raw.ledger_transactions t
            inner join wanted on wanted.file = t.source_file and wanted.line = t.voucher_line
            where t.ansvar is not null
            group by 1, 2
        )
        select issues.*, coalesce(voucher_units.ansvar, row_units.ansvar) as ledger_unit
        from issues
        left join row_units
            on row_units.source_file = issues.file and row_units.line = issues.line
        left join voucher_units
            on voucher_units.source_file = issues.file and voucher_units.line = issues.line
        order by severity, rule, period, file, line, record_key, detail
    """, [through, through]).df()
    if issues.empty:
        return issues.drop(columns="ledger_unit").assign(board=[], description=[])
    board_of = boards(con)

    def board(issue) -> str:
        detail = json.loads(issue["detail"] or "{}")
        unit = detail.get("ansvar") or detail.get("unit_code") or (
            None if pd.isna(issue["ledger_unit"]) else issue["ledger_unit"])
        return board_of.get(unit, WHOLE_MUNICIPALITY if unit is None else f"Okänd enhet {unit}")

    descriptions = {r.id: r.description_sv for s in load_suites() for r in s.rules}
    return issues.assign(board=issues.apply(board, axis=1),
                         description=issues["rule"].map(descriptions)
                         ).drop(columns="ledger_unit")


def summary(issues: pd.DataFrame) -> pd.DataFrame:
    if issues.empty:
        return pd.DataFrame(columns=["rule", "severity", "board", "count"])
    return (issues.groupby(["severity", "rule", "board"]).size().rename("count")
            .reset_index().sort_values(["severity", "rule", "count"], ascending=[True, True,
                                                                                  False]))


def write_excel(issues: pd.DataFrame, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    table = issues.reindex(columns=list(COLUMNS)).rename(columns=COLUMNS)
    table["Allvarlighetsgrad"] = table["Allvarlighetsgrad"].map({"error": "fel", "warn":
                                                                 "varning"})
    with pd.ExcelWriter(path, engine="openpyxl") as xl:
        table.to_excel(xl, sheet_name="Datakvalitet", index=False)
        sheet = xl.book["Datakvalitet"]
        sheet.freeze_panes = "A2"
        sheet.auto_filter.ref = sheet.dimensions
        widths = {"A": 38, "B": 50, "C": 14, "D": 30, "E": 9, "F": 26, "G": 7, "H": 7, "I": 12,
                  "J": 90}
        for column, width in widths.items():
            sheet.column_dimensions[column].width = width
    return path
