"""The published copy of the warehouse for its readers (controllers' DBeaver, Excel over ODBC,
notebooks), and waiting for the writer's lock.

DuckDB lets one process write a file, or many read it, never both: a controller's open
connection to the warehouse would stop the nightly run, and a reader could see a mart half
rebuilt. So readers open the published copy instead (`read_copy` in the config, by default
`publicerad/uppfoljning.duckdb` beside the warehouse). After each successful build it is
written whole to a temporary file beside it and moved into place in one rename: a reader
sees the last complete state, and one that still has the previous copy open keeps reading
it (its file stays until it closes) and never holds the writer's lock.
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import duckdb

from pipelines.errors import InputError

T = TypeVar("T")

# what readers query: the marts, the quality issues and results, the seeds that name the
# marts' codes (cost categories, levels), the packages issued
PUBLISHED_SCHEMAS = ("marts", "quality", "seeds", "reports")
LOCK_HOLDER = re.compile(r"Conflicting lock is held in (.+?) \(PID (\d+)\)")


class WarehouseLocked(InputError):
    """The warehouse file is held by another process for longer than the configured wait."""


def lock_holder(error: Exception) -> str:
    """The process DuckDB names as holding the lock: "python3.11 (PID 1234)"."""
    found = LOCK_HOLDER.search(str(error))
    return f"{Path(found.group(1)).name} (PID {found.group(2)})" if found else "okänd process"


def is_lock_error(error: Exception) -> bool:
    return isinstance(error, duckdb.IOException) and "lock" in str(error).lower()


_gave_up: set[str] = set()  # files this process waited for in vain: the run's other steps
# fail at once instead of each waiting again (a run's steps share its process)


def while_locked(attempt: Callable[[], T], wait_seconds: float,
                 sleep: Callable[[float], None] = time.sleep) -> T:
    """`attempt()`, tried again (after 0.5 s, then twice as long, at most 10 s) while another
    process holds the DuckDB file's lock, for up to `wait_seconds`; then the lock's error."""
    deadline, delay = time.monotonic() + wait_seconds, 0.5
    while True:
        try:
            return attempt()
        except duckdb.IOException as error:
            if not is_lock_error(error) or time.monotonic() + delay > deadline:
                raise
            sleep(delay)
            delay = min(delay * 2, 10.0)


def connect_waiting(path: str, read_only: bool, wait_seconds: float,
                    sleep: Callable[[float], None] = time.sleep,
                    settings: dict[str, str] | None = None) -> duckdb.DuckDBPyConnection:
    """Open the warehouse, waiting up to `wait_seconds` while another process holds it;
    then one line that names the process (WarehouseLocked). `settings`: DuckDB's
    (memory_limit, threads: Engine.duckdb_settings)."""
    try:
        con = while_locked(
            lambda: duckdb.connect(path, read_only=read_only, config=settings or {}),
            0 if path in _gave_up else wait_seconds, sleep)
    except duckdb.IOException as error:
        if not is_lock_error(error):
            raise
        _gave_up.add(path)
        raise WarehouseLocked(
            f"{path}: lagret är låst av {lock_holder(error)} sedan minst "
            f"{wait_seconds:.0f} s - stäng den anslutningen (läsare ska öppna den "
            f"publicerade kopian) / the warehouse is locked by that process") from None
    _gave_up.discard(path)
    return con


def publish(warehouse: Path, target: Path, wait_seconds: float = 0,
            sleep: Callable[[float], None] = time.sleep) -> dict[str, int]:
    """Copy every table of PUBLISHED_SCHEMAS from the warehouse to `target`, replacing it in
    one rename. Rows per table; the warehouse is read, never changed. While another process
    writes the warehouse (another run's own bookkeeping), wait up to `wait_seconds`."""
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    partial.unlink(missing_ok=True)
    rows: dict[str, int] = {}
    con = duckdb.connect(str(partial))
    try:
        # attached, the warehouse is held for reading until DETACH
        while_locked(lambda: con.execute("ATTACH ? AS source (READ_ONLY)", [str(warehouse)]),
                     wait_seconds, sleep)
        tables = con.execute(
            "select table_schema, table_name from information_schema.tables "
            "where table_catalog = 'source' and table_type = 'BASE TABLE' "
            "and table_schema in (select unnest(?)) order by 1, 2",
            [list(PUBLISHED_SCHEMAS)]).fetchall()
        for schema, table in tables:
            con.execute(f'create schema if not exists "{schema}"')
            con.execute(f'create table "{schema}"."{table}" as '
                        f'select * from source."{schema}"."{table}"')
            rows[f"{schema}.{table}"] = con.execute(
                f'select count(*) from "{schema}"."{table}"').fetchone()[0]
        con.execute("DETACH source")
        con.execute("CHECKPOINT")
    except BaseException:
        con.close()
        partial.unlink(missing_ok=True)
        raise
    con.close()
    os.replace(partial, target)  # readers see the old copy or the new one, never half
    return rows
