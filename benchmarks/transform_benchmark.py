"""How long the transform stage (dbt build of the marts) takes, against a floor that computes
exactly the same marts.

    python benchmarks/transform_benchmark.py --size medium [--dir DIR]

Generates Exempelkommun of the given size (unless DIR already holds a loaded demo), loads it
with the pipeline, then times in the same run:

- dbt:   `dbt build --full-refresh` of the whole project (every model and test), in its own
         process, as the pipeline runs it; and dbt's start-up alone (a selection of nothing);
- floor: `marts.budget_follow_up` and `marts.staff_statistics` computed with no dbt at all:
         the models' own SQL (compiled once, before the clock starts) run straight on one
         DuckDB connection over the raw tables and seeds, each model as dbt materialises
         it (a view or a table) but as a temporary object. Before it is timed, the floor's
         result is compared with the marts row for row (EXCEPT ALL both ways): a floor that
         computes something else is refused, not timed.

So dbt / floor is what dbt's orchestration, its tests and its metadata cost over the same
queries. It is not an independent rewrite of the marts: a hand-written query could find a
cheaper plan than the models' staging → intermediate → marts shape, which this ratio does not
show. Nothing is asserted: machines are shared and noisy.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import time
from pathlib import Path

import duckdb
import yaml

from pipelines.defs.transform import DBT_DIR, dbt_executable
from pipelines.demo.generator import generate
from pipelines.demo_cli import demo_config
from pipelines.runner import run_pipeline

YEAR = 2025
MARTS = ("budget_follow_up", "staff_statistics")


def build(size: str, root: Path) -> Path:
    config = root / "uppfoljning.yaml"
    if not config.exists():
        t = time.perf_counter()
        generate(root / "sources", size=size, year=YEAR)
        config.write_text(yaml.safe_dump(demo_config(YEAR), allow_unicode=True))
        print(f"generated {size} in {time.perf_counter() - t:.1f} s")
    if not (root / "warehouse" / "uppfoljning.duckdb").exists():
        t = time.perf_counter()
        run_pipeline(config)
        print(f"loaded and built (whole pipeline, first run) in {time.perf_counter() - t:.1f} s")
    return root / "warehouse" / "uppfoljning.duckdb"


def dbt(command: str, warehouse: Path, target: Path, *args: str) -> float:
    start = time.perf_counter()
    result = subprocess.run(
        [dbt_executable(), "--no-send-anonymous-usage-stats", command, "--project-dir",
         str(DBT_DIR), "--profiles-dir",
         str(DBT_DIR), "--target-path", str(target), "--log-path", str(target / "logs"),
         "--quiet", *args],
        env={**os.environ, "UPPFOLJNING_WAREHOUSE": str(warehouse)},
        capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    if result.returncode != 0:
        raise SystemExit(f"dbt {command} failed:\n{result.stdout[-2000:]}"
                         f"{result.stderr[-2000:]}")
    return elapsed


def time_dbt(warehouse: Path, target: Path, select: str | None = None) -> float:
    """`dbt build --full-refresh`; `select` one that matches nothing measures dbt's fixed
    start-up (adapter, project parse) alone."""
    return dbt("build", warehouse, target, "--full-refresh",
               *(["--select", select] if select else []))


def floor_plan(manifest: dict) -> list[dict]:
    """The models the marts are built from, parents first: each with its compiled SQL (or,
    for a Python model, its code) and its relation name."""
    nodes = {uid: n for uid, n in manifest["nodes"].items() if n["resource_type"] == "model"}
    wanted = [uid for uid, n in nodes.items() if n["name"] in MARTS]
    ordered: list[str] = []

    def visit(uid: str) -> None:
        if uid in ordered or uid not in nodes:
            return  # done, or a seed/source: an input, read from the warehouse
        for parent in nodes[uid]["depends_on"]["nodes"]:
            visit(parent)
        ordered.append(uid)

    for uid in wanted:
        visit(uid)
    return [nodes[uid] for uid in ordered]


def run_floor(con: duckdb.DuckDBPyConnection, plan: list[dict]) -> dict[str, str]:
    """Every model of the plan as a temporary view or table; the marts' temporary names."""
    names = {n["name"]: f"floor_{n['name']}" for n in plan}
    swap = {n["relation_name"]: names[n["name"]] for n in plan}
    pattern = re.compile("|".join(re.escape(r) for r in sorted(swap, key=len, reverse=True)))
    for node in plan:
        name = names[node["name"]]
        sql = pattern.sub(lambda m: swap[m.group(0)], node["compiled_code"])
        kind = "view" if node["config"]["materialized"] == "view" else "table"
        con.execute(f"create temp {kind} {name} as {sql}")
    return {m: names[m] for m in MARTS}


