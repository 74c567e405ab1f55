"""Run the quality suites on one month of loaded data.

The pandas route of toolchain.md: DuckDB prepares the month's slice (with the chart and the
organisation joined in, so row rules need no lookups) and streams it in chunks of at most
CHUNK_ROWS rows, Great Expectations validates each chunk with an ephemeral context (so the
step's memory does not grow with the month), and set rules run as DuckDB queries. Every
flagged row becomes an issue with its file and line and a Swedish message that tells Ekonomi
what to correct. GX is imported here, lazily: Dagster loads the definitions without it.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pandas as pd

from pipelines.quality.issue_log import LogChanges, update_log
from pipelines.quality.messages import message
from pipelines.quality.suites import EXPECTATIONS_DIR, Rule, Suite
from pipelines.text import display

LEDGER_SLICE = """
    select l.period, l.series, l.voucher_number, l.voucher_date, l.account, l.ansvar,
        l.project, l.activity_code, l.counterpart, l.amount, l.source_file as file,
        l.source_line as line, l.voucher_line,
        case
            when try_cast(substr(l.account, 1, 4) as integer) not between 3000 and 8999 then true
            else exists (
                select 1 from raw.org_units o
                where o.code = l.ansvar
                    -- a monthly export without dates: the month's last day
                    and coalesce(l.voucher_date, last_day(cast(l.period || '-01' as date)))
                        between coalesce(o.valid_from, date '1900-01-01')
                        and coalesce(o.valid_to, date '9999-12-31'))
        end as ansvar_valid,
        (not coalesce(a.requires_project, false) or l.project is not null)
            and (not coalesce(a.requires_counterpart, false) or l.counterpart is not null)
            as dimensions_complete,
        case
            when coalesce(a.requires_project, false) and l.project is null then 'projekt'
            when coalesce(a.requires_counterpart, false) and l.counterpart is null
                then 'motpart'
        end as missing_dimension,
        l.activity_code is null
            or try_cast(substr(l.account, 1, 4) as integer) between 3000 and 8999
            as pl_coding_on_result_account
    from raw.ledger_transactions l
    left join raw.accounts a on a.account = l.account
    where l.period = $period
    order by l.source_file, l.source_line
"""
HR_SLICE = """
    select h.period, h.person_key, h.unit_code, h.employment_rate, h.scheduled_hours,
        h.sick_hours, h.sick_hours_long, h.source_file as file, h.source_line as line,
        exists (
            select 1 from raw.org_units o
            where o.code = h.unit_code
                and coalesce(o.valid_from, date '1900-01-01')
                    <= last_day(cast(h.period || '-01' as date))
                and coalesce(o.valid_to, date '9999-12-31') >= cast(h.period || '-01' as date)
        ) as unit_valid
    from raw.hr_employee_months h
    where h.period = $period
    order by h.source_file, h.source_line
"""
SLICES = {"ledger": LEDGER_SLICE, "hr": HR_SLICE}
# rows of a month's slice in one DataFrame for Great Expectations: what bounds the quality
# step's memory, whatever the size of the month (about 0.5 KB a ledger row in pandas, so
# some 130 MB; a large kommun's month of 3.5 M rows took 1.8 GB in one piece). A few
# validations per month keep GX's fixed cost per validation small. None: the whole month.
CHUNK_ROWS = 250_000
VECTOR_ROWS = 2048  # DuckDB hands a result over in vectors of this many rows
# configurable tables that rules read with $name
QUERY_FILES = {"account_activity_rules": str(EXPECTATIONS_DIR / "account_activity_rules.csv")}
RESULTS_DDL = """
    run_at TIMESTAMP, suite VARCHAR, rule VARCHAR, severity VARCHAR, period VARCHAR,
    success BOOLEAN, element_count BIGINT, unexpected_count BIGINT, note VARCHAR"""
ISSUES_DDL = """
    run_at TIMESTAMP, suite VARCHAR, rule VARCHAR, severity VARCHAR, period VARCHAR,
    file VARCHAR, line INTEGER, series VARCHAR, voucher_number VARCHAR, record_key VARCHAR,
    detail VARCHAR, message_sv VARCHAR"""


@dataclass
class Outcome:
    results: list[dict] = field(default_factory=list)
    issues: list[dict] = field(default_factory=list)

    def extend(self, other: Outcome) -> None:
        self.results += other.results
        self.issues += other.issues


def references(con: duckdb.DuckDBPyConnection) -> dict[str, list[str]]:
    """Values that rules refer to with $name: the chart's accounts and its unbookable ones."""
    accounts = con.execute("select account, coalesce(is_summary, false) or "
                           "coalesce(is_blocked, false) from raw.accounts").fetchall()
    return {"chart_accounts": [a for a, _ in accounts],
            "summary_or_blocked_accounts": [a for a, unbookable in accounts if unbookable]}


