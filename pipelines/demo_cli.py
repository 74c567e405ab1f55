"""`uppfoljning demo`: Exempelkommun's whole follow-up cycle on generated data. The demo
generates the sources, runs, delivers Ekonomi's corrections and runs again, then lets the
units return their workbooks and makes the board documents with what they wrote."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import typer
import yaml
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

from pipelines.errors import InputError, check_period, terminal
from pipelines.run_output import run_and_print

console = terminal()


def generate_with_progress(out: Path, size: str, seed: int, year: int, clean: bool,
                           erp_url: str | None = None):
    """The demo's source files written, with a progress bar on the terminal."""
    from pipelines.demo.generator import SIZES, generate, steps

    if size not in SIZES:
        raise InputError(f"--size {size!r}: välj en av {', '.join(SIZES)}")
    with Progress(TextColumn("[bold]Genererar[/] {task.description}"), BarColumn(),
                  TimeElapsedColumn(), console=terminal(stderr=True), transient=True
                  ) as progress:
        task = progress.add_task("Exempelkommun", total=steps())
        return generate(out, size, seed, year, clean,
                        progress=lambda step: progress.update(task, advance=1,
                                                              description=step),
                        erp_url=erp_url)


def demo_config(year: int) -> dict:
    """The config `demo` writes: every source of the generated Exempelkommun."""
    from pipelines.demo.generator import layout

    paths = {k: f"sources/{v}" for k, v in layout(year).items()}
    return {
        "municipality": "Exempelkommun",
        "municipality_code": "9999",
        "fiscal_year": year,
        "first_year": year - 1,
        "demo": True,
        "warehouse": "warehouse/uppfoljning.duckdb",
        "landing": "landing",
        "reports_output": "reports",
        # a reserved (.example) address: a kommun gives where it publishes oppna_data/
        "open_data": {"base_url": "https://exempelkommun.example/oppnadata/",
                      "contact_email": "ekonomi@exempelkommun.example"},
        "sources": {
            "org_register": {"type": "csv", "path": paths["org_register"]},
            "chart_of_accounts": {"type": "csv", "path": paths["chart"]},
            "ledger": [
                {"type": "sie", "path": paths["ledger_month"]},
                {"type": "sie", "path": paths["ledger_prior_year"]},
            ],
            "budget": [
                {"type": "sie", "path": paths["budget_adopted"], "version": "antagen"},
                {"type": "sie", "path": paths["budget_revised"], "version": "reviderad"},
            ],
            "investment_budget": [
                {"type": "csv", "path": paths["investment_budget"], "encoding": "iso-8859-1",
                 "version": "antagen"},
            ],
            "hr": [{"type": "csv", "path": paths["hr_month"]}],
            "goals": {"path": paths["goals"]},
            "goal_statuses": [{"type": "csv", "path": paths["goal_statuses"]}],
            "kpi_outcomes": [{"type": "csv", "path": paths["kpi_outcomes"], "delimiter": ",",
                              "decimal": "."}],
            "tidplan": {"path": paths["tidplan"]},
            "balance_requirement_decisions": [
                {"type": "csv", "path": paths["balance_requirement_decisions"]}],
        },
    }


