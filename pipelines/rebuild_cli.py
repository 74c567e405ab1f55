"""`uppfoljning rebuild`: the warehouse built anew from the landing area, compared with the
current one (pipelines/rebuild.py). Messages in Swedish."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console

console = Console(soft_wrap=True)


def rebuild_cmd(
    config: Path = typer.Option(..., "--config", help="the municipality's uppfoljning.yaml"),
) -> None:
    """Bygg om lagret från landningsytan och jämför marts med dagens: raderar ingenting."""
    import sys

    from pipelines.rebuild import rebuild

    status = Console(file=sys.stderr, soft_wrap=True)
    with status.status("Bygger om lagret från landningsytan ..."):
        rebuilt = rebuild(config)
    console.print(f"Ombyggt lager: {rebuilt.warehouse}", highlight=False)
    console.print(f"{rebuilt.from_landing} filer från landningsytan; lästa på nytt från "
                  f"källan: {', '.join(rebuilt.from_sources) or 'inga'}", highlight=False)
    for mart, (only_now, only_rebuilt) in sorted(rebuilt.differences.items()):
        if only_now or only_rebuilt:
            console.print(f"[yellow]marts.{mart}:[/] {only_now} rader bara i dagens lager, "
                          f"{only_rebuilt} bara i det ombyggda", highlight=False)
    if rebuilt.identical:
        console.print(f"Alla {len(rebuilt.differences)} marts är identiska rad för rad.",
                      highlight=False)
    else:
        raise typer.Exit(1)