SKIP_NOTES = {"chart": "hoppades över: ingen kontoplan inläst",
              "org_register": "hoppades över: inget organisationsregister inläst"}


def missing_references(con: duckdb.DuckDBPyConnection) -> set[str]:
    """Reference data that has not been loaded (a SIE file from elsewhere has no org)."""
    missing = set()
    if not con.execute("select count(*) from raw.accounts").fetchall()[0][0]:
        missing.add("chart")
    if not con.execute("select count(*) from raw.org_units").fetchall()[0][0]:
        missing.add("org_register")
    return missing


def _expectation(rule: Rule, refs: dict[str, list[str]]):
    import great_expectations as gx

    spec = dict(rule.expectation or {})
    kind = spec.pop("type")
    for key, value in spec.items():
        if isinstance(value, str) and value.startswith("$"):
            spec[key] = refs[value[1:]]
    cls = getattr(gx.expectations, "".join(w.capitalize() for w in kind.split("_")))
    # the Swedish description is what Data Docs shows for the expectation
    return cls(**spec, meta={"rule": rule.id, "severity": rule.severity},
               description=f"{rule.id} ({rule.severity}): {rule.description_sv}")


def _issue(run_at, suite: Suite, rule: Rule, period: str, row: dict) -> dict:
    detail = {k: display(v) for k, v in row.items() if display(v, "") != ""}
    return {
        "run_at": run_at, "suite": suite.suite, "rule": rule.id, "severity": rule.severity,
        "period": period, "file": row.get("file"), "line": row.get("line"),
        "series": row.get("series"), "voucher_number": row.get("voucher_number"),
        "record_key": f"period={period};rad={row['line']}" if suite.applies_to == "hr"
        and row.get("line") is not None else None,
        "detail": json.dumps(detail, ensure_ascii=False), "message_sv": message(rule, row),
    }


def run_suite(con: duckdb.DuckDBPyConnection, suite: Suite, period: str,
              run_at: dt.datetime | None = None, include_scans: bool = True,
              runner: GxRunner | None = None, chunk_rows: int | None = CHUNK_ROWS) -> Outcome:
    """One suite on one month; whole-warehouse scans only with `include_scans`. The row
    rules see the month's slice in DataFrames of at most `chunk_rows` rows (None: one)."""
    run_at = run_at or dt.datetime.now().replace(microsecond=0)
    out = Outcome()
    refs = references(con)
    missing = missing_references(con)
    rules = []
    for rule in suite.rules:
        lacking = [n for n in rule.needs if n in missing]
        if lacking:
            out.results.append(_result(run_at, suite, rule, period, None, 0,
                                       SKIP_NOTES[lacking[0]]))
        else:
            rules.append(rule)
    suite = suite.model_copy(update={"rules": rules})
    row_rules = [r for r in suite.rules if r.expectation is not None]  # GX on the slice
    if row_rules:  # every chunk validated before `con` runs anything else
        chunks = slice_chunks(con, SLICES[suite.applies_to], {"period": period}, chunk_rows)
        out.extend(_validate(chunks, suite, row_rules, refs, period, run_at, runner))
    for rule in (r for r in suite.rules if r.query is not None):
        params = {k: v for k, v in {"period": period, **QUERY_FILES}.items()
                  if f"${k}" in rule.query}
        cursor = con.execute(rule.query, params)
        columns = [d[0] for d in cursor.description]
        rows = [dict(zip(columns, values, strict=True)) for values in cursor.fetchall()]
        out.results.append(_result(run_at, suite, rule, period, None, len(rows)))
        out.issues += [_issue(run_at, suite, rule, period, row) for row in rows]
    for rule in (r for r in suite.rules if r.scan is not None and include_scans):
        rows = personal_identity_numbers(con)
        out.results.append(_result(run_at, suite, rule, period, None, len(rows)))
        out.issues += [_issue(run_at, suite, rule, period, row) for row in rows]
    return out


# a number of the shape standing alone (not inside a hex fingerprint or a code: a letter or
# digit on either side means it is part of something else)
PNR_SHAPE = r"(^|[^0-9A-Za-z])((19|20)?[0-9]{6}[-+]?[0-9]{4})([^0-9A-Za-z]|$)"


def is_personal_identity_number(text: str) -> bool:
    """YYMMDD-NNNC with a real date (day + 60 for samordningsnummer) and a valid check digit;
    an organisation number has the same shape but a month of 20 or more."""
    digits = "".join(c for c in text if c.isdigit())[-10:]
    month, day = int(digits[2:4]), int(digits[4:6])
    if not (1 <= month <= 12 and (1 <= day <= 31 or 61 <= day <= 91)):
        return False
    total = 0
    for i, ch in enumerate(digits[:9]):
        d = int(ch) * (2 if i % 2 == 0 else 1)
        total += d - 9 if d > 9 else d
    return (10 - total % 10) % 10 == int(digits[9])