def demo_cmd(
    size: str = typer.Option("small", help="small, medium or large"),
    directory: Path = typer.Option(Path("demo"), "--dir", help="where the demo lives"),
    seed: int = typer.Option(1),
    year: int = typer.Option(2025),
    through: str | None = typer.Option(None, help="build up to this month (YYYY-MM)"),
) -> None:
    """Generate Exempelkommun, write its config and materialise every asset for the year;
    then deliver the corrections Ekonomi makes after the quality rules have found the
    injected defects, and run again, so that the packages are published; then the units
    return their workbooks (comments, causes, actions, forecasts, goal reports: most in
    time, some late, a few not at all, one with a bad cell), which are loaded and the
    periods' board documents made again with them."""
    check_period(through)
    generated = generate_with_progress(directory / "sources", size, seed, year, clean=False)
    config_path = directory / "uppfoljning.yaml"
    config_path.write_text(yaml.safe_dump(demo_config(year), allow_unicode=True,
                                          sort_keys=False), encoding="utf-8")
    console.print(f"Config: {config_path}")
    # the story starts with nothing returned: an earlier demo's answers go
    shutil.rmtree(directory / demo_config(year)["landing"] / "returer", ignore_errors=True)
    run_and_print(config_path, through)
    first = deliver_corrections(directory / "sources", generated.corrections, through)
    if first:
        console.print(f"\nEkonomi har rättat källorna efter datakvalitetsrapporten och "
                      f"levererar {len(generated.corrections)} rättade exporter "
                      f"({', '.join(sorted({_month_of(r) for r in generated.corrections}))}): "
                      f"kör om från {first}", highlight=False)
        run_and_print(config_path, through, first)
    _units_answer(config_path, seed, year, through)


def _units_answer(config_path: Path, seed: int, year: int, through: str | None) -> None:
    """The units fill in the workbooks that went out and send them back
    (pipelines/demo/returns.py); what came back is loaded and the periods' packages made
    again, so the board documents carry the comments. Says who answered and what the
    documents now carry."""
    from pipelines.config import load_config
    from pipelines.demo.returns import write_returns
    from pipelines.partitions import follow_up_periods_in, months_through
    from pipelines.returns_run import load_returns
    from pipelines.run_output import print_run

    cfg = load_config(config_path)
    periods = follow_up_periods_in(months_through([year], through))
    answers = write_returns(cfg.reports_path, cfg.landing_path, periods, seed)
    if not answers:
        return
    console.print(f"\nEnheterna lämnar tillbaka arbetsböckerna ({cfg.landing_path / 'returer'}):",
                  highlight=False)
    for a in answers:
        console.print(f"  {a.period}: {len(a.files)} filer; {len(a.on_time)} enheter i tid, "
                      f"{len(a.late)} sent, {len(a.missing)} har inte svarat"
                      + (f"; {len(a.bad_cells)} med text i en prognoscell" if a.bad_cells
                         else ""), highlight=False)
    with Console(file=sys.stderr).status("Läser in svaren och gör periodernas paket igen ..."):
        summary = load_returns(config_path, [a.period for a in answers])
    print_run(summary, config_path, console)
    _commented(cfg, [a.period for a in answers])


def _commented(cfg, periods: list[str]) -> None:
    """Per period: how many of the deviations in the board documents carry the unit's
    comment, and where the chase list is."""
    from pipelines.runner import read_warehouse

    with read_warehouse(cfg) as con:
        counts = dict((f"{y}-{m:02d}", (n, c)) for y, m, n, c in con.execute(
            "select fiscal_year, period, count(*), count(*) filter (where is_commented) "
            "from marts.deviations group by all").fetchall())
    shown = [f"{p} {counts[p][1]} av {counts[p][0]}" for p in periods if p in counts]
    console.print("Kommenterade avvikelser i nämndhandlingarna: " + ", ".join(shown)
                  + f". Vem som saknas eller kom sent: uppfoljning status --period "
                    f"{periods[-1]} --details (bladen Bevakning och Saknas eller sent i "
                    "kommunens arbetsbok)", highlight=False)


def _month_of(rel: str) -> str:
    return rel.rsplit("_", 1)[-1].split(".")[0]  # huvudbok_2025-03.se -> 2025-03


def deliver_corrections(sources: Path, corrections: list[str], through: str | None
                        ) -> str | None:
    """Put Ekonomi's corrected re-exports (sources/rattelser/, same paths) in place of the
    delivered files, as a kommun re-delivers a month; the first month to run again, or None
    when there is nothing to correct up to `through`."""
    from pipelines.demo.generator import CORRECTIONS

    due = [r for r in corrections if through is None or _month_of(r) <= through]
    for rel in due:
        shutil.copyfile(sources / CORRECTIONS / rel, sources / rel)
    return min((_month_of(r) for r in due), default=None)
