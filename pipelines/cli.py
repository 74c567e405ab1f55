"""`uppfoljning`: the command line. Errors are one clear line (exit 2 for bad input)."""

from __future__ import annotations

import sys
from pathlib import Path

import typer
from rich.console import Console

from pipelines.demo_cli import demo_cmd, generate_with_progress
from pipelines.errors import InputError, check_period, literal_line, terminal
from pipelines.opendata_cli import opendata_cmd
from pipelines.rebuild_cli import rebuild_cmd
from pipelines.run_output import print_packages, run_and_print
from pipelines.sie_cli import sie_app

app = typer.Typer(add_completion=False, no_args_is_help=True, pretty_exceptions_enable=False,
                  help="Uppföljning: budget follow-up for a Swedish municipality.")
app.add_typer(sie_app, name="sie")
app.command("rebuild")(rebuild_cmd)
app.command("opendata")(opendata_cmd)
app.command("demo")(demo_cmd)
console = terminal()
err = terminal(stderr=True)


class BadInput(Exception):
    """Input the user can correct; exit code 2."""


def _check_in_years(cfg, period: str) -> None:
    if int(period[:4]) not in cfg.years:
        raise BadInput(f"--period {period}: året ligger utanför de konfigurerade åren "
                       f"{cfg.years[0]}–{cfg.years[-1]} (first_year–fiscal_year)")


@app.command("generate")
def generate_cmd(
    out: Path = typer.Option(..., "--out", help="folder to write the source files to"),
    size: str = typer.Option("small", help="small (~20k ledger rows), medium (~1M), large "
                                           "(~10M)"),
    seed: int = typer.Option(1, help="random seed; the same seed gives identical files"),
    year: int = typer.Option(2025, help="the demo year (the prior year comes with it)"),
    clean: bool = typer.Option(False, "--clean", help="inject no defects"),
    erp_db: str | None = typer.Option(
        None, "--erp-db", help="also write the ledger into an ERP database at this SQLAlchemy "
                               "URL (e.g. sqlite:///erp.db, postgresql+psycopg://...)"),
) -> None:
    """Write the demo municipality Exempelkommun as source files."""
    s = generate_with_progress(out, size, seed, year, clean, erp_db)
    console.print(f"Exempelkommun {s.year} ({s.size}, seed {s.seed}) written to {s.out}")
    console.print(f"  {s.units} units, {s.employees} employees, {s.vouchers} vouchers, "
                  f"{s.ledger_rows} ledger rows, {s.hr_rows} HR rows, "
                  f"{s.budget_lines} budget lines, {s.defects} injected defects")


@app.command("run")
def run_cmd(
    config: Path = typer.Option(..., "--config", help="the municipality's uppfoljning.yaml"),
    through: str | None = typer.Option(None, help="build up to this month (YYYY-MM)"),
    from_month: str | None = typer.Option(
        None, "--from", help="start at this month (YYYY-MM), e.g. to reload a corrected month"),
    force: bool = typer.Option(False, "--force", help="run even when nothing has changed "
                               "since the last run over the same months"),
) -> None:
    """Materialise everything for the configured sources, in-process, as one run."""
    check_period(through, "--through")
    check_period(from_month, "--from")
    run_and_print(config, through, from_month, force)


@app.command("report")
def report_cmd(
    period: str = typer.Option(..., "--period", help="the follow-up period (YYYY-MM, even month)"),
    board: str | None = typer.Option(None, "--board", help="one board's code (nämnd)"),
    config: Path = typer.Option(Path("demo/uppfoljning.yaml"), "--config",
                                help="the municipality's uppfoljning.yaml"),
) -> None:
    """Gör om uppföljningspaketet för en period (alla nämnder och kommunen, eller en nämnd)."""
    import duckdb

    from pipelines.config import load_config
    from pipelines.packages.content import NotAFollowUpPeriod, follow_up_period
    from pipelines.packages.publish import make_packages

    check_period(period, "--period")
    try:
        follow_up_period(period)
    except NotAFollowUpPeriod as e:
        raise BadInput(str(e)) from None
    cfg = load_config(config)
    _check_in_years(cfg, period)
    if not cfg.warehouse_path.exists():
        raise BadInput(f"{cfg.warehouse_path}: inget lager ännu; kör först "
                       f"`uppfoljning run --config {config}`")
    try:
        with err.status(f"Gör paket för {period} ..."), \
                duckdb.connect(str(cfg.warehouse_path),
                               config=cfg.engine.duckdb_settings()) as con:
            issued = make_packages(con, cfg.municipality, cfg.reports_path, period, board)
    except LookupError as e:
        raise BadInput(str(e).strip("'\"")) from None
    print_packages(console, [{"period": period, "scope_name": i.package.scope.name,
                      "published": i.published, "blockers": "; ".join(i.package.blockers)}
                     for i in issued])
    for i in issued:
        console.print(f"  {i.workbook}\n  {i.pdf}", highlight=False)