def time_floor(warehouse: Path, plan: list[dict]) -> tuple[float, dict[str, int]]:
    """Seconds of the floor, after checking that it gives the marts row for row."""
    with duckdb.connect(str(warehouse), read_only=True) as con:
        marts = run_floor(con, plan)
        rows = {}
        for mart, floor in marts.items():
            columns = ", ".join(f'"{c}"' for (c,) in con.execute(
                "select column_name from information_schema.columns where table_schema = "
                "'marts' and table_name = ? order by ordinal_position", [mart]).fetchall())
            differ = con.execute(
                f"select count(*) from ((select {columns} from {floor} except all "
                f"select {columns} from marts.{mart}) union all (select {columns} from "
                f"marts.{mart} except all select {columns} from {floor}))").fetchone()[0]
            if differ:
                raise SystemExit(f"the floor is not the mart: {differ} rows of marts.{mart} "
                                 "differ; it is not timed")
            rows[mart] = con.execute(f"select count(*) from {floor}").fetchone()[0]
    with duckdb.connect(str(warehouse), read_only=True) as con:
        start = time.perf_counter()
        marts = run_floor(con, plan)
        for floor in marts.values():  # views are lazy: the marts are tables, so is this
            con.execute(f"select count(*) from {floor}").fetchone()
        return time.perf_counter() - start, rows


def measure(warehouse: Path, target: Path) -> dict[str, float | int]:
    """dbt's seconds, its start-up's, the floor's, and the marts' rows."""
    dbt("compile", warehouse, target / "floor", "--full-refresh")
    manifest = json.loads((target / "floor" / "manifest.json").read_text())
    plan = floor_plan(manifest)
    dbt_seconds = time_dbt(warehouse, target / "build")
    startup = time_dbt(warehouse, target / "build", select="tag:selects_nothing")
    floor_seconds, rows = time_floor(warehouse, plan)
    return {"dbt": dbt_seconds, "startup": startup, "floor": floor_seconds,
            "floor_models": len(plan), **{f"rows {m}": n for m, n in rows.items()}}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", default="medium", choices=["small", "medium", "large"])
    parser.add_argument("--dir", type=Path, help="a folder for (or with) the loaded demo")
    args = parser.parse_args()
    root = args.dir or Path(f"/tmp/uppfoljning-bench-{args.size}")
    root.mkdir(parents=True, exist_ok=True)
    warehouse = build(args.size, root)
    with duckdb.connect(str(warehouse), read_only=True) as con:
        ledger_rows = con.execute("select count(*) from raw.ledger_transactions").fetchone()[0]
    m = measure(warehouse, root / "dbt_target")
    print(f"\nsize {args.size}: {ledger_rows:,} ledger rows; the floor builds "
          f"{m['floor_models']} models and equals budget_follow_up "
          f"({m['rows budget_follow_up']:,} rows) and staff_statistics "
          f"({m['rows staff_statistics']:,} rows) row for row")
    print(f"{'stage':<40}{'seconds':>10}{'x floor':>10}")
    for label, seconds in (("dbt build (all models and tests)", m["dbt"]),
                           ("  of which dbt start-up, no models", m["startup"]),
                           ("floor: the marts' SQL without dbt", m["floor"])):
        print(f"{label:<40}{seconds:>10.2f}{seconds / m['floor']:>10.1f}")


if __name__ == "__main__":
    main()
