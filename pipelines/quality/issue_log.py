"""The issue log (`quality.issue_log`): every issue the quality suites have found, kept after
it is corrected, so that Ekonomi can show what was found and corrected and the boards'
documents can say "12 fel i januari rättades i leveransen den 2025-02-05".

`quality.issues` holds only the latest run's issues per suite and period. The log has one
row per distinct issue: its key is the suite, the rule, the period and the issue's identity,
what stays the same when a corrected file is re-delivered (docs/quality.md#the-issue-log):

- a row rule's issue on a voucher: the file, the voucher (series and number) and the row's
  place in the voucher (its line after the `#VER` line), not the file's line, which moves
  when a row above it is removed;
- a row rule's issue on an HR row: the file and the employee (`person_key`, pseudonymised);
  on a row without a voucher (a supplier-invoice export): the file and the line;
- a set rule's issue: the file and the voucher when it has them, and the dimensions it
  names (IDENTIFYING), never an amount, a count or a line, which a correction changes.

Two issues of a run with the same identity (two rows of one voucher on the same account)
are numbered in file and line order (`nr=2`). `store` (run.py) updates the log in the same
transaction as `quality.issues`: an issue seen again gets its `last_seen` and one more run
(and is reopened if it had been corrected); a new one is added `öppen`; an open issue of a
rule that the run checked for its period and did not flag is `åtgärdad`, with the delivery
that corrected it. Nothing else changes: a rerun on unchanged data adds no row.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from pathlib import PurePath

import duckdb
import pandas as pd

from pipelines.quality.suites import Suite
from pipelines.text import display
from pipelines.warehouse_tables import has_table

OPEN, RESOLVED = "öppen", "åtgärdad"
LOG_DDL = """
    issue_key VARCHAR, suite VARCHAR, rule VARCHAR, period VARCHAR, identity VARCHAR,
    severity VARCHAR, file VARCHAR, line INTEGER, series VARCHAR, voucher_number VARCHAR,
    record_key VARCHAR, unit VARCHAR, detail VARCHAR, message_sv VARCHAR,
    first_seen TIMESTAMP, last_seen TIMESTAMP, runs INTEGER, status VARCHAR,
    resolved_at TIMESTAMP, resolved_delivery_id VARCHAR, resolved_file_name VARCHAR,
    resolved_received_at TIMESTAMP, reopened INTEGER"""
# the dimensions a set rule's issue names that identify it (in this order)
IDENTIFYING = ("account", "ansvar", "account_group", "cost", "what", "table", "column",
               "fiscal_year")
SKIPPED = "hoppades över"  # the note of a rule skipped for lack of reference data
INCOMING = ["issue_key", "identity", "run_at", "suite", "rule", "severity", "period", "file",
            "line", "series", "voucher_number", "record_key", "detail", "message_sv"]


@dataclass
class LogChanges:
    """What a run changed in the log."""
    new: int = 0  # issues not seen before
    seen_again: int = 0  # open issues seen again
    reopened: int = 0  # corrected issues seen again
    resolved: int = 0  # open issues the run no longer found


def _present(value) -> bool:
    return display(value, "") != ""


def identity(issue: dict, row_rule: bool) -> str:
    """What identifies the issue within its suite, rule and period (the module's doc)."""
    detail = json.loads(issue.get("detail") or "{}")
    parts: list[tuple[str, object]] = []
    if _present(issue.get("file")):
        parts.append(("fil", PurePath(str(issue["file"])).name))
    voucher = _present(issue.get("voucher_number"))
    if voucher:
        series = display(issue.get("series"), "")
        parts.append(("ver", f"{series} {issue['voucher_number']}".strip()))
    line = int(issue["line"]) if _present(issue.get("line")) else None
    if row_rule:
        if voucher and line is not None and _present(detail.get("voucher_line")):
            parts.append(("rad_i_ver", line - int(float(detail["voucher_line"]))))
        elif _present(detail.get("person_key")):
            parts.append(("person", detail["person_key"]))
        elif not voucher and line is not None:
            parts.append(("rad", line))
    else:
        parts += [(k, detail[k]) for k in IDENTIFYING if k in detail]
    return ";".join(f"{k}={v}" for k, v in parts)


def keyed(issues: list[dict], suites: list[Suite]) -> pd.DataFrame:
    """The run's issues with their key and identity; the same identity twice is numbered."""
    row_rules = {r.id for s in suites for r in s.rules if r.expectation is not None}
    frame = pd.DataFrame(issues, columns=[c for c in INCOMING if c not in ("issue_key",
                                                                          "identity")])
    frame["identity"] = [identity(i, i["rule"] in row_rules) for i in issues]
    frame["_line"] = pd.to_numeric(frame["line"], errors="coerce").fillna(-1)
    frame = frame.sort_values(["suite", "rule", "period", "identity", "_line", "detail"],
                              kind="stable").reset_index(drop=True)
    nth = frame.groupby(["suite", "rule", "period", "identity"]).cumcount() + 1
    frame["identity"] = [i if n == 1 else f"{i};nr={n}" if i else f"nr={n}"
                         for i, n in zip(frame["identity"], nth, strict=True)]
    frame["issue_key"] = frame["suite"] + "|" + frame["rule"] + "|" + frame["period"] + "|" \
        + frame["identity"]
    frame["run_at"] = pd.to_datetime(frame["run_at"])
    frame["line"] = pd.to_numeric(frame["line"], errors="coerce").astype("Int64")
    for column in ("file", "series", "voucher_number", "record_key"):
        frame[column] = frame[column].astype(object).where(frame[column].map(_present), None)
    return frame[INCOMING]


def checked(results: list[dict], suites: list[Suite]) -> pd.DataFrame:
    """(suite, rule, period, run_at, source) of every rule the run checked (not skipped)."""
    source = {s.suite: s.applies_to for s in suites}
    rows = [(r["suite"], r["rule"], r["period"], r["run_at"], source.get(r["suite"]))
            for r in results if not str(r.get("note") or "").startswith(SKIPPED)]
    frame = pd.DataFrame(rows, columns=["suite", "rule", "period", "run_at", "source"])
    frame["run_at"] = pd.to_datetime(frame["run_at"])
    return frame.drop_duplicates(["suite", "rule", "period"], keep="last")


def ensure_log(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("create schema if not exists quality")
    con.execute(f"create table if not exists quality.issue_log ({LOG_DDL})")


def has_log(con: duckdb.DuckDBPyConnection) -> bool:
    return has_table(con, "quality", "issue_log")


UNITS = """
    with wanted as (select distinct file, line from log_keyed where line is not null),
    row_units as (
        select t.source_file as file, t.source_line as line, min(t.ansvar) as ansvar
        from raw.ledger_transactions t
        join wanted on wanted.file = t.source_file and wanted.line = t.source_line
        where t.ansvar is not null group by 1, 2
    ),
    voucher_units as (
        select t.source_file as file, t.voucher_line as line, min(t.ansvar) as ansvar
        from raw.ledger_transactions t
        join wanted on wanted.file = t.source_file and wanted.line = t.voucher_line
        where t.ansvar is not null group by 1, 2
    )
    select i.*, coalesce(json_extract_string(i.detail, '$.ansvar'),
                         json_extract_string(i.detail, '$.unit_code'), v.ansvar, r.ansvar
                         ) as unit
    from log_keyed i
    left join row_units r on r.file = i.file and r.line = i.line
    left join voucher_units v on v.file = i.file and v.line = i.line
"""


def with_units(con: duckdb.DuckDBPyConnection, frame: pd.DataFrame) -> pd.DataFrame:
    """The unit (ansvar, enhet) of each issue as it is seen: its own, or its ledger row's or
    voucher's. Kept in the log: after a correction the row may be gone from the ledger."""
    con.register("log_keyed", frame)
    try:
        return con.execute(UNITS).df()
    finally:
        con.unregister("log_keyed")


SEEN_AGAIN = f"""
    update quality.issue_log l set
        severity = i.severity, file = i.file, line = i.line, series = i.series,
        voucher_number = i.voucher_number, record_key = i.record_key, unit = i.unit,
        detail = i.detail, message_sv = i.message_sv, last_seen = i.run_at,
        runs = l.runs + 1,
        reopened = l.reopened + case when l.status = '{RESOLVED}' then 1 else 0 end,
        status = '{OPEN}', resolved_at = null, resolved_delivery_id = null,
        resolved_file_name = null, resolved_received_at = null
    from log_incoming i
    where l.issue_key = i.issue_key
"""
NEW = f"""
    insert into quality.issue_log by name
    select issue_key, suite, rule, period, identity, severity, file, line, series,
        voucher_number, record_key, unit, detail, message_sv, run_at as first_seen,
        run_at as last_seen, 1 as runs, '{OPEN}' as status, 0 as reopened
    from log_incoming i
    where not exists (select 1 from quality.issue_log l where l.issue_key = i.issue_key)
    order by issue_key
"""
# open issues of a rule checked for their period and not flagged, with the delivery that
# corrected them: of the same file and period (or the file's whole year), else of the
# source the suite reads and a month the issue names (accrual_reversed: the next month),
# received after the issue was last seen and before the run that no longer found it
GONE = r"""
    gone as (
        select l.issue_key, l.last_seen, l.period, c.run_at as resolved_at, c.source,
            regexp_replace(l.file, '^.*[/\\]', '') as file_name,
            list_concat([l.period], regexp_extract_all(l.detail, '"(\d{4}-\d{2})"', 1))
                as periods
        from quality.issue_log l
        join log_checked c on c.suite = l.suite and c.rule = l.rule and c.period = l.period
        where l.status = ?
          and not exists (select 1 from log_incoming i where i.issue_key = l.issue_key)
    )
    select g.issue_key, g.resolved_at, d.delivery_id, d.file_name, d.received_at
    from gone g
    left join deliveries d
      on d.source in ('ledger', 'hr') and d.status <> 'refused'
     and d.received_at > g.last_seen and d.received_at <= g.resolved_at
     and ((d.file_name = g.file_name and (d.period = g.period or d.period is null))
          or (d.source = g.source and list_contains(g.periods, d.period)))
    qualify row_number() over (
        partition by g.issue_key
        order by d.file_name is not distinct from g.file_name desc,
                 d.period is not distinct from g.period desc, d.received_at desc nulls last,
                 d.delivery_id) = 1
"""
# the deliveries of the manifest; none in a warehouse without one
DELIVERIES = "deliveries as (select * from raw.deliveries),"
NO_DELIVERIES = """deliveries as (select null::varchar as delivery_id, null::varchar as source,
    null::varchar as period, null::varchar as file_name, null::timestamp as received_at,
    null::varchar as status where false),"""
RESOLVE = f"""
    update quality.issue_log l set
        status = '{RESOLVED}', resolved_at = g.resolved_at,
        resolved_delivery_id = g.delivery_id, resolved_file_name = g.file_name,
        resolved_received_at = g.received_at
    from log_gone g
    where l.issue_key = g.issue_key
"""


def _count(con: duckdb.DuckDBPyConnection, status: str) -> int:
    return con.execute("select count(*) from quality.issue_log l join log_incoming i "
                       "using (issue_key) where l.status = ?", [status]).fetchall()[0][0]


def update_log(con: duckdb.DuckDBPyConnection, issues: list[dict], results: list[dict],
               suites: list[Suite]) -> LogChanges:
    """Bring the log up to date with a run's issues and results (inside the caller's
    transaction; the caller stores the same run in quality.issues)."""
    ensure_log(con)
    incoming = with_units(con, keyed(issues, suites))
    con.register("log_incoming", incoming)
    con.register("log_checked", checked(results, suites))
    # (on an error the caller rolls back; the registered frames are replaced next time)
    changes = LogChanges(seen_again=_count(con, OPEN), reopened=_count(con, RESOLVED))
    changes.new = len(incoming) - changes.seen_again - changes.reopened
    con.execute(SEEN_AGAIN)
    con.execute(NEW)
    deliveries = DELIVERIES if _has_deliveries(con) else NO_DELIVERIES
    gone = con.execute(f"with {deliveries} {GONE}", [OPEN]).df()
    changes.resolved = len(gone)
    con.register("log_gone", gone)
    con.execute(RESOLVE)
    for name in ("log_gone", "log_incoming", "log_checked"):
        con.unregister(name)
    return changes


def _has_deliveries(con: duckdb.DuckDBPyConnection) -> bool:
    return has_table(con, "raw", "deliveries")


def read_log(con: duckdb.DuckDBPyConnection, through: str | None = None) -> pd.DataFrame:
    """The log (periods up to `through`), each issue with its board (as open_issues names it,
    from the unit it had when it was seen) and its rule's description."""
    from pipelines.quality.report import board_name, boards
    from pipelines.quality.suites import load_suites

    if not has_log(con):
        columns = [c.split()[0] for c in LOG_DDL.split(",")]
        return pd.DataFrame(columns=[*columns, "board", "description"])
    log = con.execute("select * from quality.issue_log where (? is null or period <= ?) "
                      "order by period, severity, rule, file, line, identity",
                      [through, through]).df()
    board_of = boards(con)
    descriptions = {r.id: r.description_sv for s in load_suites() for r in s.rules}
    return log.assign(board=[board_name(board_of, u) for u in log["unit"]],
                      description=log["rule"].map(descriptions))


SUMMARY_COLUMNS = ["period", "board", "severity", "status", "issues", "resolved_delivery_id",
                   "resolved_file_name", "resolved_received_at", "resolved_at"]


def found_and_corrected(con: duckdb.DuckDBPyConnection, through: str | None = None
                        ) -> pd.DataFrame:
    """What was found and corrected, per period and board: one row per period, board,
    severity, status and (for corrected issues) the delivery that corrected them, with the
    number of issues (SUMMARY_COLUMNS; `board` as open_issues names it). For the boards'
    documents: correction_sentences makes the sentence of a board's rows."""
    log = read_log(con, through)
    if log.empty:
        return pd.DataFrame(columns=SUMMARY_COLUMNS)
    keys = SUMMARY_COLUMNS[:4] + SUMMARY_COLUMNS[5:8]
    rows = (log.groupby(keys, dropna=False, sort=False)
            .agg(issues=("issue_key", "size"), resolved_at=("resolved_at", "max"))
            .reset_index())
    rows = rows.sort_values(["period", "board", "severity", "status", "resolved_received_at"],
                            na_position="last", kind="stable").reset_index(drop=True)
    return rows[SUMMARY_COLUMNS]


MONTHS = ("januari", "februari", "mars", "april", "maj", "juni", "juli", "augusti",
          "september", "oktober", "november", "december")
WHAT = {"error": ("fel", "fel"), "warn": ("varning", "varningar")}


def _corrected(rows: pd.DataFrame, severity: str) -> pd.DataFrame:
    """The corrected issues of `rows` (found_and_corrected) of a severity, each with the day
    it was put right (`day`) and whether a new delivery did it (`delivered`)."""
    done = rows[(rows["status"] == RESOLVED) & (rows["severity"] == severity)].copy()
    delivered = done["resolved_received_at"].notna()
    done["day"] = pd.to_datetime(done["resolved_received_at"].where(
        delivered, done["resolved_at"])).dt.date
    done["delivered"] = delivered
    return done


def _how(day: dt.date, by_delivery: bool, deliveries: int) -> str:
    return (f"rättades i {'leveransen' if deliveries == 1 else 'leveranserna'} den {day}"
            if by_delivery else f"åtgärdades den {day}")


def _month(period) -> str:
    return MONTHS[int(str(period)[5:7]) - 1]


def correction_sentences(rows: pd.DataFrame, severity: str = "error") -> list[str]:
    """The corrections of `rows` (found_and_corrected, e.g. one board's) as sentences, per
    period and day: "12 fel i januari rättades i leveransen den 2025-02-05"; an issue gone
    without a new delivery (the register or the rules changed): "... åtgärdades den ..."."""
    done = _corrected(rows, severity)
    sentences = []
    for (period, day, by_delivery), group in done.groupby(["period", "day", "delivered"],
                                                          sort=True):
        n = int(group["issues"].sum())
        sentences.append(f"{n} {WHAT[severity][0 if n == 1 else 1]} i {_month(period)} "
                         + _how(day, by_delivery, group["resolved_delivery_id"].nunique()))
    return sentences


def corrections_of(con: duckdb.DuckDBPyConnection, period_key: str,
                   board: str | None = None) -> list[str]:
    """What a board's document (`board` as open_issues names it; None: the kommun, every
    board) says of the errors of its year up to `period_key` that were found and corrected,
    a sentence per day: "2 fel i januari rättades i leveransen den 2025-02-05", or, of
    several months put right the same day, "14 fel rättades i leveranserna den 2025-09-03
    (3 i januari, 2 i februari, ...)"."""
    if not has_log(con):
        return []
    rows = found_and_corrected(con, period_key)
    rows = rows[rows["period"].astype(str).str.startswith(period_key[:4])]
    if board is not None:
        rows = rows[rows["board"] == board]
    done = _corrected(rows, "error")
    out = []
    for (day, by_delivery), group in done.groupby(["day", "delivered"], sort=True):
        months = group.groupby("period", sort=True)["issues"].sum()
        if len(months) == 1:
            out += correction_sentences(group)
            continue
        how = _how(day, by_delivery, group["resolved_delivery_id"].nunique())
        out.append(f"{int(months.sum())} fel {how} ("
                   + ", ".join(f"{int(n)} i {_month(p)}" for p, n in months.items()) + ")")
    return out
