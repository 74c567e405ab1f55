"""SIE 4 parse throughput of the reader on the demo ledger.

    python benchmarks/sie_benchmark.py [--size medium|large] [--data DIR]

Parses every monthly ledger file of a generated Exempelkommun (generated into a temporary
folder unless --data names one) with SieReader and prints MB/s, rows/s and peak memory, and
in the same run a baseline that only reads the files' lines and splits them on whitespace,
with the ratio between the two. Nothing is asserted: machines are shared and noisy.
"""

from __future__ import annotations

import argparse
import resource
import tempfile
import time
from pathlib import Path

from pipelines.demo.generator import generate
from pipelines.ingest.sie import SieReader, Voucher


def parse(files: list[Path]) -> tuple[float, int]:
    start = time.perf_counter()
    rows = 0
    for path in files:
        for record in SieReader(path):
            if isinstance(record, Voucher):
                rows += len(record.rows)
    return time.perf_counter() - start, rows


def baseline(files: list[Path]) -> float:
    start = time.perf_counter()
    for path in files:
        with path.open(encoding="cp437") as f:
            for line in f:
                line.split()
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", default="medium", choices=["small", "medium", "large"])
    parser.add_argument("--data", type=Path, help="a folder written by `uppfoljning generate`")
    args = parser.parse_args()
    data = args.data
    if data is None:
        data = Path(tempfile.mkdtemp(prefix="sie-bench-"))
        generate(data, size=args.size)
    files = sorted(data.glob("ekonomi/*/huvudbok_*-*.se"))
    megabytes = sum(p.stat().st_size for p in files) / 1e6
    seconds, rows = parse(files)
    base = baseline(files)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"{len(files)} files, {megabytes:.0f} MB, {rows:,} #TRANS rows ({data})")
    print(f"{'':<28}{'seconds':>9}{'MB/s':>9}{'rows/s':>12}")
    print(f"{'SieReader':<28}{seconds:>9.2f}{megabytes / seconds:>9.1f}{rows / seconds:>12,.0f}")
    print(f"{'baseline: read and split':<28}{base:>9.2f}{megabytes / base:>9.1f}"
          f"{rows / base:>12,.0f}")
    print(f"reader / baseline: {seconds / base:.1f}x; peak memory {peak:.0f} MB "
          f"(streaming: bounded by one voucher, not by the file)")


if __name__ == "__main__":
    main()