@app.command("status")
def status_cmd(
    period: str = typer.Option(..., "--period", help="the follow-up period (YYYY-MM, even month)"),
    config: Path = typer.Option(Path("demo/uppfoljning.yaml"), "--config",
                                help="the municipality's uppfoljning.yaml"),
    details: bool = typer.Option(False, "--details",
                                 help="also list every unit and goal that is missing or late"),
) -> None:
    """Bevakning: vilka som har kommenterat och rapporterat till tidplanens datum."""
    import duckdb
    from rich.table import Table

    from pipelines.config import load_config
    from pipelines.packages.content import NotAFollowUpPeriod
    from pipelines.packages.deadlines import deadline_details, deadline_items, deadline_status
    from pipelines.text import display

    check_period(period, "--period")
    cfg = load_config(config)
    _check_in_years(cfg, period)
    if not cfg.warehouse_path.exists():
        raise BadInput(f"{cfg.warehouse_path}: inget lager ännu; kör först "
                       f"`uppfoljning run --config {config}`")
    try:
        with duckdb.connect(str(cfg.warehouse_path), read_only=True,
                            config=cfg.engine.duckdb_settings()) as con:
            items = deadline_items(con, period)
    except NotAFollowUpPeriod as e:
        raise BadInput(str(e)) from None
    frames = [(f"Bevakning {cfg.municipality} {period}", deadline_status(items))]
    if details:
        frames.append(("Saknas eller sent", deadline_details(items)))
    for title, frame in frames:
        table = Table(title=title, title_justify="left")
        for column in frame.columns:
            table.add_column(column, justify="right" if column in ("Antal", "I tid", "Sent",
                                                                   "Saknas") else "left")
        for row in frame.itertuples(index=False):
            table.add_row(*[display(v, missing="") for v in row])
        console.print(table)
    if items.empty:
        console.print("Inget att bevaka för perioden (inga avvikelser eller mål).")


@app.command("remind")
def remind_cmd(
    period: str = typer.Option(..., "--period", help="the follow-up period (YYYY-MM, even month)"),
    day: str | None = typer.Option(None, "--day", help="the reminder's date (YYYY-MM-DD); "
                                   "default today"),
    config: Path = typer.Option(Path("demo/uppfoljning.yaml"), "--config",
                                help="the municipality's uppfoljning.yaml"),
) -> None:
    """Påminnelser: vilka som ännu inte har kommenterat eller rapporterat (det som
    påminnelseschemat gör, för en period och dag)."""
    import datetime as dt

    from pipelines.config import load_config
    from pipelines.packages.content import NotAFollowUpPeriod, follow_up_period
    from pipelines.runner import run_reminders

    check_period(period, "--period")
    try:
        follow_up_period(period)
    except NotAFollowUpPeriod as e:
        raise BadInput(str(e)) from None
    try:
        when = dt.date.fromisoformat(day) if day else dt.date.today()
    except ValueError:
        raise BadInput(f"--day {day!r}: ska vara ett datum som ÅÅÅÅ-MM-DD") from None
    cfg = load_config(config)
    if not cfg.warehouse_path.exists():
        raise BadInput(f"{cfg.warehouse_path}: inget lager ännu; kör först "
                       f"`uppfoljning run --config {config}`")
    with Console(file=sys.stderr).status(f"Påminnelser för {period} ..."):
        out, reminded = run_reminders(config, period, when)
    if reminded.empty:
        console.print(f"{period}, {when}: allt som tidplanen begär hittills har kommit in.")
        return
    console.print(f"{period}, {when}: {reminded['unit_code'].nunique()} enheter har något kvar "
                  f"({len(reminded)} påminnelser).", highlight=False)
    for row in reminded.itertuples(index=False):
        console.print(f"  {row.unit_code}  {row.what}, senast {row.deadline:%Y-%m-%d}: "
                      f"{row.outstanding}", highlight=False)
    console.print(f"Lista och ett meddelande per enhet: {out.parent}", highlight=False)


