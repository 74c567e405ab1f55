"""`uppfoljning sie inspect FILE [--json]`: what a data engineer checks before loading a file.

Exit 0 when the file was read (even with quarantined lines), 2 when it is refused (not SIE,
missing or unreadable) with one line on stderr. The human report is in Swedish; `--json`
gives the same as one JSON object on stdout (keys in README.md).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

from pipelines.errors import literal_line, terminal
from pipelines.ingest.completeness import sie_cut_off
from pipelines.ingest.sie import NotSieError, PeriodAmount, SieReader, Voucher
from pipelines.text import thousands

sie_app = typer.Typer(no_args_is_help=True, help="SIE 4 files.")

COUNT_NAMES = {  # counts key -> Swedish row heading, in report order
    "vouchers": "Verifikationer (#VER)",
    "empty_vouchers": "Verifikationer utan rader (läses inte in)",
    "transactions": "Transaktioner (#TRANS, #RTRANS)",
    "removed_transactions": "Strukna transaktioner (#BTRANS)",
    "period_budgets": "Periodbudgetar (#PBUDGET)",
    "period_balances": "Periodsaldon (#PSALDO)",
    "dimensions": "Dimensioner (#DIM)",
    "underdimensions": "Underdimensioner (#UNDERDIM)",
    "objects": "Objekt (#OBJEKT)",
    "accounts": "Konton (#KONTO)",
    "sru": "SRU-koder (#SRU)",
    "ib": "Ingående balanser (#IB)",
    "ub": "Utgående balanser (#UB)",
    "oib": "Ingående objektbalanser (#OIB)",
    "oub": "Utgående objektbalanser (#OUB)",
    "res": "Resultatsaldon (#RES)",
    "quarantined": "Karantänsatta rader",
}
CHECKSUM_NAMES = {"absent": "saknas (ingen #KSUMMA)", "ok": "stämmer"}
MAX_ROWS_SHOWN = 200  # of quarantined lines in the human report; --json lists them all


def sek(ore: int) -> str:
    """-1277100 -> '-12771.00', exact (no float)."""
    sign = "-" if ore < 0 else ""
    kronor, rest = divmod(abs(ore), 100)
    return f"{sign}{kronor}.{rest:02d}"


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
                                   "sum": sek(record.balance_ore),
                                   "sum_ore": record.balance_ore})
            period = f"{record.date:%Y-%m}"
        elif isinstance(record, PeriodAmount) and len(record.period) == 6:
            period = f"{record.period[:4]}-{record.period[4:]}"
        else:
            continue
        first_period = min(first_period or period, period)
        last_period = max(last_period or period, period)
    info = reader.info
    refused = sie_cut_off(path)
    return {
        "file": str(path),
        # what the load would refuse the file whole for (cut off, only a piece of a file)
        "refusal": None if refused is None else {"line": refused.line,
                                                  "reason": refused.reason},
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
        "counts": {key: info.counts.get(key, 0) for key in COUNT_NAMES},
        "checksum": info.checksum,
        "unbalanced_vouchers": unbalanced,
        "quarantined": [{"line": q.line, "rule": q.rule, "raw": q.raw} for q in info.quarantine],
    }


def print_report(report: dict, console: Console) -> None:
    """The human report, in Swedish. Values from the file are Text, never rich markup."""
    console.print(Text(report["file"], style="bold"))
    console.print(_facts(report))
    if report["refusal"]:
        console.print(Text(f"Inläsningen avvisar filen (rad {report['refusal']['line']}): "
                           f"{report['refusal']['reason']}", style="bold red"))
    counts = Table(title="Antal poster", title_justify="left")
    counts.add_column("Post")
    counts.add_column("Antal", justify="right")
    for key, n in report["counts"].items():
        if n:
            counts.add_row(COUNT_NAMES[key], thousands(n))
    console.print(counts)
    _print_unbalanced(report["unbalanced_vouchers"], console)
    _print_quarantined(report["quarantined"], console)


def _facts(report: dict) -> Table:
    """The file's facts: program, format, encoding, fiscal years, periods, checksum."""
    facts = Table(show_header=False, box=None, pad_edge=False)
    facts.add_column(style="bold")
    facts.add_column()
    encoding = report["encoding"]
    if report["declared_format"] == "PC8" and encoding not in ("cp437", "ascii"):
        encoding += " (filen säger PC8, men bytena är inte CP437)"
    for heading, value in [
        ("Program", report["program"]),
        ("Format", report["declared_format"]),
        ("Kodning", encoding),
        ("SIE-typ", report["sie_type"]),
        ("Kontoplan", report["chart_type"]),
        ("Företag", report["company"]),
        ("Organisationsnummer", report["orgnr"]),
        ("Skapad", report["generated"]),
    ]:
        facts.add_row(heading, Text(value or "-"))
    for year in report["fiscal_years"]:
        facts.add_row(f"Räkenskapsår {year['index']}", f"{year['start']} – {year['end']}")
    if not report["fiscal_years"]:
        facts.add_row("Räkenskapsår", "- (ingen #RAR)")
    if report["periods"]["first"]:
        facts.add_row("Perioder", f"{report['periods']['first']} – {report['periods']['last']}")
    facts.add_row("Kontrollsumma", Text(CHECKSUM_NAMES.get(report["checksum"],
                                                           report["checksum"])))
    return facts


def _print_unbalanced(vouchers: list[dict], console: Console) -> None:
    if not vouchers:
        console.print("Obalanserade verifikationer: inga")
        return
    table = Table(title="Obalanserade verifikationer", title_justify="left")
    for column in ("Serie", "Nummer", "Datum", "Rad", "Summa (kr)"):
        table.add_column(column, justify="right" if column in ("Rad", "Summa (kr)") else "left")
    for v in vouchers:
        table.add_row(Text(v["series"]), Text(v["number"]), v["date"], str(v["line"]), v["sum"])
    console.print(table)


def _print_quarantined(quarantined: list[dict], console: Console) -> None:
    if not quarantined:
        console.print("Karantänsatta rader: inga")
        return
    table = Table(title="Karantänsatta rader", title_justify="left")
    table.add_column("Rad", justify="right")
    table.add_column("Regel")
    table.add_column("Innehåll")
    for q in quarantined[:MAX_ROWS_SHOWN]:
        table.add_row(str(q["line"]), Text(q["rule"]), Text(q["raw"][:100]))
    console.print(table)
    if len(quarantined) > MAX_ROWS_SHOWN:
        console.print(f"... och {len(quarantined) - MAX_ROWS_SHOWN} rader till "
                      "(alla finns i --json)")


@sie_app.command("inspect")
def inspect(
    file: Path = typer.Argument(..., help="a SIE file (types 1-4)"),
    as_json: bool = typer.Option(False, "--json", help="one JSON object on stdout"),
) -> None:
    """Check a SIE file before loading it: encoding, years, counts, balance, quarantine."""
    err = terminal(stderr=True)
    try:
        report = inspect_file(file)
    except NotSieError as e:
        err.print(literal_line(str(e)))
        raise typer.Exit(2) from None
    except OSError as e:
        err.print(literal_line(f"{file}: kan inte läsas ({e.strerror or e})"))
        raise typer.Exit(2) from None
    if as_json:
        sys.stdout.write(json.dumps(report, ensure_ascii=False, indent=2) + "\n")
    else:
        print_report(report, terminal())
