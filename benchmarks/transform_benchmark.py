"""How long the transform stage (dbt build of the marts) takes, against two baselines.

    python benchmarks/transform_benchmark.py --size medium [--dir DIR]

Generates Exempelkommun of the given size (unless DIR already holds a loaded demo), loads it
with the pipeline, then times in the same run:

- dbt:    `dbt build` of the whole project (staging, intermediate, marts and their tests),
          in its own process, as the pipeline runs it;
- floor:  the headline aggregation (outcome and budget year to date per follow-up period,
          nämnd and cost category) as one hand-written DuckDB query over the raw tables;
- pandas: the same aggregation as an analyst would write it with pandas groupbys.

It prints the three times and the ratios. It asserts nothing: machines are shared and noisy.
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import time
from pathlib import Path

import duckdb
import pandas as pd
import yaml

from pipelines.cli import demo_config
from pipelines.defs.transform import DBT_DIR, dbt_executable
from pipelines.demo.generator import generate
from pipelines.runner import run_pipeline

YEAR = 2025

# Outcome and budget YTD per period, nämnd and cost category on the tree at the year's end.
FLOOR = """
with tree as (  -- each enhet's nämnd, through verksamhet and sektor, as valid at year end
    select e.code as unit, n.code as board
    from raw.org_units e
    join raw.org_units v on v.code = e.parent_code and v.valid_to is null
    join raw.org_units s on s.code = v.parent_code and s.valid_to is null
    join raw.org_units n on n.code = s.parent_code and n.valid_to is null
    where e.level = 'enhet' and e.valid_to is null
),
categories as (select * from seeds.account_categories),
rows as (
    select cast(substr(period, 6, 2) as int) as month, ansvar, amount as outcome, 0 as budget,
        case when counterpart in ('1', '2', '3', '4') then 'internal_items'
             else c.cost_category end as category
    from raw.ledger_transactions l
    join categories c on try_cast(l.account as int) between c.account_from and c.account_to
    where period like '{year}-%'
    union all
    select cast(substr(period, 6, 2) as int), ansvar, 0, amount,
        case when counterpart in ('1', '2', '3', '4') then 'internal_items'
             else c.cost_category end
    from raw.budget_lines b
    join categories c on try_cast(b.account as int) between c.account_from and c.account_to
    where fiscal_year = {year} and version = 'reviderad'
),
monthly as (
    select tree.board, rows.category, rows.month,
        sum(rows.outcome) as outcome, sum(rows.budget) as budget
    from rows join tree on tree.unit = rows.ansvar
    group by 1, 2, 3
)
select board, category, month,
    sum(outcome) over w as outcome_ytd, sum(budget) over w as budget_ytd
