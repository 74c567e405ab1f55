"""The warehouse's `raw` schema: one table per source entity, plus the quarantine.

Loads replace the rows of the partitions (or the whole table) they load, and the quarantine
rows of the same scope, in one transaction: all or nothing. What a load reads from files is
first staged, committed chunk by chunk, in a table of its own (`staged`), so the one
transaction moves rows already on disk instead of holding a year of them uncommitted.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager

import duckdb
import pandas as pd

from pipelines.ingest.landing import ensure_manifest

DDL = {
    "org_units": """
        code VARCHAR NOT NULL, name VARCHAR, level VARCHAR NOT NULL, parent_code VARCHAR,
        valid_from DATE, valid_to DATE, activity_code VARCHAR,
        source_file VARCHAR, source_line INTEGER""",
    "ledger_transactions": """
        period VARCHAR NOT NULL, series VARCHAR, voucher_number VARCHAR, voucher_date DATE,
        voucher_text VARCHAR, registration_date DATE, row_number INTEGER, account VARCHAR,
        ansvar VARCHAR, project VARCHAR, activity_code VARCHAR, counterpart VARCHAR,
        objects VARCHAR, amount DECIMAL(18, 2), transaction_date DATE, transaction_text VARCHAR,
        row_kind VARCHAR, source_file VARCHAR, source_line INTEGER, voucher_line INTEGER""",
    "budget_lines": """
        version VARCHAR NOT NULL, fiscal_year INTEGER, period VARCHAR, account VARCHAR,
        ansvar VARCHAR, project VARCHAR, counterpart VARCHAR, amount DECIMAL(18, 2),
        source_file VARCHAR, source_line INTEGER""",
    "hr_employee_months": """
        period VARCHAR NOT NULL, person_key VARCHAR NOT NULL, gender VARCHAR,
        birth_year INTEGER, unit_code VARCHAR, employment_type VARCHAR, employed_from DATE,
        employed_to DATE, employment_rate DOUBLE, scheduled_hours DOUBLE, sick_hours DOUBLE,
        sick_hours_long DOUBLE, overtime_hours DOUBLE, additional_hours DOUBLE,
        personnel_cost DOUBLE, source_file VARCHAR, source_line INTEGER""",
    "accounts": """
        account VARCHAR NOT NULL, name VARCHAR, account_type VARCHAR, is_summary BOOLEAN,
        is_blocked BOOLEAN, requires_project BOOLEAN, requires_counterpart BOOLEAN,
        source_file VARCHAR, source_line INTEGER""",
    # #IB/#UB/#RES of the SIE files; file_order: the file's place in the delivery order;
    # first_period, last_period: the months of the fiscal year (#RAR), 'YYYY-MM'
    "account_balances": """
        fiscal_year INTEGER NOT NULL, balance_kind VARCHAR NOT NULL, account VARCHAR NOT NULL,
        amount DECIMAL(18, 2), file_order INTEGER, source_file VARCHAR, source_line INTEGER,
        first_period VARCHAR, last_period VARCHAR""",
    # the ekonomisk tidplan: per follow-up period its dates (the goals issue adds the rest)
    "follow_up_calendar": """
        period VARCHAR NOT NULL, kind VARCHAR, name VARCHAR, data_cutoff DATE,
        board_meetings DATE, executive_committee DATE, council DATE, source_file VARCHAR,
        source_line INTEGER""",
    # the tidplan's comment deadlines: per follow-up period and level (enhet, delmal, ...)
    "comment_deadlines": """
        period VARCHAR NOT NULL, level VARCHAR NOT NULL, deadline DATE, source_file VARCHAR,
        source_line INTEGER""",
    # the goals file: KF's areas and styrtal, financial goals, nämndmål, delmål, aktiviteter
    "goals": """
        fiscal_year INTEGER, goal_id VARCHAR NOT NULL, goal_kind VARCHAR, parent_goal_id VARCHAR,
        board_code VARCHAR, strategic_area_id VARCHAR, name VARCHAR, target_value DOUBLE,
        unit VARCHAR, direction VARCHAR, kolada_kpi VARCHAR, computation VARCHAR,
        responsible_unit VARCHAR, sort_order INTEGER, source_file VARCHAR, source_line INTEGER""",
    "goal_statuses": """
        goal_id VARCHAR NOT NULL, period VARCHAR NOT NULL, status VARCHAR, comment VARCHAR,
        submitted_on DATE, submitted_by VARCHAR, source_file VARCHAR, source_line INTEGER""",
    "kpi_outcomes": """
        kpi VARCHAR NOT NULL, municipality VARCHAR, year INTEGER, gender VARCHAR, value DOUBLE,
        is_own_municipality BOOLEAN, source_file VARCHAR, source_line INTEGER""",
    "dimension_objects": """
        dimension VARCHAR NOT NULL, code VARCHAR NOT NULL, name VARCHAR, source_file VARCHAR,
        source_line INTEGER""",
    # filled by the follow-up packages' round trip: what units send back
    "submitted_forecasts": """
        fiscal_year INTEGER NOT NULL, period INTEGER NOT NULL, org_unit_code VARCHAR NOT NULL,
        cost_category VARCHAR NOT NULL, forecast_annual DECIMAL(18, 2), submitted_by VARCHAR,
        submitted_at TIMESTAMP, source_file VARCHAR, source_line INTEGER""",
    "deviation_comments": """
        fiscal_year INTEGER NOT NULL, period INTEGER NOT NULL, org_unit_code VARCHAR NOT NULL,
        cost_category VARCHAR NOT NULL, comment VARCHAR, cause VARCHAR, action VARCHAR,
        responsible VARCHAR, action_plan_status VARCHAR, submitted_at TIMESTAMP,
        source_file VARCHAR, source_line INTEGER""",
    "balance_requirement_decisions": """
        fiscal_year INTEGER NOT NULL, item VARCHAR NOT NULL, amount DECIMAL(18, 2),
        decision VARCHAR, source_file VARCHAR, source_line INTEGER""",
    "returned_goal_statuses": """
        goal_id VARCHAR NOT NULL, period VARCHAR NOT NULL, status VARCHAR, comment VARCHAR,
        submitted_on DATE, submitted_by VARCHAR, source_file VARCHAR, source_line INTEGER""",
    # months whose rows a load changed beyond its own partitions (a file read whole, new or
    # corrected): the next dbt build rebuilds them too, then clears them
    "months_to_rebuild": """
        period VARCHAR NOT NULL, source_table VARCHAR, noted_at TIMESTAMP""",
    # ... and the months the quality suites check again with the next run (quality.issues)
    "months_to_recheck": """
        period VARCHAR NOT NULL, source_table VARCHAR, noted_at TIMESTAMP""",
    "quarantine": """
        source VARCHAR NOT NULL, file VARCHAR, line INTEGER, raw VARCHAR, rule VARCHAR,
        period VARCHAR""",
}


def columns_of(table: str) -> list[str]:
    """Column names of a raw table (commas inside DECIMAL(18, 2) do not split)."""
    return [c.split()[0] for c in re.split(r",(?![^(]*\))", DDL[table]) if c.strip()]


def ensure_raw_schema(con: duckdb.DuckDBPyConnection) -> None:
    """Create the raw tables and the manifest of deliveries; add columns a newer version
    introduced to an older warehouse."""
    ensure_manifest(con)
    for table, columns in DDL.items():
        con.execute(f"CREATE TABLE IF NOT EXISTS raw.{table} ({columns})")
        have = {c for (c,) in con.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_schema = 'raw' "
            "AND table_name = ?", [table]).fetchall()}
        for definition in re.split(r",(?![^(]*\))", columns):
            name, _, type_ = definition.strip().partition(" ")
            if name and name not in have:
                con.execute(f"ALTER TABLE raw.{table} ADD COLUMN {name} "
                            f"{type_.replace('NOT NULL', '').strip()}")


def _insert(con: duckdb.DuckDBPyConnection, table: str, frame: pd.DataFrame,
            into: str | None = None) -> None:
    """Insert `frame` by column name into raw.`table` (or `into`, a table of its columns)."""
    if frame.empty:
        return
    select = []
    for c in columns_of(table):
        if c == "amount" and "amount_ore" in frame.columns:
            select.append("CAST(amount_ore AS DECIMAL(18, 0)) / 100 AS amount")
        elif c in frame.columns:
            select.append(c)
        else:
            select.append(f"NULL AS {c}")
    con.register("incoming", frame)
    try:
        con.execute(f"INSERT INTO {into or 'raw.' + table} SELECT {', '.join(select)} "
                    f"FROM incoming")
    finally:
        con.unregister("incoming")


class Replacement:
    """An open load: rows go in as they are read; see `replacing`."""

    def __init__(self, con: duckdb.DuckDBPyConnection, table: str):
        self.con, self.table = con, table

    def insert(self, frame: pd.DataFrame) -> None:
        _insert(self.con, self.table, frame)

    def quarantine(self, frame: pd.DataFrame) -> None:
        _insert(self.con, "quarantine", frame)

    def insert_staged(self, staging: Staging) -> None:
        """Move what `staging` holds into the table, inside this load's transaction."""
        self.con.execute(f"INSERT INTO raw.{self.table} SELECT * FROM {staging.name}")

    def rebuild_beyond(self, months: list[str], files: list[str]) -> list[str]:
        """Note the months `files` (read whole, new or corrected) hold beyond `months`: the
        next dbt build rebuilds them, the next quality run checks them again. Returns them."""
        beyond = sorted(m for (m,) in self.con.execute(
            f"SELECT DISTINCT period FROM raw.{self.table} WHERE source_file IN "
            f"(SELECT unnest(?)) AND period NOT IN (SELECT unnest(?))", [files, months]
        ).fetchall())
        for note in ("months_to_rebuild", "months_to_recheck") if beyond else ():
            self.con.executemany(f"INSERT INTO raw.{note} VALUES (?, ?, now())",
                                 [[m, self.table] for m in beyond])
        return beyond