@app.command("check")
def check_cmd(
    config: Path = typer.Option(..., "--config", help="the municipality's uppfoljning.yaml"),
) -> None:
    """Kontrollera en konfiguration före första körningen: vad som läses in, vad som hamnar
    i karantän och vad paketen saknar. Skriver ingenting; exit 0 när körningen fungerar, 2
    när den inte skulle göra det."""
    from pipelines.check import check_config, print_check
    from pipelines.config import load_config

    cfg = load_config(config)
    with Console(file=sys.stderr).status("Läser källorna ..."):
        report = check_config(cfg)
    print_check(report, terminal(width=max(console.width, 120)))
    if not report.ok:
        raise typer.Exit(2)


quality_app = typer.Typer(no_args_is_help=True, help="Datakvalitet (data quality).")
app.add_typer(quality_app, name="quality")


@quality_app.command("report")
def quality_report(
    config: Path = typer.Option(..., "--config", help="the municipality's uppfoljning.yaml"),
    through: str | None = typer.Option(None, help="issues of months up to this (YYYY-MM)"),
) -> None:
    """Sammanställ datakvaliteten per regel och nämnd och skriv listan till Excel."""
    import duckdb
    from rich.table import Table

    from pipelines.config import load_config
    from pipelines.quality.issue_log import read_log
    from pipelines.quality.report import open_issues, summary, write_excel

    check_period(through)
    cfg = load_config(config)
    if not cfg.warehouse_path.exists():
        raise BadInput(f"{cfg.warehouse_path}: inget lager ännu; kör först "
                       f"`uppfoljning run --config {config}`")
    with duckdb.connect(str(cfg.warehouse_path), read_only=True,
                        config=cfg.engine.duckdb_settings()) as con:
        from pipelines.warehouse_tables import has_table

        if not has_table(con, "quality", "issues"):
            raise BadInput("kvalitetskontrollerna har inte körts; kör `uppfoljning run` först")
        issues = open_issues(con, through)
        log = read_log(con, through)  # every issue found, corrected or not
    rows = summary(issues)
    errors = int((issues["severity"] == "error").sum()) if len(issues) else 0
    title = f"Datakvalitet {cfg.municipality}" + (f" t.o.m. {through}" if through else "")
    table = Table(title=title, title_justify="left")
    for column in ("Allvarlighet", "Regel", "Nämnd", "Antal"):
        table.add_column(column, justify="right" if column == "Antal" else "left")
    for r in rows.itertuples():
        table.add_row({"error": "fel", "warn": "varning"}[r.severity], r.rule, r.board,
                      str(r.count))
    console.print(table)
    path = write_excel(issues, cfg.reports_path / "datakvalitet.xlsx", log)
    console.print(f"{len(issues)} avvikelser i data, varav {errors} fel. Lista: {path}")
    resolved = int((log["status"] == "åtgärdad").sum())
    console.print(f"Ärendeloggen: {len(log)} hittade, {resolved} åtgärdade, "
                  f"{len(log) - resolved} öppna (blad Åtgärdade och Hittade och rättade)")


def main() -> None:
    """Bad input (the config, a delivery, an option) exits 2, a failed step 1; each problem
    is one line, never a traceback."""
    from pipelines.runner import RunFailed

    try:
        app()
    except (BadInput, InputError) as e:
        for line in str(e).splitlines():
            err.print(literal_line(line))
        sys.exit(2)
    except RunFailed as e:
        for line in e.problems:
            err.print(literal_line(line, "fel:" if e.bad_input else "misslyckades:"))
        sys.exit(2 if e.bad_input else 1)
    except KeyboardInterrupt:
        sys.exit(130)
    except Exception as e:  # never a traceback for the user
        err.print(literal_line(f"{type(e).__name__}: {e}"))
        sys.exit(1)


if __name__ == "__main__":
    main()
