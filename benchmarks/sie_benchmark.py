"""SIE 4 parse throughput of the reader on the demo ledger.

    python benchmarks/sie_benchmark.py [--size medium|large] [--data DIR]

Parses every monthly ledger file (ekonomi/<year>/huvudbok_<yyyy>-<mm>.se) of a generated
Exempelkommun with SieReader and prints seconds, MB/s, #TRANS rows/s and peak memory. With
--data it reuses a folder written by `uppfoljning generate`; without, it generates one of
--size into a temporary folder (in a child process, so that the generator's memory does not
count as the reader's) and removes it afterwards. As a same-run baseline it times plain
Python reading and splitting the same files' lines (`for line in f: line.split()`) and
prints the ratio reader / baseline. Nothing is asserted: machines are shared and noisy.
"""

from __future__ import annotations

import argparse
import multiprocessing
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

from pipelines.ingest.sie import SieReader, Voucher


def _generate(out: Path, size: str) -> None:
    from pipelines.demo.generator import generate

    generate(out, size=size)


def max_rss_mb() -> float:
    """Peak resident memory of this process so far (ru_maxrss: KiB on Linux, bytes on macOS)."""
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return rss / (1 << 20) if sys.platform == "darwin" else rss / 1024


def parse(files: list[Path]) -> tuple[float, int, int]:
    """Seconds, #TRANS rows and quarantined lines of reading every file with SieReader."""
    start = time.perf_counter()
    rows = quarantined = 0
    for path in files:
        reader = SieReader(path)
        for record in reader:
            if isinstance(record, Voucher):
                rows += len(record.rows)
        quarantined += len(reader.info.quarantine)
    return time.perf_counter() - start, rows, quarantined


def baseline(files: list[Path]) -> float:
    """Seconds of only reading the same files' lines and splitting them on whitespace."""
    start = time.perf_counter()
    for path in files:
        with path.open(encoding="cp437") as f:
            for line in f:
                line.split()
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", default="medium", choices=["medium", "large"],
                        help="demo size to generate when --data is not given (default medium)")
    parser.add_argument("--data", type=Path, help="a folder written by `uppfoljning generate`")
    args = parser.parse_args()
    data, generated = args.data, None
    if data is None:
        generated = data = Path(tempfile.mkdtemp(prefix="sie-bench-"))
        print(f"generating a {args.size} demo into {data} ...", flush=True)
        child = multiprocessing.Process(target=_generate, args=(data, args.size))
        child.start()
        child.join()
        if child.exitcode:
            sys.exit(f"generation failed (exit {child.exitcode})")
    try:
        files = sorted(data.glob("ekonomi/*/huvudbok_*-*.se"))
        if not files:
            sys.exit(f"{data}: no ekonomi/<year>/huvudbok_<yyyy>-<mm>.se files")
        megabytes = sum(p.stat().st_size for p in files) / 1e6
        rss_before = max_rss_mb()
        seconds, rows, quarantined = parse(files)
        rss_after = max_rss_mb()
        base = baseline(files)
    finally:
        if generated is not None:
            shutil.rmtree(generated, ignore_errors=True)

    print(f"\n{data}: {len(files)} files, {megabytes:.1f} MB, {rows:,} #TRANS rows"
          f"{f', {quarantined} quarantined lines' if quarantined else ''}\n")
    print(f"{'':<26}{'seconds':>9}{'MB/s':>9}{'rows/s':>12}")
    print(f"{'SieReader':<26}{seconds:>9.2f}{megabytes / seconds:>9.1f}{rows / seconds:>12,.0f}")
    print(f"{'baseline: read + split':<26}{base:>9.2f}{megabytes / base:>9.1f}"
          f"{rows / base:>12,.0f}")
    print(f"\nreader / baseline: {seconds / base:.1f}x")
    print(f"peak memory (ru_maxrss): {rss_after:.0f} MB; {rss_before:.0f} MB before parsing "
          f"(interpreter and imports), so the reader added {rss_after - rss_before:.0f} MB "
          f"for {megabytes:.0f} MB of files")
    print(f"10 million #TRANS rows at this rate: {10_000_000 / (rows / seconds):.0f} s of parsing")


if __name__ == "__main__":
    main()