def personal_identity_numbers(con: duckdb.DuckDBPyConnection) -> list[dict]:
    """Every text column of the warehouse that holds something like a personnummer."""
    columns = con.execute(  # tables only: a view shows what its tables hold
        "select c.table_schema, c.table_name, c.column_name "
        "from information_schema.columns c join information_schema.tables t "
        "on t.table_schema = c.table_schema and t.table_name = c.table_name "
        "where c.data_type = 'VARCHAR' and t.table_type = 'BASE TABLE' "
        "and c.table_schema not in ('information_schema', 'pg_catalog')").fetchall()
    found = []
    for schema, table, column in columns:
        # every number of the shape, alone or inside a text, checked for a date and check digit
        candidates = con.execute(
            f'select distinct unnest(regexp_extract_all("{column}", ?, 2)) '
            f'from "{schema}"."{table}" where regexp_matches("{column}", ?)',
            [PNR_SHAPE, PNR_SHAPE]).fetchall()
        hits = [v for (v,) in candidates if v and is_personal_identity_number(v)]
        if hits:
            found.append({"table": f"{schema}.{table}", "column": column, "count": len(hits),
                          "file": f"{schema}.{table}"})
    return found


def _result(run_at, suite: Suite, rule: Rule, period: str, elements: int | None,
            unexpected: int, note: str = "") -> dict:
    return {"run_at": run_at, "suite": suite.suite, "rule": rule.id, "severity": rule.severity,
            "period": period, "success": unexpected == 0, "element_count": elements,
            "unexpected_count": unexpected, "note": note}


class GxRunner:
    """One ephemeral Great Expectations context for a run: every suite and month validated in
    it, and (with `docs_dir`) Data Docs written there, indexed together."""

    def __init__(self, docs_dir: Path | None = None):
        import great_expectations as gx
        from great_expectations.data_context.types.base import ProgressBarsConfig

        self.gx = gx
        self.context = gx.get_context(mode="ephemeral")
        self.context.variables.progress_bars = ProgressBarsConfig(globally=False)
        self.docs = docs_dir is not None
        if docs_dir is not None:
            docs_dir.mkdir(parents=True, exist_ok=True)
            self.context.add_data_docs_site(site_name="uppfoljning", site_config={
                "class_name": "SiteBuilder",
                "store_backend": {"class_name": "TupleFilesystemStoreBackend",
                                  "base_directory": str(docs_dir)},
                "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"}})
        self.source = self.context.data_sources.add_pandas("uppfoljning")
        self.assets: dict[str, object] = {}
        self.suites: dict[str, object] = {}
        self.checkpoints: dict[str, object] = {}

    def validate(self, suite: Suite, rules: list[Rule], refs, period: str, frame: pd.DataFrame,
                 rows: tuple[int, int] | None = None):
        """The month's rows, or (`rows`: first and last, from 1) a chunk of them: one
        checkpoint per suite and month, run once per chunk; in Data Docs each chunk is a run
        named by its rows."""
        gx = self.gx
        if suite.suite not in self.assets:
            self.assets[suite.suite] = self.source.add_dataframe_asset(suite.suite)
            expectations = gx.ExpectationSuite(name=suite.suite)
            for rule in rules:
                expectations.add_expectation(_expectation(rule, refs))
            self.suites[suite.suite] = self.context.suites.add(expectations)
        name = f"{suite.suite} {period}"
        if name not in self.checkpoints:
            batch = self.assets[suite.suite].add_batch_definition_whole_dataframe(period)
            definition = self.context.validation_definitions.add(
                gx.ValidationDefinition(name=name, data=batch, suite=self.suites[suite.suite]))
            self.checkpoints[name] = self.context.checkpoints.add(gx.Checkpoint(
                name=name, validation_definitions=[definition], actions=[],
                result_format={"result_format": "COMPLETE"}))
        run_id = None
        if rows is not None:
            from great_expectations.core.run_identifier import RunIdentifier

            run_id = RunIdentifier(run_name=f"{period} rad {rows[0]}-{rows[1]}")
        result = self.checkpoints[name].run(batch_parameters={"dataframe": frame},
                                            run_id=run_id)
        self._release_batches()
        return next(iter(result.run_results.values()))

    def _release_batches(self) -> None:
        """Let go of the month's DataFrame: GX's pandas engine keeps every batch it has
        loaded (a large kommun's month is about 400 MB in pandas), and its context lives on
        after the run (GX keeps the project context as a module-level singleton)."""
        manager = self.source.get_execution_engine().batch_manager
        manager.reset_batch_cache()
        manager.batch_data_cache.clear()

    def build_docs(self) -> None:
        """Write Data Docs once for every validation of the run (not after each one)."""
        if self.docs:
            self.context.build_data_docs()


