"""What `uppfoljning run` (and `demo`) prints when a run has ended: what it materialised,
every delivery it refused or did not load whole, the checks that failed, the packages of
each period (the drafts with what holds them back), the periods whose packages show older
figures, and where the warehouse, its published copy and the reports are. Every line is
printed literally (file names, rules and unit names come from the kommun's files)."""

from __future__ import annotations

import sys
from pathlib import Path

from rich.console import Console

from pipelines.errors import literal_line
from pipelines.text import thousands


def run_and_print(config_path: Path, through: str | None, from_month: str | None = None,
                  force: bool = False) -> None:
    """`uppfoljning run` (and each run of the demo): the run, then what it did."""
    from pipelines.errors import terminal
    from pipelines.runner import run_pipeline

    # bound to the terminal now: the run sends everything else it prints to its log file
    status = Console(file=sys.stderr, soft_wrap=True)
    with status.status("Kör pipelinen (inläsning, dbt, kontroller, rapporter) ..."):
        summary = run_pipeline(config_path, through, from_month=from_month, force=force)
    print_run(summary, config_path, terminal())


def print_run(summary, config_path: Path, console: Console) -> None:
    """The end of a run (runner.RunSummary) on the terminal."""
    if summary.unchanged_since is not None:
        print_deliveries(console, summary.deliveries, summary.reports)
        since = summary.unchanged_since.strftime("%Y-%m-%d %H:%M")
        console.print(f"Inget har ändrats sedan körningen {since} för {summary.months[0]} – "
                      f"{summary.months[-1]}: leveranserna, "
                      "konfigurationen och programmet är desamma, så lagret, läskopian och "
                      "paketen är redan aktuella (--force kör om ändå).", highlight=False)
        console.print(f"Lager:     {summary.warehouse}", highlight=False)
        console.print(f"Läskopia:  {summary.config.read_copy_path}", highlight=False)
        console.print(f"Rapporter: {summary.reports}", highlight=False)
        return
    console.print(f"{summary.materialisations} materialiseringar för {summary.months[0]} – "
                  f"{summary.months[-1]} (logg: {summary.log})", highlight=False)
    print_deliveries(console, summary.deliveries, summary.reports)
    if summary.checks_failed:
        console.print(literal_line(failed_checks_line(summary),
                                   "Kontroller som inte gick igenom:", "yellow"))
    if summary.without_budget:
        console.print(literal_line("ingen budget är inläst för året (sources.budget), och "
                                   "ett paket jämför utfall med budget",
                                   f"Inga paket för {', '.join(summary.without_budget)}:",
                                   "yellow"))
    if summary.packages:
        print_packages(console, summary.packages)
    if summary.stale_packages:
        from pipelines.packages.staleness import stale_packages_line

        console.print(literal_line(stale_packages_line(summary.stale_packages, config_path),
                                   "Obs:", "yellow"))
    console.print(f"Lager:     {summary.warehouse}", highlight=False)
    console.print(f"Läskopia:  {summary.config.read_copy_path} (öppna den, inte lagret, i "
                  "DBeaver, Excel eller en notebook)", highlight=False)
    console.print(f"Rapporter: {summary.reports}", highlight=False)
    if (summary.reports / "oppna_data").is_dir():
        console.print(f"Öppna data: {summary.reports / 'oppna_data'} (datapaket per "
                      "publicerad period, katalog.rdf för dataportal.se)", highlight=False)


SHOWN_DELIVERIES = 10  # on the terminal; the inläsningsrapport has them all


def print_deliveries(console: Console, deliveries: list, reports: Path) -> None:
    """Each delivery of the run refused whole or with rows in quarantine: one line with its
    counts (or why it was refused), then its most frequent rules with their first lines,
    and where the rest is."""
    if not deliveries:
        return
    refused = sum(d.refusal is not None for d in deliveries)
    what = "1 leverans har" if len(deliveries) == 1 else f"{len(deliveries)} leveranser har"
    console.print(literal_line(
        f"{what} rader som inte lästes in"
        + (f", varav {refused} avvisad{'e' if refused > 1 else ''} hela" if refused else "")
        + f" (alla rader med regel: {reports / 'inlasningsrapport.xlsx'})", "Inläsning:",
        "yellow"))
    for d in deliveries[:SHOWN_DELIVERIES]:
        name = f"{d.source} {d.file}" + (f" ({d.period})" if d.period else "")
        if d.refusal is not None:
            kept = (f"leveransen mottagen {d.kept_since:%Y-%m-%d %H:%M} används i stället"
                    if d.kept_since else "ingen tidigare leverans finns att använda")
            console.print(literal_line(f"{name}: {d.refusal}; {kept} tills filen levereras "
                                       "hel", "avvisad", "red", "  "))
            continue
        console.print(literal_line(f"{name}: {thousands(d.loaded)} inlästa, "
                                   f"{thousands(d.quarantined)} i karantän", "karantän",
                                   "yellow", "  "))
        for rule, n, lines in d.rules[:3]:
            where = ", ".join(str(line) for line in lines) + (" …" if n > len(lines) else "")
            console.print(literal_line(f"{rule}: {thousands(n)} (rad {where})", "", "", "      "))
        if len(d.rules) > 3:
            console.print(literal_line(f"och {len(d.rules) - 3} regler till", "", "",
                                       "      "))
    if len(deliveries) > SHOWN_DELIVERIES:
        console.print(literal_line(f"och {len(deliveries) - SHOWN_DELIVERIES} leveranser "
                                   "till, i inläsningsrapporten", "", "", "  "))


def print_packages(console: Console, packages: list[dict]) -> None:
    """Per follow-up period: the packages published, and the drafts with what blocks them."""
    by_period: dict[str, list[dict]] = {}
    for p in packages:
        by_period.setdefault(p["period"], []).append(p)
    for period, items in by_period.items():
        published = [p for p in items if p["published"]]
        console.print(f"Paket {period}: {len(published)} av {len(items)} publicerade")
        for p in items:
            if not p["published"]:  # the draft's front page lists each rule's first error
                rules = [b.split(":", 1)[0] for b in p["blockers"].split("; ")]
                console.print(literal_line(f"{p['scope_name']}, spärras av {', '.join(rules)}",
                                           "utkast", "yellow", "  "))


def failed_checks_line(summary) -> str:
    """Each failed check once, with the months it failed: "kontering (2025-01, 2025-03)"."""
    def months(name: str) -> str:
        found = sorted(set(summary.failed_months.get(name, [])))
        if not found:
            return ""
        shown = ", ".join(found[:6]) + (f" och {len(found) - 6} till" if len(found) > 6 else "")
        return f" ({shown})"
    return ", ".join(f"{name}{months(name)}" for name in summary.checks_failed)
