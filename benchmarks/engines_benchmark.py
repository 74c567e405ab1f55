"""The same dbt project on the three engines, timed side by side in one run.

    python benchmarks/engines_benchmark.py --size large [--dir DIR] [--engines postgres spark]

Generates and loads Exempelkommun of the given size once (the raw layer is the embedded
warehouse's, whatever the engine), then for each engine, on a copy of that warehouse:

1. send the raw tables to the engine (PostgreSQL: COPY; Spark: Parquet files);
2. `dbt build --full-refresh` of every model and test there;
3. copy the marts and seeds back into the warehouse.

Before an engine's figures are printed, its marts are compared with DuckDB's row for row
(EXCEPT ALL both ways, every column): an engine that computes something else is reported as
such, not timed. PostgreSQL is the local server (a database of its own, dropped afterwards).
Prints seconds per step and each engine's total against DuckDB's. Nothing is asserted.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import time
from pathlib import Path

import duckdb
import yaml

from pipelines.defs.transform import DBT_DIR, dbt_executable, dbt_target_env
from pipelines.demo.generator import generate
from pipelines.demo_cli import demo_config
from pipelines.engines.comparison import rows_on_one_side
from pipelines.engines.postgres import Server
from pipelines.engines.spark import Session
from pipelines.runner import run_pipeline

YEAR = 2025


def load(size: str, root: Path) -> Path:
    """The demo of `size` generated and loaded (no packages) into root's warehouse, once."""
    config = root / "uppfoljning.yaml"
    if not config.exists():
        generate(root / "sources", size=size, year=YEAR)
        config.write_text(yaml.safe_dump(demo_config(YEAR), allow_unicode=True))
    warehouse = root / "warehouse" / "uppfoljning.duckdb"
    if not warehouse.exists():
        start = time.perf_counter()
        run_pipeline(config, packages=False)
        print(f"loaded {size} (whole pipeline, no packages) in "
              f"{time.perf_counter() - start:.1f} s")
    return warehouse


def dbt_build(warehouse: Path, target: Path, engine) -> float:
    start = time.perf_counter()
    result = subprocess.run(
        [dbt_executable(), "--no-send-anonymous-usage-stats", "build", "--full-refresh",
         "--project-dir", str(DBT_DIR),
         "--profiles-dir", str(DBT_DIR), "--target-path", str(target), "--log-path",
         str(target / "logs"), "--quiet"],
        env={**os.environ, "UPPFOLJNING_WAREHOUSE": str(warehouse),
             **dbt_target_env(engine)}, capture_output=True, text=True)
    if result.returncode != 0:
        raise SystemExit(f"dbt build failed:\n{result.stdout[-3000:]}{result.stderr[-2000:]}")
    return time.perf_counter() - start


def fresh_postgres() -> Server:
    import psycopg

    name = f"uppfoljning_bench_{os.getpid()}"
    with psycopg.connect(host="localhost", user="postgres", dbname="postgres",
                         autocommit=True) as admin:
        admin.execute(f"drop database if exists {name}")
        admin.execute(f"create database {name}")
    return Server(database=name)


def drop_postgres(server: Server) -> None:
    import psycopg

    with psycopg.connect(host=server.host, user=server.user, dbname="postgres",
                         autocommit=True) as admin:
        admin.execute(f"drop database if exists {server.database} with (force)")


def measure(engine_name: str, source: Path, work: Path) -> dict[str, float]:
    folder = work / engine_name
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    warehouse = folder / "uppfoljning.duckdb"
    shutil.copy(source, warehouse)
    engine = {"duckdb": lambda: None, "postgres": fresh_postgres,
              "spark": lambda: Session(folder / "spark", cores=os.cpu_count() or 2)
              }[engine_name]()
    figures: dict[str, float] = {}
    try:
        start = time.perf_counter()
        if engine is not None:
            engine.send_raw(warehouse)
        figures["send raw"] = time.perf_counter() - start
        figures["dbt build"] = dbt_build(warehouse, folder / "target", engine)
        start = time.perf_counter()
        if engine is not None:
            engine.copy_back(warehouse, None)
        figures["copy back"] = time.perf_counter() - start
    finally:
        if isinstance(engine, Server):
            drop_postgres(engine)
    figures["total"] = sum(figures.values())
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", default="medium", choices=["small", "medium", "large"])
    parser.add_argument("--dir", type=Path, help="a folder for (or with) the loaded demo")
    parser.add_argument("--engines", nargs="+", default=["duckdb", "postgres", "spark"])
    args = parser.parse_args()
    root = args.dir or Path(f"/tmp/uppfoljning-bench-{args.size}")
    root.mkdir(parents=True, exist_ok=True)
    source = load(args.size, root)
    with duckdb.connect(str(source), read_only=True) as con:
        ledger_rows = con.execute("select count(*) from raw.ledger_transactions").fetchone()[0]
    work = root / "engines"
    results = {}
    for name in dict.fromkeys(["duckdb", *args.engines]):  # DuckDB first: the reference
        results[name] = measure(name, source, work)
        if name != "duckdb":
            differ = {t: n for t, n in rows_on_one_side(
                work / "duckdb" / "uppfoljning.duckdb", work / name / "uppfoljning.duckdb"
            ).items() if n != (0, 0)}
            if differ:
                print(f"{name}: marts differ from DuckDB's (rows on one side: {differ}); "
                      "not timed")
                del results[name]
    print(f"\nsize {args.size}: {ledger_rows:,} ledger rows; "
          + ("each timed engine's marts equal DuckDB's row for row" if len(results) > 1
             else "DuckDB only"))
    steps = ["send raw", "dbt build", "copy back", "total"]
    print(f"{'engine':<10}" + "".join(f"{s:>12}" for s in steps) + f"{'x duckdb':>10}")
    for name, figures in results.items():
        print(f"{name:<10}" + "".join(f"{figures[s]:>12.1f}" for s in steps)
              + f"{figures['total'] / results['duckdb']['total']:>10.1f}")


if __name__ == "__main__":
    main()
