"""`uppfoljning opendata`: a published follow-up period as an open-data release
(pipelines/opendata). Messages in Swedish."""

from __future__ import annotations

import sys
from pathlib import Path

import typer
from rich.console import Console

from pipelines.errors import InputError, check_period, literal_line, terminal

console = terminal()


def opendata_cmd(
    period: str = typer.Option(..., "--period", help="the follow-up period (YYYY-MM, even month)"),
    config: Path = typer.Option(Path("demo/uppfoljning.yaml"), "--config",
                                help="the municipality's uppfoljning.yaml"),
) -> None:
    """Öppna data: periodens publicerade uppföljning som datapaket (Frictionless, CSV) med
    DCAT-AP-SE-beskrivning för dataportal.se."""
    from pipelines.config import load_config
    from pipelines.opendata.content import CannotRelease
    from pipelines.opendata.release import write_release
    from pipelines.packages.content import NotAFollowUpPeriod, follow_up_period
    from pipelines.read_copy import connect_waiting

    check_period(period, "--period")
    try:
        follow_up_period(period)
    except NotAFollowUpPeriod as e:
        raise InputError(str(e)) from None
    cfg = load_config(config)
    if not cfg.warehouse_path.exists():
        raise InputError(f"{cfg.warehouse_path}: inget lager ännu; kör först "
                         f"`uppfoljning run --config {config}`")
    try:
        with Console(file=sys.stderr).status(f"Öppna data för {period} ..."), \
                connect_waiting(str(cfg.warehouse_path), True, cfg.lock_wait_seconds,
                                settings=cfg.engine.duckdb_settings()) as con:
            written = write_release(con, cfg, period)
    except CannotRelease as e:
        raise InputError(str(e)) from None
    rows = sum(written.rows.values())
    console.print(f"Öppna data {period}: {len(written.rows)} tabeller, {rows} rader, "
                  "giltigt datapaket (Frictionless) med DCAT-AP-SE", highlight=False)
    for line in written.release.withheld:
        console.print(literal_line(line, "ej med", "yellow", "  "))
    console.print(f"  {written.folder}", highlight=False)
