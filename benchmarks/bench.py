"""`make bench`: the figures of a large kommun's year, stage by stage, at two sizes.

    python benchmarks/bench.py [--sizes medium large] [--dir DIR]

For each size it generates Exempelkommun into DIR/<size>/sources once (kept and reused), then,
each in a process of its own whose memory is sampled with everything it starts (dbt):

1. the full year, first run: `uppfoljning run` on an empty warehouse, packages included;
2. the same run again on unchanged files;
3. one bimonthly period (`run --from 2025-08 --through 2025-08 --force`: the month's load,
   its models, checks and the period's packages, as when its delivery comes);
4. the SIE parse of every monthly ledger file, against Python reading and splitting the same
   lines (benchmarks/sie_benchmark.py);
5. dbt build of every model and test, against the floor of transform_benchmark.py (the same
   marts without dbt).

It prints one table: seconds, peak memory (the largest sum of resident memory of the run's
process tree), the ratios against their same-run baselines, time(large) / time(medium) (the
large demo has about ten times the ledger rows: ≤ 11 is linear cost) and the goal of issue
18. Nothing is asserted: machines are shared and noisy.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
PYTHON = sys.executable
YEAR = 2025
PERIOD = f"{YEAR}-08"
PAGE = os.sysconf("SC_PAGE_SIZE")

# what each figure is held to (issue 18), and which way is better
GOALS = {
    "first run, s": (120, "≤"), "of which packages, s": (None, ""),
    "rerun, unchanged, s": (60, "≤"), "one period, s": (20, "≤"),
    "peak memory, MB": (2048, "≤"), "ledger load, s": (30, "≤"),
    "SIE parse / read+split": (1.0, "≤"), "quality, s": (15, "≤"),
    "dbt build / floor": (3.0, "≤"), "packages of a period, s": (10, "≤"),
}

DRIVER = r"""
import json, sys, time
from pathlib import Path
from pipelines import runner
config, through, from_month, force = sys.argv[1], sys.argv[2] or None, sys.argv[3] or None, \
    sys.argv[4] == "1"
summary = runner.run_pipeline(Path(config), through, from_month=from_month, force=force)
# the packages are a step of the run (follow_up_packages), every period it made in it
print(json.dumps({"steps": summary.step_seconds, "unchanged": summary.unchanged_since
                  is not None, "packages": summary.step_seconds.get("follow_up_packages", 0.0),
                  "periods": len({p["period"] for p in summary.packages})}))
"""

SIE = r"""
import json, sys
from pathlib import Path
sys.path.insert(0, sys.argv[2])
from sie_benchmark import baseline, parse
files = sorted(Path(sys.argv[1]).glob("ekonomi/*/huvudbok_*-*.se"))
seconds, rows, _ = parse(files)
print(json.dumps({"parse": seconds, "baseline": baseline(files), "rows": rows,
                  "mb": sum(p.stat().st_size for p in files) / 1e6}))
