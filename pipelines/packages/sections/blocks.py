"""The blocks a section of the PDF is made of, as plain data for reports/templates/
sections.typ: paragraphs, bullets, tables (with row styles), commented tables (figures on one
row, the unit's own words in full below), charts and facts. Every value is text already
formatted; the template only lays out."""

from __future__ import annotations

from dataclasses import dataclass

from pipelines.packages.charts import Chart


@dataclass(frozen=True)
class Column:
    title: str
    align: str = "right"  # "left" or "right"
    width: str = "auto"  # "auto", "1fr" or a Typst length such as "3.2cm"


def text_column(title: str, width: str = "1fr") -> Column:
    return Column(title, "left", width)


def _columns(columns: list[Column]) -> list[dict]:
    return [{"title": c.title, "align": c.align, "width": c.width} for c in columns]


def paragraphs(*items: str) -> dict:
    return {"kind": "paragraphs", "items": [i for i in items if i]}


def bullets(items: list[str]) -> dict:
    return {"kind": "bullets", "items": items}


def subheading(text: str) -> dict:
    return {"kind": "subheading", "text": text}


def note(text: str) -> dict:
    return {"kind": "note", "text": text}


def facts(items: list[tuple[str, str]]) -> dict:
    return {"kind": "facts", "items": [list(i) for i in items]}


def row(cells: list[str], style: str = "unit", indent: int = 0) -> dict:
    """A table row; style: unit, sum (a subtotal) or total."""
    return {"cells": cells, "style": style, "indent": indent}


def table(columns: list[Column], rows: list[dict], caption: str = "", note_text: str = ""
          ) -> dict:
    assert all(len(r["cells"]) == len(columns) for r in rows)
    return {"kind": "table", "columns": _columns(columns), "rows": rows, "caption": caption,
            "note": note_text}


def commented_row(cells: list[str], texts: list[tuple[str, str]],
                  fills: list[str] | None = None) -> dict:
    """Figures, then (label, words) shown in full below them; fills name a status colour per
    cell ('' for none)."""
    out = {"cells": cells, "texts": [list(t) for t in texts if t[1]]}
    if fills is not None:
        out["fills"] = fills
    return out


def commented_table(columns: list[Column], rows: list[dict], caption: str = "",
                    note_text: str = "") -> dict:
    assert all(len(r["cells"]) == len(columns) for r in rows)
    return {"kind": "commented_table", "columns": _columns(columns), "rows": rows,
            "caption": caption, "note": note_text}


def chart(c: Chart) -> dict:
    return {"kind": "chart", "svg": c.svg, "alt": c.alt, "caption": c.caption}


# A table of this many columns (the driftredovisning's nine) is wider than a portrait page
# sets at the tables' type size; one of more is wider than it sets at all. A landscape page
# holds about 25 lines of such a table: with fewer than LANDSCAPE_LINES it would stand mostly
# empty, and the template sets the table portrait in a smaller type instead.
WIDE_COLUMNS = 9
LANDSCAPE_LINES = 20


def needs_landscape(block: dict) -> bool:
    """Whether a table needs a landscape page: it needs the width (too many columns for a
    portrait page) and has the lines to fill the page."""
    if block.get("kind") not in ("table", "commented_table"):
        return False
    columns, lines = len(block["columns"]), len(block["rows"])
    return columns > WIDE_COLUMNS or (columns == WIDE_COLUMNS and lines >= LANDSCAPE_LINES)


def section(heading: str, blocks: list[dict], landscape: bool = False) -> dict:
    """A section of the document; landscape: it may be set on landscape pages, and is where
    one of its tables needs them (needs_landscape), else portrait."""
    kept = [b for b in blocks if b]
    return {"heading": heading, "blocks": kept,
            "landscape": landscape and any(needs_landscape(b) for b in kept)}
