"""The published copy of the warehouse for its readers (controllers' DBeaver, Excel over ODBC,
notebooks), and waiting for the writer's lock.

DuckDB lets one process write a file, or many read it, never both: a controller's open
connection to the warehouse would stop the nightly run, and a reader could see a mart half
rebuilt. So readers open the published copy instead (`read_copy` in the config, by default
`publicerad/uppfoljning.duckdb` beside the warehouse). After each successful build it is
written whole to a temporary file beside it and moved into place in one rename: a reader
sees the last complete state, and one that still has the previous copy open keeps reading
it (its file stays until it closes) and never holds the writer's lock.

A publish killed on the way (kill -9, a machine that stops) leaves its temporary file
`.<copy>.<pid>.tmp`, with DuckDB's `.wal` beside it, and no process of its own will remove
them. So every publish first sweeps the temporary files of publishes whose process is gone
(`sweep`). Whether it is gone is decided by a lock, not by the pid: each publish holds an
exclusive lock (fcntl, as DuckDB's own) on `.<copy>.<pid>.lock` from before it creates its
temporary file until after it has renamed it, and the kernel lets go of a lock when its
process ends, however it ends. A lock that can be taken means a dead owner, even when its
pid now belongs to another process (pid reuse) or when the owner ran in another container
or machine that shares the folder (other pid namespaces, where `os.kill(pid, 0)` says
nothing); a lock that cannot be taken means a publish that is still running (one that waits
for the warehouse with its temporary file already created), and its files are kept.
Temporary files without a lock file were written before this rule (or on a file system
without locks): they are removed when their pid is gone (`os.kill(pid, 0)`) or when they
have not changed for `LOCKLESS_AGE` seconds, which covers a pid taken over by another
process.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import logging
import os
import re
import shutil
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TypeVar

import duckdb

from pipelines.errors import InputError

T = TypeVar("T")

# what readers query: the marts, the quality issues and results, the seeds that name the
# marts' codes (cost categories, levels), the packages issued
PUBLISHED_SCHEMAS = ("marts", "quality", "seeds", "reports")
LOCK_HOLDER = re.compile(r"Conflicting lock is held in (.+?) \(PID (\d+)\)")
# a temporary file without its owner's lock file (written before the locks) is removed when
# its pid is gone or when it has not changed for this long
LOCKLESS_AGE = 3600.0
# what a publish leaves beside the copy: the copy being written (.tmp), DuckDB's write-ahead
# log (.tmp.wal) and spill folder (.tmp.tmp), and the owner's lock (.lock)
LEFTOVER_KINDS = ("tmp", "tmp.wal", "tmp.tmp", "lock")
log = logging.getLogger(__name__)


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


def _leftover(target: Path, pid: int, kind: str) -> Path:
    return target.with_name(f".{target.name}.{pid}.{kind}")


def _leftovers(target: Path) -> dict[int, list[Path]]:
    """The temporary files of publishes into `target` beside it, by the pid in their name."""
    pattern = re.compile(rf"\.{re.escape(target.name)}\.(\d+)\."
                         rf"({'|'.join(map(re.escape, LEFTOVER_KINDS))})")
    found: dict[int, list[Path]] = {}
    for path in target.parent.iterdir() if target.parent.is_dir() else []:
        match = pattern.fullmatch(path.name)
        if match:
            found.setdefault(int(match.group(1)), []).append(path)
    return found


def _alive(pid: int) -> bool:
    """Whether a process with this pid runs on this machine (maybe not the one that wrote
    the file: pids are reused)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process
        return True
    return True


def _remove(paths: list[Path]) -> list[str]:
    """Remove the files (the copy's log first, the lock last: a sweep killed half-way leaves
    what the next one still recognises); the names of those removed."""
    removed = []
    for path in sorted(paths, key=lambda p: (p.name.endswith(".lock"),
                                             not p.name.endswith(".wal"))):
        try:
            if path.is_dir():
                shutil.rmtree(path)
            else:
                path.unlink()
        except FileNotFoundError:
            continue
        removed.append(path.name)
    return removed


