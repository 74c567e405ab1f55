"""The inläsningsrapport (load report): what every load read, loaded and quarantined, per
source and per delivered file, the most frequent quarantine rules and every quarantined line,
so Ekonomi can correct the delivery. Written to Excel by the asset `load_report`."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
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
                "account_balances": "Balanser (#IB, #UB, #RES)",
                "ledger": "Huvudbok", "budget": "Budget", "hr": "Personal",
                "goals": "Mål och styrtal", "goal_statuses": "Målstatus",
                "kpi_outcomes": "Styrtal (Kolada)", "tidplan": "Tidplan",
                "comment_deadlines": "Tidplanens kommentarsdatum",
                "returns": "Returnerade paket",
                "balance_requirement_decisions": "Beslut om balanskrav"}
TOP_RULES = 3  # per file, in the sheet of deliveries
FOLLOWING_LINES = "övriga rader i samma verifikationer (hela verifikationen sätts i karantän)"


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
    """Every current delivery, and every refused one not yet delivered whole, with its
    counts and its most frequent quarantine rules."""
    frame = con.execute(
        "SELECT source, period, file_name, rows_read, rows_loaded, rows_quarantined, "
        "received_at, CASE WHEN status = 'refused' THEN 'avvisad: ' || refusal "
        "ELSE 'inläst' END AS status FROM raw.deliveries WHERE status = 'current' "
        "OR (status = 'refused' AND replaced_at IS NULL) "
        "ORDER BY source, period NULLS FIRST, file_name, received_at").df()
    top = {(src, f): "; ".join(f"{r} ({n})" for r, n in list(zip(
        g["Regel"], g["Antal rader"], strict=True))[:TOP_RULES])
        for (src, f), g in rules.groupby(["Källa", "Fil"], sort=False)}
    frame["source"] = frame["source"].map(lambda s: SOURCE_NAMES.get(s, s))
    frame["rules"] = [top.get((s, f), "") for s, f in zip(frame["source"], frame["file_name"],
                                                          strict=True)]
    frame["period"] = frame["period"].fillna("hela filen")
    frame["received_at"] = frame["received_at"].dt.strftime("%Y-%m-%d %H:%M")
    frame.columns = ["Källa", "Period", "Fil", "Lästa rader", "Inlästa rader",
                     "Karantänsatta rader", "Mottagen", "Status", "Vanligaste regler"]
    return frame


@dataclass
class DeliveryProblems:
    """What a run's terminal says of one delivery with rows it did not load: the counts,
    why it was refused (if it was), and its most frequent quarantine rules with their
    first lines."""

    source: str  # as the user reads it (SOURCE_NAMES)
    file: str
    period: str | None
    read: int
    loaded: int
    quarantined: int
    refusal: str | None = None
    kept_since: dt.datetime | None = None  # the earlier delivery loaded in a refused one's place
    rules: list[tuple[str, int, list[int]]] = field(default_factory=list)  # rule, count, lines


def problem_deliveries(con: duckdb.DuckDBPyConnection, months: list[str],
                       first_lines: int = 3) -> list[DeliveryProblems]:
    """The deliveries a run over `months` read (those of the months, and every file read
    whole) that it refused or whose rows it did not all load, and the returned packages
    with rejected rows: what the run prints, one line per delivery and per rule."""
    rows = con.execute("""
        SELECT d.source, d.file_name, d.period, d.rows_read, d.rows_loaded,
               d.rows_quarantined, d.status, d.refusal,
               (SELECT max(k.received_at) FROM raw.deliveries k WHERE k.source = d.source
                AND k.file_name = d.file_name AND k.period IS NOT DISTINCT FROM d.period
                AND k.status = 'current') AS kept_since
        FROM raw.deliveries d
        WHERE (d.period IS NULL OR d.period IN (SELECT unnest(?)))
          AND ((d.status = 'current' AND d.rows_quarantined > 0)
               OR (d.status = 'refused' AND d.replaced_at IS NULL))
          -- a ledger file refused is said once, not again for its balances
          AND NOT (d.source = 'account_balances' AND d.status = 'refused' AND EXISTS (
              SELECT 1 FROM raw.deliveries l WHERE l.source = 'ledger'
              AND l.status = 'refused' AND l.replaced_at IS NULL
              AND l.file_name = d.file_name))
        ORDER BY d.source, d.period NULLS FIRST, d.file_name, d.status
    """, [months]).fetchall()
    out = [DeliveryProblems(SOURCE_NAMES.get(r[0], r[0]), r[1], r[2], r[3], r[4], r[5],
                            r[7] if r[6] == "refused" else None,
                            r[8] if r[6] == "refused" else None) for r in rows]
    for problems, row in zip(out, rows, strict=True):
        if problems.refusal is None:
            problems.rules = _first_rules(con, row[0], row[1], row[2], first_lines)
    returned = con.execute(
        "SELECT file, count(*) FROM raw.quarantine WHERE source = 'returns' "
        "GROUP BY file ORDER BY file").fetchall()
    loaded = _returned_rows_loaded(con, [file for file, _ in returned])
    for file, count in returned:  # a returned file's good rows load beside its bad ones
        out.append(DeliveryProblems(SOURCE_NAMES["returns"], file, None,
                                    loaded.get(file, 0) + count, loaded.get(file, 0), count,
                                    rules=_first_rules(con, "returns", file, None,
                                                       first_lines)))
    return out


def _returned_rows_loaded(con: duckdb.DuckDBPyConnection, files: list[str]) -> dict[str, int]:
    """Per returned file, its rows the warehouse holds: an Avvikelser row with a comment or
    a forecast (one row however many of its cells were given), a goal report."""
    found: dict[str, int] = {}
    for file, n in con.execute("""
            SELECT source_file, count(*) FROM (
                SELECT source_file, source_line FROM raw.deviation_comments UNION
                SELECT source_file, source_line FROM raw.submitted_forecasts)
            WHERE source_file IN (SELECT unnest(?)) GROUP BY 1
            UNION ALL SELECT source_file, count(*) FROM raw.returned_goal_statuses
            WHERE source_file IN (SELECT unnest(?)) GROUP BY 1""", [files, files]).fetchall():
        found[file] = found.get(file, 0) + n
    return found


def _first_rules(con: duckdb.DuckDBPyConnection, source: str, file: str, period: str | None,
                 first_lines: int) -> list[tuple[str, int, list[int]]]:
    """A delivery's quarantine rules (their values left out), most frequent first, each
    with its count and first lines; a refused delivery's rows of the same file apart."""
    frame = con.execute(
        "SELECT line, rule FROM raw.quarantine WHERE source = ? AND file = ? AND "
        "(? IS NULL OR period = ? OR period IS NULL) AND rule NOT LIKE 'hela leveransen "
        "avvisas:%' ORDER BY line", [source, file, period, period]).df()
    if frame.empty:
        return []
    # a voucher with a row that cannot be read is quarantined whole (sie.py): its other
    # lines say so, and are said once, after the rules that caused them
    follows = frame["rule"].str.startswith("rad i verifikation ") | \
        frame["rule"].str.endswith("hela verifikationen sätts i karantän")
    frame["rule"] = frame["rule"].where(~follows, FOLLOWING_LINES)
    frame["group"] = frame["rule"].map(rule_group)
    frame["follows"] = follows
    grouped = frame.groupby("group", sort=False).agg(
        count=("line", "size"), example=("rule", "first"), follows=("follows", "first"),
        lines=("line", lambda lines: [int(v) for v in lines.dropna()[:first_lines]]))
    grouped = grouped.sort_values(["follows", "count"], ascending=[True, False], kind="stable")
    return [(example, int(count), lines)
            for example, count, lines in zip(grouped["example"], grouped["count"],
                                             grouped["lines"], strict=True)]


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