"""

TRANSFORM = r"""
import json, sys
from pathlib import Path
sys.path.insert(0, sys.argv[3])
from transform_benchmark import measure
print(json.dumps(measure(Path(sys.argv[1]), Path(sys.argv[2]))))
"""


def _tree_rss(root: int) -> int:
    """Resident bytes of `root` and every process below it."""
    children: dict[int, list[int]] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat", "rb") as f:
                ppid = int(f.read().rsplit(b")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        children.setdefault(ppid, []).append(int(entry.name))
    total, todo = 0, [root]
    while todo:
        pid = todo.pop()
        todo += children.get(pid, [])
        try:
            with open(f"/proc/{pid}/statm") as f:
                total += int(f.read().split()[1]) * PAGE
        except (OSError, IndexError, ValueError):
            pass
    return total


def measured(args: list[str], cwd: Path) -> tuple[float, float, str]:
    """Seconds, peak MB of the process tree, and stdout of a command."""
    start = time.perf_counter()
    process = subprocess.Popen(args, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               text=True, env={**os.environ, "PYTHONPATH": str(REPO)})
    peak = [0]

    def sample() -> None:
        while process.poll() is None:
            peak[0] = max(peak[0], _tree_rss(process.pid))
            time.sleep(0.2)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    out, err = process.communicate()
    seconds = time.perf_counter() - start
    sampler.join()
    if process.returncode != 0:
        raise SystemExit(f"{' '.join(args[:3])} failed ({process.returncode}):\n{err[-3000:]}")
    return seconds, peak[0] / 2**20, out


def prepare(size: str, root: Path) -> Path:
    """The generated kommun of `size` (kept), and an empty place to run it."""
    import yaml

    from pipelines.demo.generator import generate
    from pipelines.demo_cli import demo_config

    sources = root / "sources"
    if not (sources / "organisation").is_dir():
        print(f"generating {size} into {sources} ...", flush=True)
        generate(sources, size=size, year=YEAR)
    run = root / "run"
    shutil.rmtree(run, ignore_errors=True)
    run.mkdir(parents=True)
    config = run / "uppfoljning.yaml"
    settings = demo_config(YEAR)
    settings["sources"] = json.loads(json.dumps(settings["sources"]).replace(
        '"sources/', f'"{sources}/'))
    config.write_text(yaml.safe_dump(settings, allow_unicode=True), encoding="utf-8")
    return config


def run_size(size: str, root: Path) -> dict[str, float]:
    config = prepare(size, root)
    os.environ.pop("DAGSTER_HOME", None)  # each run's own instance, beside its warehouse
    figures: dict[str, float] = {}

    def pipeline(through: str = "", from_month: str = "", force: bool = False):
        seconds, peak, out = measured([PYTHON, "-c", DRIVER, str(config), through,
                                       from_month, "1" if force else "0"], config.parent)
        return seconds, peak, json.loads(out.strip().splitlines()[-1])

    print(f"[{size}] full year, first run ...", flush=True)
    seconds, peak, first = pipeline()
    steps = first["steps"]
    figures["first run, s"] = seconds
    figures["of which packages, s"] = first["packages"]
    figures["peak memory, MB"] = peak
    figures["ledger load, s"] = steps.get("raw_ledger_transactions", 0.0)
    figures["quality, s"] = sum(s for k, s in steps.items() if k.startswith("quality__"))
    figures["packages of a period, s"] = first["packages"] / max(first["periods"], 1)
    print(f"[{size}] rerun on unchanged files ...", flush=True)
    seconds, peak, again = pipeline()
    figures["rerun, unchanged, s"] = seconds
    figures["peak memory, MB"] = max(figures["peak memory, MB"], peak)
    print(f"[{size}] one bimonthly period ({PERIOD}) ...", flush=True)
    seconds, peak, _ = pipeline(PERIOD, PERIOD, force=True)
    figures["one period, s"] = seconds
    figures["peak memory, MB"] = max(figures["peak memory, MB"], peak)
    print(f"[{size}] SIE parse ...", flush=True)
    _, _, out = measured([PYTHON, "-c", SIE, str(root / "sources"), str(REPO / "benchmarks")],
                         REPO)
    sie = json.loads(out)
    figures["SIE parse, MB/s"] = sie["mb"] / sie["parse"]
    figures["read+split, MB/s"] = sie["mb"] / sie["baseline"]
    figures["SIE parse / read+split"] = sie["parse"] / sie["baseline"]
    print(f"[{size}] dbt build against the floor ...", flush=True)
    warehouse = config.parent / "warehouse" / "uppfoljning.duckdb"
    _, peak, out = measured([PYTHON, "-c", TRANSFORM, str(warehouse),
                             str(root / "dbt_target"), str(REPO / "benchmarks")], REPO)
    transform = json.loads(out.strip().splitlines()[-1])
    figures["dbt build, s"] = transform["dbt"]
    figures["floor, s"] = transform["floor"]
    figures["dbt build / floor"] = transform["dbt"] / transform["floor"]
    figures["rerun skipped"] = float(again["unchanged"])
    return figures


def print_table(results: dict[str, dict[str, float]]) -> None:
    sizes = list(results)
    names = list(dict.fromkeys(k for r in results.values() for k in r if k != "rerun skipped"))
    header = ["figure", *sizes]
    if len(sizes) == 2:
        header.append(f"{sizes[1]}/{sizes[0]}")
    header += ["goal", "met"]
    rows = []
    for name in names:
        values = [results[s].get(name) for s in sizes]
        row = [name, *(f"{v:,.1f}" if v is not None else "" for v in values)]
        if len(sizes) == 2:
            a, b = values
            row.append(f"{b / a:.1f}" if a and b is not None and name.endswith(", s") else "")
        goal, sense = GOALS.get(name, (None, ""))
        last = values[-1]
        row += [f"{sense} {goal:,}" if goal is not None else "",
                ("yes" if last <= goal else "no") if goal is not None and last is not None
                else ""]
        rows.append(row)
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    print()
    for r in [header, ["-" * w for w in widths], *rows]:
        print("  ".join(c.ljust(w) if i == 0 else c.rjust(w)
                        for i, (c, w) in enumerate(zip(r, widths, strict=True))))
    for size, r in results.items():
        if not r.get("rerun skipped"):
            print(f"note: the {size} rerun was not skipped")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", nargs="+", default=["medium", "large"],
                        choices=["small", "medium", "large"])
    parser.add_argument("--dir", type=Path, default=Path(os.environ.get(
        "UPPFOLJNING_BENCH_DIR", "/tmp/uppfoljning-bench")))
    args = parser.parse_args()
    print(f"{os.cpu_count()} cores; data and runs under {args.dir}", flush=True)
    results = {size: run_size(size, args.dir / size) for size in args.sizes}
    print_table(results)


if __name__ == "__main__":
    main()
