"""How fast `uppfoljning generate` writes the demo municipality, against raw disk writes.

    python benchmarks/generate_benchmark.py --size medium [--out DIR] [--seed 1]

Generates one size in this process (into a temporary folder unless --out is given) and
reports wall time, peak memory (the process's maximum resident set size, imports included),
ledger rows per second and bytes written per second. As a baseline it then writes the same
files again, same names and sizes, from text lines formatted before the clock starts: the
generator's time over that is what building the data costs on top of the I/O. Neither run
calls fsync, so both measure writing into the operating system's page cache.

Only reports numbers; it asserts nothing about them.
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
from pathlib import Path

from pipelines.demo.generator import DEFAULT_SEED, DEFAULT_YEAR, SIZES, generate

MB = 1024 * 1024
# typical lines of the delivered files, to fill the baseline's files with
SAMPLE_LINES = (
    '#VER LF 508 20250131 "Ramirent faktura 871195" 20250205\n',
    "{\n",
    '#TRANS 6421 {1 "151101" 20 "310" 21 "84"} 4681.61\n',
    '#TRANS 1641 {} 1170.40\n',
    "#TRANS 2440 {} -5852.01\n",
    "}\n",
    "2025-01;19650617-1492;Viktor Bengtsson;M;1965;111101;Politik;Tillsvidare;2013-03-01;;100;"
    "168,00;0,00;0,00;0,00;0,00;52906,70\r\n",
    '#PBUDGET 0 202501 5011 {1 "111101"} 39352.00\n',
)


def peak_rss_mb() -> float:
    """Peak resident memory of this process so far, in MiB (generation runs in-process)."""
    kib_or_bytes = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    # Linux reports KiB, macOS bytes
    return kib_or_bytes / MB if sys.platform == "darwin" else kib_or_bytes / 1024


def preformatted_block(size: int = 4 * MB) -> bytes:
    """About `size` bytes of whole sample lines, encoded as the SIE files are."""
    text = "".join(SAMPLE_LINES)
    return (text * (size // len(text) + 1)).encode("cp437")


def write_raw(out: Path, file_sizes: dict[str, int], block: bytes) -> float:
    """Write each file with its size from `block`; return the seconds it took."""
    start = time.perf_counter()
    for rel, size in file_sizes.items():
        path = out / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("wb") as f:
            remaining = size
            while remaining > 0:
                chunk = block[:remaining]
                f.write(chunk)
                remaining -= len(chunk)
    return time.perf_counter() - start


def print_table(header: list[str], rows: list[list[str]]) -> None:
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    for r in [header, ["-" * w for w in widths], *rows]:
        print("  ".join(cell.rjust(w) for cell, w in zip(r, widths, strict=True)))


def run(size: str, out: Path, seed: int, year: int) -> None:
    rss_before = peak_rss_mb()
    start = time.perf_counter()
    summary = generate(out, size=size, seed=seed, year=year)
    seconds = time.perf_counter() - start
    rss_peak = peak_rss_mb()
    file_sizes = {rel: (out / rel).stat().st_size for rel in summary.files}
    written = sum(file_sizes.values())

    block = preformatted_block()
    with tempfile.TemporaryDirectory(prefix="raw-io-", dir=out.parent) as raw_dir:
        raw_seconds = write_raw(Path(raw_dir), file_sizes, block)

    print(f"uppfoljning generate --size {size} --seed {seed} --year {year} -> {out}")
    print(f"{len(summary.files)} files, {summary.vouchers:,} vouchers; "
          f"peak memory before generating (imports): {rss_before:.0f} MB\n")
    print_table(
        ["run", "size", "seconds", "peak MB", "ledger rows", "rows/s", "bytes written",
         "MB/s"],
        [
            ["generate", size, f"{seconds:.2f}", f"{rss_peak:.0f}", f"{summary.ledger_rows:,}",
             f"{summary.ledger_rows / seconds:,.0f}", f"{written:,}",
             f"{written / MB / seconds:.1f}"],
            ["raw I/O", size, f"{raw_seconds:.2f}", "", "", "", f"{written:,}",
             f"{written / MB / raw_seconds:.1f}"],
        ],
    )
    print(f"\ngenerator time / raw I/O time: {seconds / raw_seconds:.1f}x")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", choices=list(SIZES), default="small")
    parser.add_argument("--out", type=Path, help="generate here and keep the files "
                        "(default: a temporary folder, removed afterwards)")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--year", type=int, default=DEFAULT_YEAR)
    args = parser.parse_args(argv)
    if args.out is not None:
        run(args.size, args.out.resolve(), args.seed, args.year)
        return
    with tempfile.TemporaryDirectory(prefix="uppfoljning-demo-") as tmp:
        run(args.size, Path(tmp) / "demo", args.seed, args.year)


if __name__ == "__main__":
    main()
