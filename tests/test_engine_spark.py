"""The same models on Apache Spark: the demo run with `engine.kind: spark` (a local session,
dbt-spark) gives every mart of the embedded run row for row, money exact.

Needs Java (17) for Spark's JVM (skipped with the reason where there is none).
"""

from __future__ import annotations

import shutil
import subprocess
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest
import yaml

from pipelines.defs.transform import DBT_DIR
from pipelines.engines.comparison import mart_columns, rows_on_one_side
from pipelines.engines.spark import Session, _spark_columns
from pipelines.runner import run_pipeline


def java() -> str | None:
    """Why Spark cannot run here, or None."""
    if shutil.which("java") is None:
        return "no java on PATH (Spark needs Java 17)"
    done = subprocess.run(["java", "-version"], capture_output=True, text=True, check=False)
    return None if done.returncode == 0 else f"java does not start: {done.stderr[:200]}"


@pytest.fixture(scope="module")
def spark_run(demo_run, tmp_path_factory):
    if (reason := java()) is not None:
        pytest.skip(reason)
    root = tmp_path_factory.mktemp("spark_run")
    shutil.copytree(demo_run.config.base_dir / "sources", root / "sources")
    config = yaml.safe_load((demo_run.config.base_dir / "uppfoljning.yaml").read_text("utf-8"))
    config["engine"] = {"kind": "spark"}
    path = root / "uppfoljning.yaml"
    path.write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
    return run_pipeline(path, packages=False)


@pytest.mark.slow
def test_every_mart_is_the_embedded_runs_row_for_row(demo_run, spark_run):
    # the same marts, columns and types; the same rows, every column, money exact
    assert mart_columns(spark_run.warehouse) == mart_columns(demo_run.warehouse)
    differ = rows_on_one_side(demo_run.warehouse, spark_run.warehouse)
    assert differ == dict.fromkeys(differ, (0, 0))
    with duckdb.connect(str(spark_run.warehouse), read_only=True) as con:
        amount = con.execute("select outcome_ytd from marts.budget_follow_up limit 1"
                             ).fetchone()[0]
    assert isinstance(amount, Decimal)  # money came back exact, not as a float


@pytest.mark.slow
def test_the_session_writes_only_beside_the_warehouse(spark_run):
    folder = spark_run.warehouse.parent / "spark"
    assert (folder / "metastore_db").is_dir() and (folder / "tables" / "marts.db").is_dir()
    raw = [p for p in (folder / "raw").iterdir() if p.is_dir()]
    assert raw and all((p / "data.parquet").exists() for p in raw)
    for elsewhere in (spark_run.config.base_dir, DBT_DIR, Path.cwd()):  # not in the project
        assert not {"metastore_db", "spark-warehouse", "derby.log"} & {
            p.name for p in elsewhere.iterdir()}, elsewhere


def test_a_local_time_reaches_spark_as_its_instant_in_utc():
    assert _spark_columns("months_to_rebuild") == (
        "period, source_table, timezone('UTC', noted_at) as noted_at")
    env = Session(folder=Path("/data/spark"), cores=8,
                  driver_memory="6g").environment()
    assert env["UPPFOLJNING_SPARK_RAW"] == "/data/spark/raw"
    assert (env["UPPFOLJNING_SPARK_CORES"], env["UPPFOLJNING_SPARK_DRIVER_MEMORY"]) == (
        "8", "6g")
