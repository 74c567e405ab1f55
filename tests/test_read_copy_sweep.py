"""A publish killed on the way leaves its temporary file and DuckDB's .wal beside the copy;
the next publish removes those of processes that are gone and keeps those of a publish that
is still running (pipelines/read_copy.py, `sweep`)."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import duckdb

from pipelines.read_copy import LOCKLESS_AGE, publish

# a publish in its own process, killed with SIGKILL when it has copied the tables (the
# copy's rows are in its .wal) and is about to checkpoint
KILLED = textwrap.dedent("""
    import os, signal, sys, types
    from pathlib import Path
    import duckdb
    from pipelines import read_copy

    class Killing:
        def __init__(self, con):
            self.con = con
        def execute(self, sql, *args):
            if sql == "CHECKPOINT":
                os.kill(os.getpid(), signal.SIGKILL)
            return self.con.execute(sql, *args)
        def __getattr__(self, name):
            return getattr(self.con, name)

    read_copy.duckdb = types.SimpleNamespace(
        connect=lambda *a, **k: Killing(duckdb.connect(*a, **k)),
        IOException=duckdb.IOException, DuckDBPyConnection=duckdb.DuckDBPyConnection)
    read_copy.publish(Path(sys.argv[1]), Path(sys.argv[2]))
    print("not killed")
""")

# a publish that waits (up to 120 s) for another run's writer to let go of its warehouse
WAITING = textwrap.dedent("""
    import sys
    from pathlib import Path
    from pipelines.read_copy import publish
    print(publish(Path(sys.argv[1]), Path(sys.argv[2]), wait_seconds=120))
""")


def small_warehouse(path: Path, amount: int) -> None:
    with duckdb.connect(str(path)) as con:
        con.execute("create schema if not exists marts")
        con.execute("create or replace table marts.budget_follow_up as "
                    "select 2025 as fiscal_year, ?::decimal(18, 2) as outcome_ytd", [amount])


def leftovers(copy: Path, pid: int) -> list[str]:
    return sorted(p.name.split(f".{pid}.")[1] for p in copy.parent.iterdir()
                  if p.name.startswith(f".{copy.name}.{pid}."))


def dead_pid() -> int:
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return process.pid


def fake_leftover(copy: Path, pid: int, kinds=("tmp", "tmp.wal"), age: float = 0) -> None:
    for kind in kinds:
        path = copy.with_name(f".{copy.name}.{pid}.{kind}")
        path.write_bytes(b"" if kind == "lock" else b"\0" * 4096)
        if age:
            os.utime(path, (time.time() - age, time.time() - age))


def outcome(copy: Path) -> int:
    with duckdb.connect(str(copy), read_only=True) as con:
        return int(con.execute("select outcome_ytd from marts.budget_follow_up").fetchone()[0])


def start_waiting_publish(warehouse: Path, copy: Path) -> subprocess.Popen:
    """A publish in another process, its temporary file created, waiting for the warehouse."""
    process = subprocess.Popen([sys.executable, "-c", WAITING, str(warehouse), str(copy)],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    while "tmp" not in leftovers(copy, process.pid):
        assert process.poll() is None, process.communicate()
        assert time.monotonic() < deadline, leftovers(copy, process.pid)
        time.sleep(0.1)
    return process


def test_a_killed_publish_is_swept_and_a_running_one_kept(tmp_path, hold_open):
    warehouse, copy = tmp_path / "lager.duckdb", tmp_path / "publicerad" / "lager.duckdb"
    small_warehouse(warehouse, 100)
    publish(warehouse, copy)
    killed = subprocess.run([sys.executable, "-c", KILLED, str(warehouse), str(copy)],
                            capture_output=True, text=True, timeout=120)
    assert killed.returncode == -9, killed.stdout + killed.stderr
    killed_pid = int(next(p.name.split(".")[-2] for p in copy.parent.glob(".*.tmp")))
    assert {"tmp", "tmp.wal"} <= set(leftovers(copy, killed_pid))
    # written before the locks: a dead pid's, and a live pid's (the reader of the copy)
    gone, reader = dead_pid(), hold_open(copy)
    fake_leftover(copy, gone)
    fake_leftover(copy, reader.pid)
    # a run whose publish waits, its temporary file made, for another run's write to end
    other = tmp_path / "annat.duckdb"
    small_warehouse(other, 200)
    writer = hold_open(other, read_only=False)
    waiting = start_waiting_publish(other, copy)

    assert publish(warehouse, copy) == {"marts.budget_follow_up": 1}
    assert outcome(copy) == 100
    assert leftovers(copy, killed_pid) == []  # the killed publish's copy and .wal
    assert leftovers(copy, gone) == []
    assert leftovers(copy, reader.pid) == ["tmp", "tmp.wal"]  # its pid runs: kept for now
    assert "tmp" in leftovers(copy, waiting.pid)  # still running: kept
    assert waiting.poll() is None

    writer.kill()
    writer.wait()
    out, problems = waiting.communicate(timeout=120)
    assert waiting.returncode == 0, problems
    assert outcome(copy) == 200  # the waiting publish went on with its own file
    assert leftovers(copy, waiting.pid) == []


def test_a_lock_says_more_than_a_pid(tmp_path, hold_open):
    """A pid that runs again (reused) does not keep a dead publish's files when its lock is
    free; a lock-less file whose pid runs goes once it has not changed for an hour."""
    warehouse, copy = tmp_path / "lager.duckdb", tmp_path / "publicerad" / "lager.duckdb"
    small_warehouse(warehouse, 100)
    copy.parent.mkdir()
    reused, old = hold_open(warehouse).pid, hold_open(warehouse).pid
    fake_leftover(copy, reused, kinds=("tmp", "tmp.wal", "lock"))
    spill = copy.with_name(f".{copy.name}.{old}.tmp.tmp")  # DuckDB's spill folder
    spill.mkdir()
    fake_leftover(copy, old, age=LOCKLESS_AGE + 60)
    os.utime(spill, (time.time() - LOCKLESS_AGE - 60,) * 2)
    publish(warehouse, copy)
    assert sorted(p.name for p in copy.parent.iterdir()) == ["lager.duckdb"]


def test_on_a_file_system_without_locks_the_pid_and_the_age_decide(tmp_path, monkeypatch,
                                                                   hold_open):
    import errno
    import fcntl

    def no_locks(*args):
        raise OSError(errno.ENOLCK, "No locks available")

    warehouse, copy = tmp_path / "lager.duckdb", tmp_path / "publicerad" / "lager.duckdb"
    small_warehouse(warehouse, 100)
    copy.parent.mkdir()
    gone, running = dead_pid(), hold_open(warehouse).pid
    fake_leftover(copy, gone)
    fake_leftover(copy, running)
    monkeypatch.setattr(fcntl, "lockf", no_locks)
    assert publish(warehouse, copy) == {"marts.budget_follow_up": 1}
    assert leftovers(copy, gone) == []
    assert leftovers(copy, running) == ["tmp", "tmp.wal"]
    assert sorted(p.name for p in copy.parent.iterdir() if not p.name.startswith(
        f".{copy.name}.{running}.")) == ["lager.duckdb"]