def slice_chunks(con: duckdb.DuckDBPyConnection, query: str, params: dict,
                 rows: int | None) -> Iterator[tuple[pd.DataFrame, int, bool]]:
    """A month's slice as DataFrames of at most `rows` rows (None: all in one), in the
    query's order: (chunk, its first row's number from 1, whether it is the last). Each chunk
    is indexed from 0, so Great Expectations' unexpected indexes are its positions. DuckDB
    streams the result (its sort stays within its memory_limit) and converts it as .df()
    does; `con` runs nothing else until the last chunk has been taken."""
    cursor = con.execute(query, params)
    if rows is None:
        yield cursor.df(), 1, True
        return
    if rows < 1:
        raise ValueError(f"chunk_rows must be at least 1, not {rows}")
    pending: list[pd.DataFrame] = []
    held, first, done = 0, 1, False
    while not done:
        # pieces of about an eighth of a chunk, so what is gathered is at most that much over
        piece = cursor.fetch_df_chunk(max(1, rows // (8 * VECTOR_ROWS)))
        done = piece.empty
        if not done:
            pending.append(piece)
            held += len(piece)
        del piece
        # more than a chunk held: this chunk is not the last
        while held > rows or (done and held):
            frame = pending[0] if len(pending) == 1 else pd.concat(pending, ignore_index=True)
            rest = frame.iloc[rows:].reset_index(drop=True).copy()  # not a view of frame
            pending, held = ([rest] if len(rest) else []), len(rest)
            chunk = frame.iloc[:rows]
            del frame, rest
            yield chunk, first, done and not held
            first += len(chunk)
            del chunk  # let it go before the next chunk is gathered


def _validate(chunks: Iterator[tuple[pd.DataFrame, int, bool]], suite: Suite,
              rules: list[Rule], refs, period: str, run_at, runner: GxRunner | None
              ) -> Outcome:
    """The row rules on the month's slice, chunk by chunk: per rule, the rows checked and
    flagged are summed over the chunks, and every flagged row of a chunk is an issue (its
    unexpected indexes are positions in the chunk). Results and issues come in the order of
    one validation of the whole month."""
    by_id = {r.id: r for r in rules}
    order: list[str] = []  # the rules in the order GX reports them
    checked: dict[str, int] = defaultdict(int)
    unexpected: dict[str, int] = defaultdict(int)
    issues: dict[str, list[dict]] = defaultdict(list)
    for frame, first, last in chunks:
        if frame.empty:
            continue
        runner = runner or GxRunner()
        rows = None if first == 1 and last else (first, first + len(frame) - 1)
        validation = runner.validate(suite, rules, refs, period, frame, rows)
        for result in validation.results:
            rule = by_id[result.expectation_config.meta["rule"]]
            if rule.id not in checked:
                order.append(rule.id)
            flagged = result.result.get("unexpected_index_list") or []
            checked[rule.id] += result.result.get("element_count", len(frame))
            unexpected[rule.id] += len(flagged)
            # only the flagged rows become dicts: a month can have millions of rows
            issues[rule.id] += [_issue(run_at, suite, rule, period, row)
                                for row in frame.iloc[flagged].to_dict("records")]
        del frame, validation  # not held while the next chunk is gathered
    out = Outcome()
    if not order:
        out.results += [_result(run_at, suite, r, period, 0, 0, "inga rader") for r in rules]
    for rule_id in order:
        out.results.append(_result(run_at, suite, by_id[rule_id], period, checked[rule_id],
                                   unexpected[rule_id]))
        out.issues += issues[rule_id]
    return out


def store(con: duckdb.DuckDBPyConnection, outcome: Outcome, suites: list[Suite],
          periods: list[str]) -> LogChanges:
    """Replace these suites' and periods' issues, keep all results, update quality.issue_log."""
    con.execute("create schema if not exists quality")
    con.execute(f"create table if not exists quality.check_results ({RESULTS_DDL})")
    con.execute(f"create table if not exists quality.issues ({ISSUES_DDL})")
    con.execute("begin transaction")
    try:
        con.execute("delete from quality.issues where suite in (select unnest(?)) and "
                    "period in (select unnest(?))", [[s.suite for s in suites], periods])
        for table, rows in (("check_results", outcome.results), ("issues", outcome.issues)):
            if rows:
                con.register("incoming_quality", pd.DataFrame(rows))
                con.execute(f"insert into quality.{table} by name select * from "
                            "incoming_quality")
                con.unregister("incoming_quality")
        changes = update_log(con, outcome.issues, outcome.results, suites)
        con.execute("commit")
        return changes
    except Exception:
        con.execute("rollback")
        raise