class Staging:
    """Rows read for a load, each chunk committed on arrival; see `staged`."""

    def __init__(self, con: duckdb.DuckDBPyConnection, table: str):
        self.con, self.table, self.name = con, table, f"raw.staged_{table}"

    def insert(self, frame: pd.DataFrame) -> None:
        _insert(self.con, self.table, frame, into=self.name)


@contextmanager
def staged(con: duckdb.DuckDBPyConnection, table: str) -> Iterator[Staging]:
    """A table of `table`'s columns for the rows of one load, dropped afterwards.

    Each insert commits (no transaction is open), so DuckDB writes the rows to disk as they
    come instead of keeping a whole load's rows in memory until one commit; `replacing` then
    moves them in its transaction. A table left by a killed run is replaced, not reused."""
    ensure_raw_schema(con)
    staging = Staging(con, table)
    con.execute(f"CREATE OR REPLACE TABLE {staging.name} AS SELECT * FROM raw.{table} LIMIT 0")
    try:
        yield staging
    finally:
        con.execute(f"DROP TABLE IF EXISTS {staging.name}")


@contextmanager
def replacing(con: duckdb.DuckDBPyConnection, table: str, source: str,
              months: list[str] | None = None, whole_files: list[str] = ()
              ) -> Iterator[Replacement]:
    """Replace a load in one transaction: all or nothing.

    With `months` (a monthly partition or a range), the rows of those periods are replaced,
    and every row of the files that are read whole (not monthly), whatever its month: those
    of this load (`whole_files`) and those an earlier load read whole (the manifest knows
    them), so a file renamed or dropped from the config leaves nothing behind. Without
    `months`, the whole table. The source's quarantine rows of the same scope go with them.
    """
    ensure_raw_schema(con)
    con.execute("BEGIN TRANSACTION")
    try:
        if months is None:
            con.execute(f"DELETE FROM raw.{table}")
            con.execute("DELETE FROM raw.quarantine WHERE source = ?", [source])
        else:
            names = sorted(set(whole_files) | _read_whole_before(con, source))
            marks = ", ".join("?" for _ in months) or "NULL"
            con.execute(f"DELETE FROM raw.{table} WHERE period IN ({marks}) "
                        f"OR source_file IN (SELECT unnest(?))", [*months, names])
            con.execute(f"DELETE FROM raw.quarantine WHERE source = ? AND (period IN ({marks}) "
                        f"OR file IN (SELECT unnest(?)))", [source, *months, names])
        yield Replacement(con, table)
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise


def _read_whole_before(con: duckdb.DuckDBPyConnection, source: str) -> set[str]:
    """The files of `source` that earlier loads read whole (period NULL in the manifest)."""
    if not con.execute("SELECT count(*) FROM information_schema.tables WHERE "
                       "table_schema = 'raw' AND table_name = 'deliveries'").fetchone()[0]:
        return set()
    return {name for (name,) in con.execute(
        "SELECT DISTINCT file_name FROM raw.deliveries WHERE source = ? AND period IS NULL",
        [source]).fetchall()}
