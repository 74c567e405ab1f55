"""Peak memory and seconds of the quality step on one large month, validated in one piece
and in chunks (issue 31, item 11).

    python benchmarks/quality_memory_benchmark.py [--rows 3500000] [--period 2025-08]
        [--chunk-rows N] [--suites kontering hr ...] [--dir DIR]

Generates the small Exempelkommun once into DIR/small and runs the pipeline on it without
packages (kept and reused). Then it copies that warehouse and makes one month of it `--rows`
ledger rows with DuckDB SQL: the month's rows repeated (a `range` join) with fresh line
numbers and, past the first copy, fresh voucher numbers (so the set rules see as many
vouchers as rows warrant, not duplicates), cut at `--rows` in file and line order.

On a fresh copy of that warehouse each time, it runs the quality step for the month as
`quality/issues` does (every suite of expectations/, or those of `--suites`; the
whole-warehouse scans; the issues stored; Data Docs written) twice, each in a process of its
own whose resident memory is sampled with everything it starts (benchmarks/bench.py's
`measured`):

1. the old approach: the month's slice fetched and validated as one DataFrame
   (`chunk_rows=None`);
2. the new one: the slice streamed from DuckDB and validated in chunks of `--chunk-rows`
   rows (default: pipelines/quality/run.py's CHUNK_ROWS).

It prints seconds and peak MB of each, the ratios new / old, and whether both gave the same
results and issues (quality.check_results without run_at, quality.issues). Nothing is
asserted: machines are shared and noisy.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import sys
import tempfile
import time
from pathlib import Path

import duckdb

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench import PYTHON, REPO, YEAR, measured  # noqa: E402

# the quality step of one month in a process of its own: argv = warehouse, period, chunk
# rows ("month" for the whole month in one DataFrame), Data Docs folder, suites ("" for all)
DRIVER = r"""
import datetime as dt, hashlib, json, sys, time
from pathlib import Path
started = time.perf_counter()
from pipelines.quality import run
from pipelines.quality.suites import load_suites
from pipelines.resources import Warehouse
path, period, chunk, docs, names = sys.argv[1:6]
chunk_rows = None if chunk == "month" else int(chunk)
run_at = dt.datetime(2026, 1, 1)
suites = [s for s in load_suites() if not names or s.suite in names.split(",")]
runner = run.GxRunner(docs_dir=Path(docs))
outcome = run.Outcome()
with Warehouse(path=path).connect() as con:
    rows = con.execute("select count(*) from raw.ledger_transactions where period = ?",
                       [period]).fetchone()[0]
    for suite in suites:
        outcome.extend(run.run_suite(con, suite, period, run_at=run_at, include_scans=True,
                                     runner=runner, chunk_rows=chunk_rows))
    run.store(con, outcome, suites, [period])
runner.build_docs()
results = sorted(json.dumps({k: v for k, v in r.items() if k != "run_at"}, default=str)
                 for r in outcome.results)
issues = sorted(json.dumps(i, default=str, sort_keys=True) for i in outcome.issues)
digest = hashlib.sha256("\n".join(results + issues).encode()).hexdigest()
print("RESULT", json.dumps({"seconds": time.perf_counter() - started, "rows": rows,
                            "issues": len(issues), "digest": digest}), flush=True)
"""


def base_warehouse(root: Path) -> Path:
    """The small demo's warehouse, generated and loaded once (no packages)."""
    import yaml

    from pipelines.demo.generator import generate
    from pipelines.demo_cli import demo_config
    from pipelines.runner import run_pipeline

    warehouse = root / "warehouse" / "uppfoljning.duckdb"
    if not warehouse.exists():
        print(f"generating the small demo into {root} and loading it ...", flush=True)
        shutil.rmtree(root, ignore_errors=True)
        generate(root / "sources", size="small", year=YEAR)
        config = root / "uppfoljning.yaml"
        config.write_text(yaml.safe_dump(demo_config(YEAR), allow_unicode=True),
                          encoding="utf-8")
        run_pipeline(config, packages=False)
    return warehouse