from monthly
window w as (partition by board, category order by month)
"""


def build(size: str, root: Path) -> Path:
    config = root / "uppfoljning.yaml"
    if not config.exists():
        t = time.perf_counter()
        generate(root / "sources", size=size, year=YEAR)
        config.write_text(yaml.safe_dump(demo_config(YEAR), allow_unicode=True))
        print(f"generated {size} in {time.perf_counter() - t:.1f} s")
        t = time.perf_counter()
        run_pipeline(config)
        print(f"loaded and built (whole pipeline, first run) in {time.perf_counter() - t:.1f} s")
    return root / "warehouse" / "uppfoljning.duckdb"


def time_dbt(warehouse: Path, target: Path, select: str | None = None) -> float:
    """`dbt build` in its own process; `select` one that matches nothing measures dbt's fixed
    start-up (version probe, adapter, project parse) alone."""
    start = time.perf_counter()
    result = subprocess.run(
        [dbt_executable(), "build", "--project-dir", str(DBT_DIR), "--profiles-dir",
         str(DBT_DIR), "--target-path", str(target), "--quiet", "--full-refresh",
         *(["--select", select] if select else [])],
        env={**os.environ, "UPPFOLJNING_WAREHOUSE": str(warehouse)},
        capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    if result.returncode != 0:
        raise SystemExit(f"dbt build failed:\n{result.stdout[-2000:]}{result.stderr[-2000:]}")
    return elapsed


def time_floor(warehouse: Path) -> tuple[float, int]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        start = time.perf_counter()
        rows = con.execute(FLOOR.format(year=YEAR)).fetchall()
        return time.perf_counter() - start, len(rows)


def time_pandas(warehouse: Path) -> tuple[float, int]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        start = time.perf_counter()
        ledger = con.execute("select period, ansvar, account, counterpart, amount from "
                             f"raw.ledger_transactions where period like '{YEAR}-%'").df()
        budget = con.execute("select period, ansvar, account, counterpart, amount from "
                             f"raw.budget_lines where fiscal_year = {YEAR} and "
                             "version = 'reviderad'").df()
        org = con.execute("select code, level, parent_code from raw.org_units "
                          "where valid_to is null").df()
        categories = con.execute("select * from seeds.account_categories").df()
    parent = dict(zip(org["code"], org["parent_code"], strict=True))
    level = dict(zip(org["code"], org["level"], strict=True))

    def board_of(unit: str):
        while unit in parent and level.get(unit) != "nämnd":
            unit = parent[unit]
        return unit if level.get(unit) == "nämnd" else None

    def categorise(frame: pd.DataFrame) -> pd.Series:
        accounts = pd.to_numeric(frame["account"], errors="coerce")
        category = pd.Series(None, index=frame.index, dtype="object")
        for c in categories.itertuples():
            category[accounts.between(c.account_from, c.account_to)] = c.cost_category
        category[frame["counterpart"].isin(["1", "2", "3", "4"])] = "internal_items"
        return category

    parts = []
    for frame, column in ((ledger, "outcome"), (budget, "budget")):
        frame = frame.assign(month=frame["period"].str[5:7].astype(int),
                             board=frame["ansvar"].map(board_of),
                             category=categorise(frame), value=frame["amount"].astype(float))
        grouped = frame.dropna(subset=["board", "category"]).groupby(
            ["board", "category", "month"])["value"].sum().rename(column)
        parts.append(grouped)
    monthly = pd.concat(parts, axis=1).fillna(0).sort_index()
    ytd = monthly.groupby(level=["board", "category"]).cumsum()
    return time.perf_counter() - start, len(ytd)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", default="medium", choices=["small", "medium", "large"])
    parser.add_argument("--dir", type=Path, help="a folder for (or with) the loaded demo")
    args = parser.parse_args()
    root = args.dir or Path(f"/tmp/uppfoljning-bench-{args.size}")
    root.mkdir(parents=True, exist_ok=True)
    warehouse = build(args.size, root)
    with duckdb.connect(str(warehouse), read_only=True) as con:
        rows = con.execute("select count(*) from raw.ledger_transactions").fetchone()[0]
    dbt_seconds = time_dbt(warehouse, root / "dbt_target")
    overhead = time_dbt(warehouse, root / "dbt_target", select="tag:selects_nothing")
    floor_seconds, floor_rows = time_floor(warehouse)
    pandas_seconds, pandas_rows = time_pandas(warehouse)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(f"\nsize {args.size}: {rows:,} ledger rows in the warehouse")
    print(f"{'stage':<40}{'seconds':>10}{'x floor':>10}")
    print(f"{'dbt build (all models and tests)':<40}{dbt_seconds:>10.2f}"
          f"{dbt_seconds / floor_seconds:>10.1f}")
    print(f"{'  of which dbt start-up, no models':<40}{overhead:>10.2f}"
          f"{overhead / floor_seconds:>10.1f}")
    print(f"{'  models and tests only':<40}{dbt_seconds - overhead:>10.2f}"
          f"{(dbt_seconds - overhead) / floor_seconds:>10.1f}")
    print(f"{'floor: one DuckDB query':<40}{floor_seconds:>10.2f}{1:>10.1f}")
    print(f"{'pandas groupby':<40}{pandas_seconds:>10.2f}"
          f"{pandas_seconds / floor_seconds:>10.1f}")
    print(f"(floor {floor_rows} rows, pandas {pandas_rows} rows; peak memory: this process "
          f"{peak:.0f} MB, dbt {children:.0f} MB)")


if __name__ == "__main__":
    main()
