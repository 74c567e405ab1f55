"""How long the packages of one follow-up period take: every board's and the kommun's
workbook and PDF.

    python benchmarks/packages_benchmark.py --size large [--dir DIR] [--period 2025-08]

Generates Exempelkommun of the given size into DIR (unless it holds a warehouse already) and
runs the pipeline without packages; then, in this process and as `make_packages` does,
reads what the period's packages share once (open quality issues, the reconciliation),
builds each package's content from the marts, writes its workbook and typesets its PDF,
and prints the seconds of each part per package and in all. The target is all packages of
one period at `large` in at most 10 s on 2 cores.

As baselines in the same run it writes, per package, the same number of cells with
xlsxwriter in constant-memory mode (what a workbook of that size costs at the least), and
typesets a one-page Typst document (what starting a PDF costs). Only prints numbers; it
asserts nothing about them: machines are shared and noisy.
"""

from __future__ import annotations

import argparse
import datetime as dt
import tempfile
import time
from pathlib import Path

import duckdb
import typst
import xlsxwriter
import yaml

from pipelines.demo.generator import generate
from pipelines.demo_cli import demo_config
from pipelines.packages import content, pdf, publish, workbook
from pipelines.runner import run_pipeline

YEAR = 2025


def prepare(root: Path, size: str) -> Path:
    config = root / "uppfoljning.yaml"
    if not (root / "warehouse" / "uppfoljning.duckdb").exists():
        generate(root / "sources", size=size, year=YEAR)
        config.write_text(yaml.safe_dump(demo_config(YEAR), allow_unicode=True),
                          encoding="utf-8")
        started = time.perf_counter()
        run_pipeline(config, packages=False)
        print(f"pipeline without packages: {time.perf_counter() - started:.1f} s")
    return root / "warehouse" / "uppfoljning.duckdb"


def cells_of(package: content.Package) -> int:
    frames = [package.summary, package.follow_up, package.deviations, package.investments,
              package.staff, package.quality, package.goals]
    return sum(f.shape[0] * max(1, f.shape[1]) for f in frames if not f.empty)


def xlsxwriter_floor(cells: int, out: Path) -> float:
    started = time.perf_counter()
    book = xlsxwriter.Workbook(str(out), {"constant_memory": True})
    ws = book.add_worksheet()
    width = 20
    for i in range(cells):
        ws.write_number(i // width, i % width, i * 1.5)
    book.close()
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--size", default="large")
    parser.add_argument("--dir", type=Path)
    parser.add_argument("--period", default=f"{YEAR}-08")
    args = parser.parse_args()
    root = args.dir or Path(tempfile.mkdtemp(prefix="packages_bench_"))
    warehouse = prepare(root, args.size)
    out = Path(tempfile.mkdtemp(prefix="packages_out_"))
    con = duckdb.connect(str(warehouse), read_only=True)
    year, month = content.follow_up_period(args.period)
    scopes = [s.code for s in content.boards(con, year, month)] + [None]
    totals = {"content": 0.0, "workbook": 0.0, "pdf": 0.0, "floor_xlsx": 0.0, "floor_pdf": 0.0}
    started = time.perf_counter()  # what the period's packages share, read once
    checks = publish.period_checks(con, args.period)
    totals["content"] += time.perf_counter() - started
    print(f"kvalitetsfel och avstämning för perioden: {time.perf_counter() - started:.2f} s")
    print(f"{'paket':<34}{'innehåll':>10}{'arbetsbok':>11}{'pdf':>8}{'rader':>8}")
    for code in scopes:
        t0 = time.perf_counter()
        package = publish.package_of(con, "Exempelkommun", args.period, code, checks)
        t1 = time.perf_counter()
        workbook.write_workbook(package, out / f"{code or 'kommunen'}.xlsx", "bench",
                                dt.date(YEAR, 9, 15))
        t2 = time.perf_counter()
        pdf.write_pdf(package, out / f"{code or 'kommunen'}.pdf", dt.date(YEAR, 9, 15))
        t3 = time.perf_counter()
        totals["content"] += t1 - t0
        totals["workbook"] += t2 - t1
        totals["pdf"] += t3 - t2
        totals["floor_xlsx"] += xlsxwriter_floor(cells_of(package), out / "floor.xlsx")
        started = time.perf_counter()
        typst.compile(b"#set document(title: [x])\n= x\nx", format="pdf")
        totals["floor_pdf"] += time.perf_counter() - started
        print(f"{package.scope.name[:33]:<34}{t1 - t0:>9.2f}s{t2 - t1:>10.2f}s"
              f"{t3 - t2:>7.2f}s{len(package.follow_up):>8}")
    whole = totals["content"] + totals["workbook"] + totals["pdf"]
    size = args.size if args.dir is None else f"lagret i {args.dir}"
    print(f"\n{len(scopes)} paket för {args.period} ({size}): {whole:.1f} s i allt "
          f"(innehåll {totals['content']:.1f} s, arbetsböcker {totals['workbook']:.1f} s, "
          f"pdf {totals['pdf']:.1f} s); mål: högst 10 s")
    print(f"per arbetsbok {totals['workbook'] / len(scopes):.2f} s, "
          f"{totals['workbook'] / max(totals['floor_xlsx'], 1e-9):.1f} × golvet "
          f"(samma antal celler med xlsxwriter: {totals['floor_xlsx']:.2f} s)")
    print(f"per pdf {totals['pdf'] / len(scopes):.2f} s, "
          f"{totals['pdf'] / max(totals['floor_pdf'], 1e-9):.1f} × golvet "
          f"(en sida Typst: {totals['floor_pdf']:.2f} s)")


if __name__ == "__main__":
    main()
