"""`uppfoljning sie inspect FILE [--json]`: what a data engineer checks before loading a file.

Exit 0 when the file was read (even with quarantined lines), 2 when it is refused. The human
report is in Swedish; `--json` gives the same as one JSON object (keys in README.md).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

from pipelines.ingest.sie import NotSieError, PeriodAmount, SieReader, Voucher

sie_app = typer.Typer(no_args_is_help=True, help="SIE 4 files.")
COUNT_KEYS = ("vouchers", "transactions", "removed_transactions", "period_budgets",
              "period_balances", "dimensions", "underdimensions", "objects", "accounts", "sru",
              "ib", "ub", "oib", "oub", "res")
COUNT_NAMES = {
    "vouchers": "Verifikationer (#VER)", "transactions": "Transaktioner (#TRANS/#RTRANS)",
    "removed_transactions": "Strukna transaktioner (#BTRANS)",
    "period_budgets": "Periodbudgetar (#PBUDGET)", "period_balances": "Periodsaldon (#PSALDO)",
    "dimensions": "Dimensioner (#DIM)", "underdimensions": "Underdimensioner (#UNDERDIM)",
    "objects": "Objekt (#OBJEKT)", "accounts": "Konton (#KONTO)", "sru": "SRU-koder (#SRU)",
    "ib": "Ingående balanser (#IB)",
    "ub": "Utgående balanser (#UB)", "oib": "Objekt-IB (#OIB)", "oub": "Objekt-UB (#OUB)",
    "res": "Resultatsaldon (#RES)",
}


def inspect_file(path: Path) -> dict:
    """Read the whole file and describe it; raises NotSieError / OSError when refused."""
    reader = SieReader(path)
    unbalanced = []
    first_period = last_period = None
    for record in reader:
        if isinstance(record, Voucher):
            if record.balance_ore:
                unbalanced.append({"series": record.series, "number": record.number,
                                   "date": record.date.isoformat(), "line": record.line,
                                   "sum": f"{record.balance_ore / 100:.2f}"})
            period = f"{record.date:%Y-%m}"
        elif isinstance(record, PeriodAmount) and len(record.period) == 6:
            period = f"{record.period[:4]}-{record.period[4:]}"
        else:
            continue
        first_period = min(first_period or period, period)
        last_period = max(last_period or period, period)
    info = reader.info
    return {
        "file": str(path),
        "program": info.program,
        "declared_format": info.declared_format,
        "encoding": info.encoding,
        "sie_type": info.sie_type,
        "chart_type": info.chart_type,
        "company": info.company,
        "orgnr": info.orgnr,
        "generated": info.generated,
        "fiscal_years": [{"index": i, "start": start.isoformat(), "end": end.isoformat()}
                         for i, (start, end) in sorted(info.fiscal_years.items(),
                                                       reverse=True)],
        "periods": {"first": first_period, "last": last_period},
        "counts": {k: info.counts.get(k, 0) for k in COUNT_KEYS},
        "checksum": info.checksum,
        "unbalanced_vouchers": unbalanced,
        "quarantined": [{"line": q.line, "rule": q.rule, "raw": q.raw} for q in info.quarantine],
    }


def print_report(report: dict, console: Console) -> None:
    console.print(f"[bold]{report['file']}[/]")
    facts = Table(show_header=False, box=None)
    facts.add_row("Program", report["program"] or "-")
    facts.add_row("Format", f"{report['declared_format'] or '-'} (läst som "
                            f"{report['encoding']})")
    facts.add_row("SIE-typ", report["sie_type"] or "-")
    facts.add_row("Kontoplan", report["chart_type"] or "-")
    facts.add_row("Företag", f"{report['company'] or '-'} {report['orgnr']}".strip())
    for year in report["fiscal_years"]:
        facts.add_row(f"Räkenskapsår {year['index']}", f"{year['start']} - {year['end']}")
    if report["periods"]["first"]:
        facts.add_row("Perioder", f"{report['periods']['first']} - {report['periods']['last']}")
    facts.add_row("Kontrollsumma", {"absent": "saknas", "ok": "stämmer"}.get(
        report["checksum"], report["checksum"]))
    console.print(facts)
    counts = Table(title="Antal poster", title_justify="left")
    counts.add_column("Post")
    counts.add_column("Antal", justify="right")
    for key, n in report["counts"].items():
        if n:
            counts.add_row(COUNT_NAMES[key], f"{n:,}".replace(",", " "))
    console.print(counts)
    if report["unbalanced_vouchers"]:
        table = Table(title="Obalanserade verifikationer", title_justify="left")
        for column in ("Serie", "Nummer", "Datum", "Rad", "Summa"):
            table.add_column(column, justify="right" if column in ("Rad", "Summa") else "left")
        for v in report["unbalanced_vouchers"]:
            table.add_row(v["series"], v["number"], v["date"], str(v["line"]), v["sum"])
        console.print(table)
    else:
        console.print("Alla verifikationer balanserar.")
    if report["quarantined"]:
        table = Table(title="Karantänsatta rader", title_justify="left")
        for column in ("Rad", "Regel", "Innehåll"):
            table.add_column(column)
        for q in report["quarantined"][:200]:
            table.add_row(str(q["line"]), q["rule"], q["raw"][:80])
        console.print(table)
        if len(report["quarantined"]) > 200:
            console.print(f"... och {len(report['quarantined']) - 200} rader till")
    else:
        console.print("Inga karantänsatta rader.")


@sie_app.command("inspect")
def inspect(
    file: Path = typer.Argument(..., help="a SIE file (types 1-4)"),
    as_json: bool = typer.Option(False, "--json", help="one JSON object on stdout"),
) -> None:
    """Check a SIE file before loading it: encoding, years, counts, balance, quarantine."""
    err = Console(stderr=True, soft_wrap=True)
    try:
        report = inspect_file(file)
    except NotSieError as e:
        err.print(f"[red]fel:[/] {e}", highlight=False)
        raise typer.Exit(2) from None
    except OSError as e:
        err.print(f"[red]fel:[/] {file}: kan inte läsas ({e.strerror or e})", highlight=False)
        raise typer.Exit(2) from None
    if as_json:
        sys.stdout.write(json.dumps(report, ensure_ascii=False, indent=2) + "\n")
    else:
        print_report(report, Console(soft_wrap=True))
