"""Readers never block the writer: the published copy, and a run waiting for a holder of the
warehouse file (pipelines/read_copy.py)."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

from pipelines.read_copy import WarehouseLocked, publish
from pipelines.resources import Warehouse


def small_warehouse(path: Path, amount: int) -> None:
    with duckdb.connect(str(path)) as con:
        con.execute("create schema if not exists marts")
        con.execute("create or replace table marts.budget_follow_up as "
                    "select 2025 as fiscal_year, ?::decimal(18, 2) as outcome_ytd", [amount])
        con.execute("create schema if not exists raw")
        con.execute("create or replace table raw.ledger_transactions as select 1 as x")


def test_a_reader_of_the_copy_keeps_its_state_and_a_new_reader_sees_the_next(tmp_path):
    warehouse, copy = tmp_path / "lager.duckdb", tmp_path / "publicerad" / "lager.duckdb"
    small_warehouse(warehouse, 100)
    assert publish(warehouse, copy) == {"marts.budget_follow_up": 1}  # raw is not published
    reader = duckdb.connect(str(copy), read_only=True)
    small_warehouse(warehouse, 200)  # the writer is never blocked by the reader of the copy
    publish(warehouse, copy)
    # the open reader still sees the complete state it opened, never a half-written file
    assert reader.execute("select outcome_ytd from marts.budget_follow_up").fetchone()[0] == 100
    reader.close()
    with duckdb.connect(str(copy), read_only=True) as fresh:
        assert fresh.execute("select outcome_ytd from marts.budget_follow_up"
                             ).fetchone()[0] == 200
    assert sorted(p.name for p in copy.parent.iterdir()) == ["lager.duckdb"]  # no leftovers


def test_publishing_while_a_reader_holds_the_copy_open(tmp_path, hold_open):
    warehouse, copy = tmp_path / "lager.duckdb", tmp_path / "publicerad" / "lager.duckdb"
    small_warehouse(warehouse, 100)
    publish(warehouse, copy)
    hold_open(copy)
    small_warehouse(warehouse, 300)
    publish(warehouse, copy)
    with duckdb.connect(str(copy), read_only=True) as con:
        assert con.execute("select outcome_ytd from marts.budget_follow_up").fetchone()[0] == 300


def test_a_holder_of_the_warehouse_makes_the_run_wait_then_names_it(tmp_path, hold_open):
    warehouse = tmp_path / "lager.duckdb"
    small_warehouse(warehouse, 100)
    process = hold_open(warehouse)
    try:
        started = time.monotonic()
        with pytest.raises(WarehouseLocked) as raised, \
                Warehouse(path=str(warehouse), lock_wait_seconds=2).connect():
            pass
        waited = time.monotonic() - started
    finally:
        process.kill()
        process.wait()
    message = str(raised.value)
    assert f"(PID {process.pid})" in message and "låst" in message and "\n" not in message
    assert 1.0 <= waited < 30
    # the holder gone, the same connection opens at once
    with Warehouse(path=str(warehouse), lock_wait_seconds=2).connect() as con:
        assert con.execute("select count(*) from marts.budget_follow_up").fetchone()[0] == 1


def test_a_holder_that_lets_go_within_the_wait_does_not_fail_the_run(tmp_path, hold_open):
    warehouse = tmp_path / "lager.duckdb"
    small_warehouse(warehouse, 100)
    process = hold_open(warehouse)
    # SIGKILL: a process started under a test runner may have inherited an ignored SIGTERM
    subprocess.Popen([sys.executable, "-c", f"import os, time, signal; time.sleep(1.5); "
                      f"os.kill({process.pid}, signal.SIGKILL)"])
    with Warehouse(path=str(warehouse), lock_wait_seconds=60).connect() as con:
        con.execute("create or replace table marts.after as select 1 as x")


def test_publishing_waits_for_another_runs_write_and_then_copies(tmp_path, hold_open):
    # two runs started together: one writes its bookkeeping while the other publishes
    warehouse = tmp_path / "lager.duckdb"
    small_warehouse(warehouse, 100)
    writer = hold_open(warehouse, read_only=False)
    subprocess.Popen([sys.executable, "-c", f"import os, time, signal; time.sleep(1.5); "
                      f"os.kill({writer.pid}, signal.SIGKILL)"])
    with pytest.raises(duckdb.IOException, match="lock"):  # without a wait: the lock's error
        publish(warehouse, tmp_path / "genast" / "kopia.duckdb")
    rows = publish(warehouse, tmp_path / "publicerad" / "kopia.duckdb", wait_seconds=60)
    assert rows == {"marts.budget_follow_up": 1}