def build_month(base: Path, target: Path, rows: int, period: str) -> None:
    """A copy of `base` whose `period` holds `rows` ledger rows: the month repeated."""
    started = time.perf_counter()
    shutil.copyfile(base, target)
    with duckdb.connect(str(target)) as con:
        count, span = con.execute(
            "select count(*), max(source_line) + 1 from raw.ledger_transactions "
            "where period = ?", [period]).fetchone()
        if not count:
            raise SystemExit(f"the demo has no ledger rows in {period}")
        con.execute("create temp table month as select * from raw.ledger_transactions "
                    "where period = $period", {"period": period})
        con.execute("delete from raw.ledger_transactions where period = $period",
                    {"period": period})
        con.execute("""
            insert into raw.ledger_transactions
            select m.* replace (
                m.source_line + c.i * $span as source_line,
                m.voucher_line + c.i * $span as voucher_line,
                case when c.i = 0 then m.voucher_number
                     else m.voucher_number || '.' || c.i end as voucher_number)
            from month m, range($copies) c(i)
            order by c.i, m.source_file, m.source_line
            limit $rows""", {"span": span, "copies": -(-rows // count), "rows": rows})
        con.execute("drop table month")
        con.execute("checkpoint")
    print(f"built {period} with {rows:,} ledger rows in {time.perf_counter() - started:.1f} s"
          f" ({target.stat().st_size / 2**20:,.0f} MB)", flush=True)


def quality_step(warehouse: Path, period: str, chunk: str, suites: list[str]
                 ) -> tuple[float, float, dict]:
    """Seconds, peak MB of the process tree, and what the step reported, on a copy of
    `warehouse` (the step stores its issues, and the personnummer scan reads every table)."""
    with tempfile.TemporaryDirectory(prefix="quality-", dir=warehouse.parent) as scratch:
        copy = Path(scratch) / warehouse.name
        shutil.copyfile(warehouse, copy)
        seconds, peak, out = measured([PYTHON, "-c", DRIVER, str(copy), period, chunk,
                                       str(Path(scratch) / "docs"), ",".join(suites)], REPO)
    # DuckDB's progress bar writes to the same stdout
    return seconds, peak, json.loads(re.findall(r"RESULT (\{.*\})", out)[-1])


def main() -> None:
    from pipelines.quality.run import CHUNK_ROWS

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=3_500_000, help="ledger rows of the month")
    parser.add_argument("--period", default=f"{YEAR}-08")
    parser.add_argument("--chunk-rows", type=int, default=CHUNK_ROWS)
    parser.add_argument("--suites", nargs="*", default=[],
                        help="only these suites (default: every suite of expectations/)")
    parser.add_argument("--dir", type=Path, default=Path(os.environ.get(
        "UPPFOLJNING_BENCH_DIR", "/tmp/uppfoljning-bench")) / "quality-memory")
    args = parser.parse_args()
    print(f"{os.cpu_count()} cores; data under {args.dir}", flush=True)
    base = base_warehouse(args.dir / "small")
    warehouse = args.dir / f"month-{args.rows}.duckdb"
    warehouse.unlink(missing_ok=True)
    build_month(base, warehouse, args.rows, args.period)
    figures = {}
    for name, chunk in (("one DataFrame (old)", "month"),
                        (f"chunks of {args.chunk_rows:,} rows (new)", str(args.chunk_rows))):
        print(f"quality step of {args.period}, {name} ...", flush=True)
        figures[name] = quality_step(warehouse, args.period, chunk, args.suites)
    (old_s, old_mb, old), (new_s, new_mb, new) = figures.values()
    print(f"\nquality step on {args.period} with {old['rows']:,} ledger rows "
          f"({os.cpu_count()} cores)")
    width = max(len(n) for n in figures)
    print(f"{'approach'.ljust(width)}  {'seconds':>8}  {'peak MB':>8}  {'issues':>7}")
    for name, (seconds, peak, out) in figures.items():
        print(f"{name.ljust(width)}  {seconds:8.1f}  {peak:8,.0f}  {out['issues']:7,}")
    print(f"{'new / old'.ljust(width)}  {new_s / old_s:8.2f}  {new_mb / old_mb:8.2f}")
    print("same results and issues:", "yes" if old["digest"] == new["digest"] else "NO")
    warehouse.unlink(missing_ok=True)


if __name__ == "__main__":
    main()
