"""How the pipeline's time splits over its stages: ingest, transform (dbt), quality, reports.

    python benchmarks/pipeline_stages_benchmark.py --size medium [--dir DIR]

Generates Exempelkommun of the given size (unless DIR holds it), runs the whole pipeline in
one run and prints each stage's seconds (from Dagster's step start and end events) and its
share of the run. The quality stage's target is at most 25 % of the pipeline's time. Nothing
is asserted: machines are shared and noisy.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import yaml

from pipelines.demo.generator import generate
from pipelines.demo_cli import demo_config
from pipelines.runner import run_pipeline

YEAR = 2025


def stage(step: str) -> str:
    if step.startswith(("raw_", "returned_packages")):
        return "ingest (load)"
    if step.startswith("quality__") or step.endswith(("kontering", "periodisering", "_hr")):
        return "quality"
    if step in ("monthly_models", "reference_models") or step.startswith(
            ("marts__", "staging__", "intermediate__", "seeds__")):
        return "transform (dbt and its tests)"
    if step == "load_report":
        return "reports"
    return "checks"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", default="medium", choices=["small", "medium", "large"])
    parser.add_argument("--dir", type=Path)
    args = parser.parse_args()
    root = args.dir or Path(f"/tmp/uppfoljning-stages-{args.size}")
    config = root / "uppfoljning.yaml"
    if not config.exists():
        generate(root / "sources", size=args.size, year=YEAR)
        config.write_text(yaml.safe_dump(demo_config(YEAR), allow_unicode=True))
    start = time.perf_counter()
    summary = run_pipeline(config)
    total = time.perf_counter() - start
    by_stage: dict[str, float] = {}
    for step, seconds in summary.step_seconds.items():
        by_stage[stage(step)] = by_stage.get(stage(step), 0.0) + seconds
    steps_total = sum(by_stage.values())
    print(f"size {args.size}: run of {len(summary.months)} months took {total:.1f} s "
          f"({steps_total:.1f} s in steps)")
    print(f"{'stage':<34}{'seconds':>9}{'share':>8}")
    for name, seconds in sorted(by_stage.items(), key=lambda kv: -kv[1]):
        print(f"{name:<34}{seconds:>9.1f}{seconds / steps_total:>8.0%}")
    for step, seconds in sorted(summary.step_seconds.items(), key=lambda kv: -kv[1])[:8]:
        print(f"  {step:<50}{seconds:>8.1f}")


if __name__ == "__main__":
    main()
