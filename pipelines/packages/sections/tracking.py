"""Bevakning (the kommun total): who has commented and reported by the tidplan's deadlines."""

from __future__ import annotations

from pipelines.packages.content import Package
from pipelines.packages.layout import layout
from pipelines.packages.sections import blocks


def _cell(value) -> str:
    if value is None or value != value:
        return ""
    return str(value)


def section(package: Package) -> dict | None:
    frame = package.deadlines
    if frame.empty:
        return None
    columns = [blocks.text_column("Vad", "3.2cm"), blocks.text_column("Senast", "2cm"),
               blocks.Column("Antal", width="1.2cm"), blocks.Column("I tid", width="1.2cm"),
               blocks.Column("Sent", width="1.2cm"), blocks.Column("Saknas", width="1.3cm"),
               blocks.text_column("Saknas från")]
    rows = [blocks.row([_cell(r[c]) for c in frame.columns]) for r in frame.to_dict("records")]
    return blocks.section("Bevakning av tidplanen", [
        blocks.table(columns, rows, f"Kommentarer och rapporter, {package.period_label}",
                     "Vilka enheter och mål som saknas eller kom in sent står i arbetsbokens "
                     f"blad {layout()['sheets']['deadline_details']}.")])
