"""Whether a run would rebuild what the last one built, identically: the fingerprint of what
goes into it.

A run's output (raw tables, marts, quality issues, the read copy, the packages) is a function
of its inputs: the delivered files, the returned packages, the config, the pseudonym key and
the program itself (pipelines/, the dbt project, the rules, the templates). The packages
carry the data day, not the day they were made (publish.data_day), so the calendar is no
input. `fingerprint` hashes all of it; a successful run records it in the warehouse
(raw.completed_runs) and the next run with the same fingerprint has nothing to do.

Conservative on purpose:
- a config with an ERP database source has no fingerprint (a table can change without a
  file changing): every run of it does the work;
- a run forgets the recorded fingerprint before it starts, so a run that is killed or fails
  leaves none, and the next run does the work again;
- the published read copy and the packages the record lists must still exist.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
from functools import lru_cache
from pathlib import Path

import duckdb

from pipelines.config import Config, DatabaseSource
from pipelines.packages.returns import RETURNS_FOLDER
from pipelines.warehouse_tables import has_table

REPO = Path(__file__).resolve().parents[1]
# what of the program decides the numbers and documents a run makes
PROGRAM = ("pipelines", "dbt_project/models", "dbt_project/macros", "dbt_project/seeds",
           "dbt_project/tests", "dbt_project/dbt_project.yml", "expectations",
           "reports/templates")
TABLE = "raw.completed_runs"
DDL = ("fingerprint VARCHAR NOT NULL, month_from VARCHAR, month_to VARCHAR, "
       "packages BOOLEAN, finished_at TIMESTAMP")


def _file_digest(path: Path) -> str:
    with path.open("rb") as f:
        return hashlib.file_digest(f, "sha256").hexdigest()


@lru_cache(maxsize=1)
def program_digest() -> str:
    """One hash of every file of the program that decides what a run makes."""
    h = hashlib.sha256()
    for top in PROGRAM:
        root = REPO / top
        files = [root] if root.is_file() else sorted(
            p for p in root.rglob("*") if p.is_file() and "__pycache__" not in p.parts)
        for p in files:
            h.update(f"{p.relative_to(REPO)}\0{_file_digest(p)}\n".encode())
    return h.hexdigest()


def _source_patterns(config: Config) -> list[str] | None:
    """Every path pattern the config's sources name; None when one is an ERP database."""
    patterns = []
    for _, value in config.sources:
        for src in value if isinstance(value, list) else [value]:
            if src is None:
                continue
            if isinstance(src, DatabaseSource):
                return None
            patterns.append(src.path)
    return patterns


def fingerprint(config: Config, config_path: Path, months: list[str],
                packages: bool) -> str | None:
    """The hash of everything the run over `months` reads; None when it cannot be known
    (an ERP database source)."""
    patterns = _source_patterns(config)
    if patterns is None:
        return None
    h = hashlib.sha256()
    h.update(f"program\0{program_digest()}\n".encode())
    h.update(f"config\0{_file_digest(Path(config_path))}\n".encode())
    key = os.environ.get(config.pseudonym_key_env, "")  # the key itself is never stored
    h.update(f"key\0{hashlib.sha256(key.encode()).hexdigest()}\n".encode())
    h.update(f"run\0{months[0]}\0{months[-1]}\0{packages}\n".encode())
    returned = config.landing_path / RETURNS_FOLDER
    files = {p for pattern in patterns for p in config.files(pattern)}
    files |= {p for p in returned.rglob("*") if p.is_file()} if returned.is_dir() else set()
    for p in sorted(files):
        h.update(f"{p}\0{_file_digest(p)}\n".encode())
    return h.hexdigest()


def _outputs_exist(con: duckdb.DuckDBPyConnection, config: Config, months: list[str]) -> bool:
    """The read copy and the newest package documents of the run's months are in place."""
    if not config.read_copy_path.exists():
        return False
    if not has_table(con, "reports", "issued_packages"):
        return True
    documents = con.execute(
        "select workbook, pdf from reports.issued_packages where period between ? and ? "
        "qualify row_number() over (partition by period, board order by issued_at desc) = 1",
        [months[0], months[-1]]).fetchall()
    return all(Path(p).exists() for row in documents for p in row if p)


def unchanged_since(con: duckdb.DuckDBPyConnection, config: Config, fingerprint_: str | None,
                    months: list[str]) -> dt.datetime | None:
    """When the last run with this fingerprint finished, if it is the warehouse's last run
    and what it made is still there; else None."""
    if fingerprint_ is None or not has_table(con, "raw", "completed_runs"):
        return None
    found = con.execute(f"select finished_at from {TABLE} where fingerprint = ?",
                        [fingerprint_]).fetchone()
    if found is None or not _outputs_exist(con, config, months) \
            or _comments_closed_since(con, months):
        return None
    return found[0]


def _comments_closed_since(con: duckdb.DuckDBPyConnection, months: list[str]) -> bool:
    """Whether a package of the months is a draft waiting for the units' comments whose last
    day has passed since: the board's document is due now, though no file has changed."""
    from pipelines.packages.gate import COMMENTS, comments_due

    if not has_table(con, "reports", "issued_packages"):
        return False
    waiting = {period for (period,) in con.execute(
        "select period from reports.issued_packages where period between ? and ? "
        "qualify row_number() over (partition by period, board order by issued_at desc) = 1 "
        "and not published and blockers like ?", [months[0], months[-1], f"%{COMMENTS}:%"]
    ).fetchall()}
    return any(comments_due(con, period) is None for period in waiting)


def forget(con: duckdb.DuckDBPyConnection) -> None:
    """A run begins: whatever it leaves half done, no record says the warehouse is current."""
    con.execute("create schema if not exists raw")
    con.execute(f"create table if not exists {TABLE} ({DDL})")
    con.execute(f"delete from {TABLE}")


def record(con: duckdb.DuckDBPyConnection, fingerprint_: str | None, months: list[str],
           packages: bool) -> None:
    """A run succeeded: the warehouse is what this fingerprint builds."""
    forget(con)
    if fingerprint_ is not None:
        con.execute(f"insert into {TABLE} values (?, ?, ?, ?, ?)",
                    [fingerprint_, months[0], months[-1], packages,
                     dt.datetime.now().replace(microsecond=0)])
