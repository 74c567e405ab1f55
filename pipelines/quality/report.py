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


def board_name(board_of: dict[str, str], unit) -> str:
    """The board of a unit (`boards`); the whole kommun for none, or the unknown unit."""
    if unit is None or pd.isna(unit):
        return WHOLE_MUNICIPALITY
    return board_of.get(unit, f"Okänd enhet {unit}")


def open_issues(con: duckdb.DuckDBPyConnection, through: str | None = None,
                suite: str | None = None, periods: list[str] | None = None) -> pd.DataFrame:
    """The issues of the last run per suite and period, with the board each belongs to: of
    the months through `through`, of one `suite` and of `periods` where given."""
    # the unit of a ledger row (or of any row of its voucher, for an issue on its #VER line),
    # looked up for the issues' lines only: the ledger itself may have millions of rows
    issues = con.execute("""
        with issues as (
            select * from quality.issues where (? is null or period <= ?)
                and (? is null or suite = ?)
                and (? is null or list_contains(?, period))
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
    """, [through, through, suite, suite, periods, periods]).df()
    if issues.empty:
        return issues.drop(columns="ledger_unit").assign(board=[], description=[])
    board_of = boards(con)

    def board(issue) -> str:
        detail = json.loads(issue["detail"] or "{}")
        return board_name(board_of, detail.get("ansvar") or detail.get("unit_code")
                          or issue["ledger_unit"])

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


def grouped(issues: pd.DataFrame) -> pd.DataFrame:
    """The open issues a rule found for a board, as one row: how many, what the rule checks
    and the first of them as an example ("68 021 rader ...; t.ex. rad 2 i fil.xlsx ..."):
    an export whose every row breaks the same rule is one cause, not 68 021 lines to read."""
    from pipelines.quality.suites import load_suites

    columns = ["Allvarlighetsgrad", "Regel", "Nämnd", "Antal", "Vad regeln kontrollerar",
               "Första"]
    if issues.empty:
        return pd.DataFrame(columns=columns)
    described = {r.id: r.description_sv for suite in load_suites() for r in suite.rules}
    rows = []
    for (severity, rule, board), group in issues.groupby(["severity", "rule", "board"],
                                                         sort=True, dropna=False):
        first = group.iloc[0]
        where = (f"{first['file']} rad {int(first['line'])}: " if pd.notna(first.get("file"))
                 and pd.notna(first.get("line")) else "")
        rows.append({"Allvarlighetsgrad": {"error": "fel", "warn": "varning"}.get(
                         severity, severity),
                     "Regel": rule, "Nämnd": board, "Antal": len(group),
                     "Vad regeln kontrollerar": described.get(rule, ""),
                     "Första": where + str(first["message_sv"])})
    return pd.DataFrame(rows, columns=columns).sort_values(
        ["Allvarlighetsgrad", "Antal"], ascending=[True, False], kind="stable")


RESOLVED_COLUMNS = {
    "rule": "Regel", "description": "Beskrivning", "severity": "Allvarlighetsgrad",
    "board": "Nämnd", "period": "Period", "file": "Fil", "line": "Rad", "series": "Serie",
    "voucher_number": "Verifikation", "message_sv": "Vad som var fel",
    "first_seen": "Först hittad", "last_seen": "Senast sedd", "runs": "Körningar",
    "resolved_at": "Åtgärdad", "resolved_file_name": "Rättad i leveransen",
    "resolved_received_at": "Leveransen mottagen",
}
FOUND_COLUMNS = {"period": "Period", "board": "Nämnd", "severity": "Allvarlighetsgrad",
                 "found": "Hittade", "resolved": "Åtgärdade", "open": "Öppna",
                 "deliveries": "Rättade i leveranserna"}
SEVERITY_SV = {"error": "fel", "warn": "varning"}


def found_table(log: pd.DataFrame) -> pd.DataFrame:
    """Per period, board and severity: issues found, corrected and still open, and the
    deliveries that corrected them (file and day received)."""
    if log.empty:
        return pd.DataFrame(columns=list(FOUND_COLUMNS))
    received = pd.to_datetime(log["resolved_received_at"]).dt.strftime("%Y-%m-%d")
    named = (log["resolved_file_name"] + " (" + received + ")").where(
        log["resolved_file_name"].notna())

    def deliveries(group: pd.Series) -> str:
        return ", ".join(sorted(set(group.dropna())))

    return (log.assign(delivery=named, is_resolved=log["status"] == "åtgärdad")
            .groupby(["period", "board", "severity"])
            .agg(found=("issue_key", "size"), resolved=("is_resolved", "sum"),
                 deliveries=("delivery", deliveries))
            .reset_index().assign(open=lambda t: t["found"] - t["resolved"])
            [list(FOUND_COLUMNS)])


def _sheet(xl: pd.ExcelWriter, name: str, table: pd.DataFrame, widths: list[int]) -> None:
    if "Allvarlighetsgrad" in table:
        table = table.assign(Allvarlighetsgrad=table["Allvarlighetsgrad"].map(SEVERITY_SV))
    table.to_excel(xl, sheet_name=name, index=False)
    sheet = xl.book[name]
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = sheet.dimensions
    for i, width in enumerate(widths):
        sheet.column_dimensions[chr(ord("A") + i)].width = width


def write_excel(issues: pd.DataFrame, path: Path, log: pd.DataFrame | None = None) -> Path:
    """The open issues (sheet Datakvalitet) and, with the issue log (issue_log.read_log),
    what was corrected (Åtgärdade) and what was found and corrected per period and board
    (Hittade och rättade)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with pd.ExcelWriter(path, engine="openpyxl") as xl:
        _sheet(xl, "Sammanställning", grouped(issues), [10, 38, 30, 10, 70, 110])
        _sheet(xl, "Datakvalitet", issues.reindex(columns=list(COLUMNS)).rename(
            columns=COLUMNS), [38, 50, 14, 30, 9, 26, 7, 7, 12, 90])
        if log is not None:
            resolved = log[log["status"] == "åtgärdad"]
            _sheet(xl, "Åtgärdade", resolved.reindex(columns=list(RESOLVED_COLUMNS)).rename(
                columns=RESOLVED_COLUMNS),
                [38, 50, 14, 30, 9, 26, 7, 7, 12, 90, 17, 17, 10, 17, 26, 19])
            _sheet(xl, "Hittade och rättade", found_table(log).rename(columns=FOUND_COLUMNS),
                   [9, 30, 14, 9, 10, 8, 60])
    return path
