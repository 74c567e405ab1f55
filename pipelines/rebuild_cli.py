"""`uppfoljning rebuild`: the warehouse built anew from the landing area, compared with the
current one (pipelines/rebuild.py). Messages in Swedish."""

from __future__ import annotations

from pathlib import Path

import typer

from pipelines.errors import literal_line, terminal

console = terminal()


def rebuild_cmd(
    config: Path = typer.Option(..., "--config", help="the municipality's uppfoljning.yaml"),
) -> None:
    """Bygg om lagret från landningsytan och jämför marts med dagens: raderar ingenting."""
    from pipelines.rebuild import rebuild

    with terminal(stderr=True).status("Bygger om lagret från landningsytan ..."):
        rebuilt = rebuild(config)
    console.print(f"Ombyggt lager: {rebuilt.warehouse}")
    console.print(f"{rebuilt.from_landing} filer från landningsytan; lästa på nytt från "
                  f"källan: {', '.join(rebuilt.from_sources) or 'inga'}")
    for mart, (only_now, only_rebuilt) in sorted(rebuilt.differences.items()):
        if only_now or only_rebuilt:
            console.print(literal_line(f"{only_now} rader bara i dagens lager, "
                                       f"{only_rebuilt} bara i det ombyggda",
                                       f"marts.{mart}:", "yellow"))
    if rebuilt.identical:
        console.print(f"Alla {len(rebuilt.differences)} marts är identiska rad för rad.")
    else:
        raise typer.Exit(1)