def _take_lock(path: Path, wait: bool) -> int | None:
    """An exclusive lock on `path` (created if missing): its descriptor, or None when another
    process holds it (`wait=False`); OSError on a file system without locks. The lock is on
    the file that still has that name: one removed by a sweep meanwhile is opened again."""
    while True:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.lockf(fd, fcntl.LOCK_EX if wait else fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as error:
            os.close(fd)
            if error.errno in (errno.EAGAIN, errno.EACCES):  # held by a live process
                return None
            raise
        try:
            if os.stat(path).st_ino == os.fstat(fd).st_ino:
                return fd
        except FileNotFoundError:
            pass
        os.close(fd)


def _changed_within(paths: list[Path], seconds: float) -> bool:
    for path in paths:
        with contextlib.suppress(FileNotFoundError):
            if time.time() - path.stat().st_mtime < seconds:
                return True
    return False


def _lockless_alive(pid: int, paths: list[Path]) -> bool:
    """Whether files without a lock may still be a live publish's: their pid runs and they
    changed within LOCKLESS_AGE."""
    return _changed_within(paths, LOCKLESS_AGE) and _alive(pid)


def _sweep_pid(target: Path, pid: int, paths: list[Path]) -> list[str]:
    lock = _leftover(target, pid, "lock")
    rest = [p for p in paths if p != lock]
    try:
        fd = _take_lock(lock, wait=False)
    except OSError:  # no locks on this file system: the pid and the age decide
        if lock not in paths:
            lock.unlink(missing_ok=True)
        return [] if _lockless_alive(pid, rest) else _remove(paths)
    if fd is None:  # its publish is still running
        return []
    try:
        if lock not in paths and _lockless_alive(pid, rest):
            lock.unlink(missing_ok=True)  # (made here to be taken)
            return []
        return _remove([*rest, lock])
    finally:
        os.close(fd)


def sweep(target: Path) -> list[str]:
    """Remove the temporary files of publishes into `target` whose process is gone (see the
    module's doc); never this process's own, nor those of a publish still running. The names
    removed. A file that cannot be removed (another user's) is left and logged."""
    removed: list[str] = []
    for pid, paths in sorted(_leftovers(target).items()):
        if pid == os.getpid():
            continue
        try:
            removed += _sweep_pid(target, pid, paths)
        except OSError as error:
            log.warning("%s: kan inte städa bort %s: %s", target.parent, paths[0].name, error)
    if removed:
        log.info("%s: tog bort temporära filer efter avbrutna publiceringar: %s",
                 target.parent, ", ".join(removed))
    return removed


@contextlib.contextmanager
def _own_temporary(target: Path) -> Iterator[Path]:
    """This process's temporary file for `target`, its lock held from before the file exists
    until after it is gone (renamed into place or removed); what a killed process of the
    same pid left there is removed first."""
    lock = _leftover(target, os.getpid(), "lock")
    try:
        fd = _take_lock(lock, wait=True)  # a sweep may hold it a moment
    except OSError:  # no locks here: without its lock file, the pid and the age decide
        lock.unlink(missing_ok=True)
        fd = None
    try:
        _remove([_leftover(target, os.getpid(), kind) for kind in ("tmp", "tmp.wal", "tmp.tmp")])
        yield _leftover(target, os.getpid(), "tmp")
    finally:
        if fd is not None:
            lock.unlink(missing_ok=True)  # before the lock is let go: no one finds it free
            os.close(fd)


def publish(warehouse: Path, target: Path, wait_seconds: float = 0,
            sleep: Callable[[float], None] = time.sleep) -> dict[str, int]:
    """Copy every table of PUBLISHED_SCHEMAS from the warehouse to `target`, replacing it in
    one rename. Rows per table; the warehouse is read, never changed. While another process
    writes the warehouse (another run's own bookkeeping), wait up to `wait_seconds`. The
    temporary files of publishes that were killed are removed first (`sweep`)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    sweep(target)
    with _own_temporary(target) as partial:
        con = duckdb.connect(str(partial))
        try:
            rows = _copy(con, warehouse, wait_seconds, sleep)
        except BaseException:
            con.close()
            _remove([partial, partial.with_name(partial.name + ".wal")])
            raise
        con.close()
        os.replace(partial, target)  # readers see the old copy or the new one, never half
    return rows


def _copy(con: duckdb.DuckDBPyConnection, warehouse: Path, wait_seconds: float,
          sleep: Callable[[float], None]) -> dict[str, int]:
    """Every table of PUBLISHED_SCHEMAS from the warehouse into `con`: rows per table."""
    rows: dict[str, int] = {}
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
    return rows
