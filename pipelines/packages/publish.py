"""Make the packages of one follow-up period: every board and the kommun total, each an Excel
workbook and a PDF. A package whose gate is clear goes to `<reports>/paket/<period>/`; a
blocked one is written as a marked draft to `<reports>/paket/<period>/utkast/` with the
rules that block it. Every package issued is recorded in `reports.issued_packages`, which
the return reader checks a returned workbook against."""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pandas as pd

from pipelines.packages import content, gate, pdf, workbook
from pipelines.packages.deadlines import deadline_details, deadline_items, deadline_status
from pipelines.quality.reconciliation import reconciliation_differences
from pipelines.warehouse_tables import has_table

ISSUED_DDL = """
    package_id VARCHAR NOT NULL, period VARCHAR NOT NULL, board VARCHAR, scope_name VARCHAR,
    published BOOLEAN, blockers VARCHAR, workbook VARCHAR, pdf VARCHAR, issued_at TIMESTAMP"""


@dataclass
class Issued:
    package: content.Package
    package_id: str
    workbook: Path
    pdf: Path

    @property
    def published(self) -> bool:
        return self.package.published


def folder(reports: Path, period_key: str, published: bool) -> Path:
    base = reports / "paket" / period_key
    return base if published else base / "utkast"


def make_packages(con: duckdb.DuckDBPyConnection, municipality: str, reports: Path,
                  period_key: str, board: str | None = None,
                  progress=None) -> list[Issued]:
    """The period's packages (or one board's, `board`); the kommun total comes with all."""
    year, month = content.follow_up_period(period_key)
    scopes = [board] if board else [s.code for s in content.boards(con, year, month)] + [None]
    checks = period_checks(con, period_key)
    day = data_day(con)
    issued = []
    for code in scopes:
        package = package_of(con, municipality, period_key, code, checks)
        target = folder(reports, period_key, package.published)
        stem = f"uppfoljning_{period_key}_{package.scope.file_stem}"
        if not package.published:  # a package withdrawn: its board is blocked again
            for old in folder(reports, period_key, True).glob(f"{stem}.*"):
                old.unlink()
        # a draft stays when the board is later published: what the board was sent, and
        # what the data-quality report found then (reports.issued_packages has every issue)
        document = pdf.write_pdf(package, target / f"{stem}.pdf", day)
        # the package's id is its PDF's fingerprint: the same data makes the same package,
        # byte for byte, workbook included (its hidden sheet carries the id)
        digest = hashlib.sha256(document.read_bytes()).hexdigest()[:12]
        package_id = f"{period_key}:{code or 'kommunen'}:{digest}"
        xlsx = workbook.write_workbook(package, target / f"{stem}.xlsx", package_id, day)
        issued.append(Issued(package, package_id, xlsx, document))
        if progress:
            progress(package)
    _record(con, issued)
    return issued


def package_of(con: duckdb.DuckDBPyConnection, municipality: str, period_key: str,
               code: str | None, checks: tuple[pd.DataFrame | None, list[str]]
               ) -> content.Package:
    """One board's package (the kommun's for None) with its blockers and, for the kommun,
    the tidplan's follow-up of who has answered; `checks` from period_checks."""
    issues, differences = checks
    package = content.read_package(con, municipality, period_key, code, issues)
    package.blockers = gate.blockers(con, package, differences)
    if code is None:
        items = deadline_items(con, period_key)
        package.deadlines = deadline_status(items)
        package.deadline_details = deadline_details(items)
    return package


def period_checks(con: duckdb.DuckDBPyConnection, period_key: str
                  ) -> tuple[pd.DataFrame | None, list[str]]:
    """What every package of the period reads alike, read once: the open quality issues
    through the period (None without a quality run) and the reconciliation's differences."""
    return content.quality_issues(con, period_key), reconciliation_differences(con)


def data_day(con: duckdb.DuckDBPyConnection) -> dt.date:
    """The day the warehouse's data last changed (the newest current delivery): the date
    the PDFs carry, so that the same warehouse gives the same bytes on any day."""
    found = None
    if has_table(con, "raw", "deliveries"):
        found = con.execute("select max(received_at) from raw.deliveries "
                            "where status = 'current'").fetchall()[0][0]
    return found.date() if found is not None else dt.date.today()


def latest_issued(con: duckdb.DuckDBPyConnection, periods: list[str]) -> pd.DataFrame:
    """The latest package issued of each board (the kommun's: board null) in `periods`:
    what the boards were last given. Empty before any package is made."""
    columns = ["period", "board", "scope_name", "published", "blockers", "workbook", "pdf"]
    if not has_table(con, "reports", "issued_packages"):
        return pd.DataFrame(columns=columns)
    marks = ", ".join("?" for _ in periods)
    return con.execute(
        f"select {', '.join(columns)} from reports.issued_packages where period in ({marks}) "
        "qualify row_number() over (partition by period, board order by issued_at desc) = 1 "
        "order by period, board nulls last", periods).df()


def _record(con: duckdb.DuckDBPyConnection, issued: list[Issued]) -> None:
    con.execute("create schema if not exists reports")
    con.execute(f"create table if not exists reports.issued_packages ({ISSUED_DDL})")
    now = dt.datetime.now().replace(microsecond=0)
    con.executemany("insert into reports.issued_packages values (?, ?, ?, ?, ?, ?, ?, ?, ?)", [
        [i.package_id, i.package.period_key, i.package.scope.code, i.package.scope.name,
         i.published, "; ".join(i.package.blockers), str(i.workbook), str(i.pdf), now]
        for i in issued])
