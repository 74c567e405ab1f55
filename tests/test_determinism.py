"""The same data gives the same numbers and the same documents, and a crash changes neither.

On a copy of the demo: a run killed with SIGKILL in the middle of the ledger load, one
killed while dbt builds, then two runs started two seconds apart while a reader holds the
published copy, and one killed while writing a package, followed by a rerun; all on the
unchanged files. Afterwards every mart is identical row for row to the first run's,
no ledger row is there twice, and every package is rebuilt byte for byte; the killed package
left no half-written file under a published name.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import duckdb
import pytest

from pipelines.rebuild import mart_differences, rebuild
from pipelines.runner import run_pipeline

pytestmark = pytest.mark.slow
MONTH = "2025-12"  # the rerun's month: a follow-up period, so its packages are made too

KILL = textwrap.dedent("""
    import os, signal, sys
    from pathlib import Path

    where, config = sys.argv[1], Path(sys.argv[2])

    def die():
        os.kill(os.getpid(), signal.SIGKILL)

    if where == "ledger load":  # the month's rows moved in, mid-transaction, not committed
        from pipelines.ingest import raw_tables
        insert = raw_tables.Replacement.insert_staged
        def killing_insert(self, staging):
            insert(self, staging)
            if self.table == "ledger_transactions":
                die()
        raw_tables.Replacement.insert_staged = killing_insert
    elif where == "dbt":  # while dbt builds: after its tenth event
        from dagster_dbt.core.dbt_cli_invocation import DbtCliInvocation
        stream = DbtCliInvocation.stream
        def killing_stream(self, *args, **kwargs):
            for n, event in enumerate(stream(self, *args, **kwargs)):
                if n == 10:
                    die()
                yield event
        DbtCliInvocation.stream = killing_stream
    elif where == "package":  # a document written, just before it is put in place
        from pipelines.packages import atomic
        atomic.os = type("os", (), {"replace": staticmethod(lambda *a: die())})
    from pipelines.runner import run_pipeline
    run_pipeline(config, from_month={month!r}, force=True)  # work to be killed in
    print("not killed")
""").replace("{month!r}", repr(MONTH))


def killed_run(where: str, config: Path) -> None:
    """The run in its own process, killed at `where`. Its output goes to a file, not a pipe:
    what the killed process started (dbt, Dagster's log tailers) may outlive it, holding a
    pipe open, as it would after a real kill -9; the rerun waits for the warehouse."""
    log = config.parent / f"killed_{where.replace(' ', '_')}.log"
    with log.open("w") as out:
        process = subprocess.Popen([sys.executable, "-c", KILL, where, str(config)],
                                   stdout=out, stderr=subprocess.STDOUT)
        returncode = process.wait(timeout=600)
    assert returncode == -9, f"{where}: {returncode} {log.read_text()[-500:]}"


def ledger_rows(warehouse: Path) -> tuple[int, int]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute("select count(*), count(distinct (source_file, source_line)) "
                           "from raw.ledger_transactions").fetchone()


def staged_tables(warehouse: Path) -> list[str]:
    """Staging tables of loads (a killed load leaves its own; the next load replaces it)."""
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return [t for (t,) in con.execute("select table_name from information_schema.tables "
                                          "where table_name like 'staged_%'").fetchall()]


def test_crashes_and_reruns_change_no_number_and_no_byte(demo_run, tmp_path, hold_open):
    root = demo_run.config.base_dir
    work = tmp_path / "kopia"
    shutil.copytree(root, work, ignore=shutil.ignore_patterns(".dagster"))
    config = work / "uppfoljning.yaml"
    before = {p.relative_to(root): p.read_bytes()
              for p in (root / "reports" / "paket" / MONTH).rglob("*.*")}
    assert len(before) >= 14  # seven packages, workbook and PDF

    killed_run("ledger load", config)
    killed_run("dbt", config)
    # the reruns: two runs started two seconds apart, while a controller has the published
    # copy open; both succeed (the second waits for the first on the warehouse's pool)
    reader = hold_open(work / "warehouse" / "publicerad" / "uppfoljning.duckdb")
    command = [str(Path(sys.executable).with_name("uppfoljning")), "run", "--config",
               str(config), "--from", MONTH]
    first = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    time.sleep(2)
    second = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    for run in (first, second):
        _, problems = run.communicate(timeout=900)
        assert run.returncode == 0, problems.decode()[-500:]
    assert reader.poll() is None  # the reader was never disturbed
    differences = mart_differences(demo_run.warehouse, work / "warehouse/uppfoljning.duckdb")
    assert len(differences) >= 10
    assert differences == dict.fromkeys(differences, (0, 0))  # staff_statistics included
    rows, distinct = ledger_rows(work / "warehouse/uppfoljning.duckdb")
    assert rows == distinct == ledger_rows(demo_run.warehouse)[0]
    assert staged_tables(work / "warehouse/uppfoljning.duckdb") == []

    killed_run("package", config)
    half = [p for p in (work / "reports" / "paket" / MONTH).rglob("*") if p.is_file()
            and p.name.startswith(".")]
    assert half, "the killed run was writing a package"
    assert all(p.name.endswith(".part") for p in half)  # never under a published name
    for path, content in before.items():  # what was published stays whole
        assert (work / path).read_bytes() == content, f"{path} changed"
    run_pipeline(config, from_month=MONTH)
    after = {p.relative_to(work): p.read_bytes()
             for p in (work / "reports" / "paket" / MONTH).rglob("*.*")
             if not p.name.startswith(".")}
    assert after.keys() == before.keys()
    assert [str(p) for p in before if after[p] != before[p]] == []  # byte for byte


def test_a_rebuild_from_the_landing_area_gives_the_same_marts(demo_run, tmp_path):
    """The disaster-recovery path: the sources folder lost but for HR (not kept in the
    landing area), the warehouse is built again from the landing area's copies."""
    root = tmp_path / "kommun"
    shutil.copytree(demo_run.config.base_dir, root, ignore=shutil.ignore_patterns(".dagster"))
    for kept in ("personal",):
        shutil.move(root / "sources" / kept, tmp_path / kept)
    shutil.rmtree(root / "sources")  # every delivered file gone
    (root / "sources").mkdir()
    shutil.move(tmp_path / "personal", root / "sources" / "personal")
    before = sorted(p.relative_to(root) for p in root.rglob("*") if p.is_file())
    rebuilt = rebuild(root / "uppfoljning.yaml")
    assert rebuilt.identical, rebuilt.differences
    assert len(rebuilt.differences) >= 10 and rebuilt.from_landing >= 20
    assert any("personal" in s for s in rebuilt.from_sources)
    assert rebuilt.folder.is_relative_to(root / "warehouse" / "ombyggnad")
    # nothing of the kommun's was deleted or changed: only the rebuild's folder is new
    after = sorted(p.relative_to(root) for p in root.rglob("*") if p.is_file()
                   and not p.is_relative_to(rebuilt.folder))
    assert after == before
