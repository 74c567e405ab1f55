"""The inläsningsrapport (load report): what every load read, loaded and quarantined, per
source and per delivered file, the most frequent quarantine rules and every quarantined line,
so Ekonomi can correct the delivery. Written to Excel by the asset `load_report`."""

from __future__ import annotations

import re
from pathlib import Path

import duckdb
import pandas as pd

RAW_TABLES = {"org_register": "org_units", "accounts": "accounts",
              "ledger": "ledger_transactions", "budget": "budget_lines",
              "hr": "hr_employee_months", "goals": "goals", "goal_statuses": "goal_statuses",
              "kpi_outcomes": "kpi_outcomes", "tidplan": "follow_up_calendar",
              "comment_deadlines": "comment_deadlines", "returns": "deviation_comments",
              "balance_requirement_decisions": "balance_requirement_decisions"}
SOURCE_NAMES = {"org_register": "Organisationsregister", "accounts": "Kontoplan",
                "ledger": "Huvudbok", "budget": "Budget", "hr": "Personal",
                "goals": "Mål och styrtal", "goal_statuses": "Målstatus",
                "kpi_outcomes": "Styrtal (Kolada)", "tidplan": "Tidplan",
                "comment_deadlines": "Tidplanens kommentarsdatum",
                "returns": "Returnerade paket",
                "balance_requirement_decisions": "Beslut om balanskrav"}
TOP_RULES = 3  # per file, in the sheet of deliveries


def rule_group(rule: str) -> str:
    """A rule without the values of the row it was given for ('…'), so that the lines that
    break the same rule are counted together: "'12,50' är inget belopp" -> "'…' är inget
    belopp"."""
    return re.sub(r"\d[\d\-:.]*", "…", re.sub(r"'[^']*'", "'…'", rule))


def load_summary(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Per source: rows loaded (in the raw table) and quarantined, and so read."""
    rows = []
    for source, table in RAW_TABLES.items():
        loaded = con.execute(f"SELECT count(*) FROM raw.{table}").fetchone()[0]
        quarantined = con.execute("SELECT count(*) FROM raw.quarantine WHERE source = ?",
                                  [source]).fetchone()[0]
        rows.append({"Källa": SOURCE_NAMES[source], "Inlästa rader": loaded,
                     "Karantänsatta rader": quarantined, "Lästa rader": loaded + quarantined})
    return pd.DataFrame(rows)


def rule_counts(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Per source, file and rule (its values left out): how many lines, and the first."""
    frame = con.execute("SELECT source, file, line, rule FROM raw.quarantine").df()
    if frame.empty:
        return pd.DataFrame(columns=["Källa", "Fil", "Regel", "Antal rader", "Första rad",
                                     "Exempel"])
    frame["group"] = frame["rule"].map(rule_group)
    frame = frame.sort_values(["source", "file", "line"])
    out = frame.groupby(["source", "file", "group"], sort=False).agg(
        count=("line", "size"), first=("line", "min"), example=("rule", "first")).reset_index()
    out = out.sort_values(["source", "file", "count"], ascending=[True, True, False])
    out["source"] = out["source"].map(lambda s: SOURCE_NAMES.get(s, s))
    out.columns = ["Källa", "Fil", "Regel", "Antal rader", "Första rad", "Exempel"]
    return out.reset_index(drop=True)


def deliveries(con: duckdb.DuckDBPyConnection, rules: pd.DataFrame) -> pd.DataFrame:
    """Every current delivery with its counts and its most frequent quarantine rules."""
    frame = con.execute(
        "SELECT source, period, file_name, rows_read, rows_loaded, rows_quarantined, "
        "received_at FROM raw.deliveries WHERE status = 'current' "
        "ORDER BY source, period NULLS FIRST, file_name").df()
    top = {(src, f): "; ".join(f"{r} ({n})" for r, n in list(zip(
        g["Regel"], g["Antal rader"], strict=True))[:TOP_RULES])
        for (src, f), g in rules.groupby(["Källa", "Fil"], sort=False)}
    frame["source"] = frame["source"].map(lambda s: SOURCE_NAMES.get(s, s))
    frame["rules"] = [top.get((s, f), "") for s, f in zip(frame["source"], frame["file_name"],
                                                          strict=True)]
    frame["period"] = frame["period"].fillna("hela filen")
    frame["received_at"] = frame["received_at"].dt.strftime("%Y-%m-%d %H:%M")
    frame.columns = ["Källa", "Period", "Fil", "Lästa rader", "Inlästa rader",
                     "Karantänsatta rader", "Mottagen", "Vanligaste regler"]
    return frame


def write_load_report(con: duckdb.DuckDBPyConnection, out: Path) -> int:
    """The inläsningsrapport as an Excel workbook; the number of quarantined lines."""
    summary = load_summary(con)
    rules = rule_counts(con)
    delivered = deliveries(con, rules)
    quarantine = con.execute(
        "SELECT source, file, line, rule, raw, period FROM raw.quarantine "
        "ORDER BY source, file, line").df()
    quarantine["source"] = quarantine["source"].map(lambda s: SOURCE_NAMES.get(s, s))
    quarantine.columns = ["Källa", "Fil", "Rad", "Regel", "Innehåll", "Period"]
    out.parent.mkdir(parents=True, exist_ok=True)
    with pd.ExcelWriter(out, engine="openpyxl") as xl:
        summary.to_excel(xl, sheet_name="Sammanfattning", index=False)
        delivered.to_excel(xl, sheet_name="Leveranser", index=False)
        rules.to_excel(xl, sheet_name="Regler", index=False)
        quarantine.to_excel(xl, sheet_name="Karantän", index=False)
        for sheet in xl.book.worksheets:
            sheet.freeze_panes = "A2"
            for col in sheet.columns:
                width = max(len(str(c.value or "")) for c in col[:200])
                sheet.column_dimensions[col[0].column_letter].width = min(60, width + 2)
    return len(quarantine)
