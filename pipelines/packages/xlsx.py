"""A worksheet collected cell by cell, then laid out and written by xlsxwriter in one pass.

xlsxwriter writes a workbook two to three times faster than openpyxl did here (a large
kommun's seven workbooks: 3.5-4.9 s against 10.6 s), but takes each cell's format when the
cell is written. The package's sheets style a cell after writing it (a net row made bold,
an input column unlocked and filled), so a `Sheet` keeps every cell's value and style until
`write_book` writes the workbook, one cached format per distinct style.

How a sheet is laid out (widths, heights, print scale) is xlsx_layout's.

Rows and columns are 1-based, as a reader of the sheet counts them. Style keys: bold,
italic, size, color, fill (RGB hex), wrap, valign, align, num_format, locked, hidden (the
content kept out of the formula bar on a protected sheet). A text longer than a cell holds
is cut with a note saying so in the cell (`fit_cell`), never silently. A text is always
written as text; a formula is only ever a `Formula` the package itself makes.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import xlsxwriter

from pipelines.packages.atomic import write_whole
from pipelines.packages.xlsx_layout import MARGIN_INCHES, MIN_PRINT_SCALE, Settled, settle
from pipelines.text import thousands

FORMAT_KEYS = {"bold": "bold", "italic": "italic", "size": "font_size", "wrap": "text_wrap",
               "valign": "valign", "align": "align", "num_format": "num_format",
               "locked": "locked", "hidden": "hidden"}
DATE_FORMAT = "yyyy-mm-dd"
EXCEL_CELL_CHARS = 32767  # what a cell holds, in UTF-16 units; xlsxwriter drops the rest
# what a protected sheet still lets its reader do: filter and sort its list, widen a column
READING = {"format_columns": True, "format_rows": True, "autofilter": True, "sort": True}

def _units(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def fit_cell(text: str) -> str:
    """A text as a cell can hold it. One longer (a comment the warehouse kept from before
    returns were limited, or from another source) is cut with a note in the cell that says
    so and how long the whole text is: xlsxwriter would cut it without a word, and a
    returned cut comment would pass for the whole one (the return refuses it by its length,
    input_sheets.MAX_TEXT_CHARS being far less)."""
    if len(text) <= EXCEL_CELL_CHARS // 2 or _units(text) <= EXCEL_CELL_CHARS:
        return text
    note = (f" [...] [Texten är avkortad här: hela texten har {thousands(len(text))} tecken, en "
            f"cell i Excel rymmer {thousands(EXCEL_CELL_CHARS)}.]")
    room = 2 * (EXCEL_CELL_CHARS - _units(note))  # bytes of UTF-16; half a pair is dropped
    return text.encode("utf-16-le")[:room].decode("utf-16-le", errors="ignore") + note


def is_empty(value) -> bool:
    return value is None or value is pd.NA or value is pd.NaT or (
        isinstance(value, str) and value == "") or (
        isinstance(value, float) and math.isnan(value))


@dataclass(frozen=True)
class Formula:
    """A formula the package writes (never a text of the data), with the value it has as
    written: what a program that does not recalculate shows."""
    text: str
    cached: float | str = ""


@dataclass
class Sheet:
    name: str
    cells: dict[tuple[int, int], list] = field(default_factory=dict)  # (r, c): [value, style]
    widths: dict[int, float] = field(default_factory=dict)
    fits: dict[int, tuple[float, float]] = field(default_factory=dict)  # c: (least, most)
    hidden_columns: set[int] = field(default_factory=set)
    heights: dict[int, float] = field(default_factory=dict)  # row: points, set by hand
    # (row, column): the last column a note spreads over; None: the table's last column
    paragraphs: dict[tuple[int, int], int | None] = field(default_factory=dict)
    outline: dict[int, int] = field(default_factory=dict)  # row: outline level
    freeze: tuple[int, int] | None = None  # the first cell that scrolls
    filter: tuple[int, int, int, int] | None = None
    conditions: list[tuple[tuple[int, int, int, int], dict]] = field(default_factory=list)
    validations: list[tuple[tuple[int, int, int, int], dict]] = field(default_factory=list)
    protected: bool = False
    protect_options: dict = field(default_factory=lambda: dict(READING))
    hidden: bool = False
    very_hidden: bool = False  # not even listed by Excel's Unhide
    summary_above: bool = False  # outline: a group's summary row above its rows
    print_setup: dict = field(default_factory=dict)  # title_row, footer

    def put(self, row: int, column: int, value, **style) -> None:
        """A value (text stays text, never a formula; NaN, None and "" leave it empty)
        and its style, merged into any the cell has."""
        value = None if is_empty(value) else value
        cell = self.cells.get((row, column))
        if cell is None:
            self.cells[row, column] = [value, style]
        else:
            cell[0] = value
            cell[1].update(style)

    def paragraph(self, row: int, column: int, text: str, last: int | None = None,
                  **style) -> None:
        """A note or heading spread over the columns `column`..`last` (None: the table's
        last column) and wrapped there, its row as high as its lines: never wider than
        what is printed."""
        self.put(row, column, text, wrap=True, valign="top", **style)
        self.paragraphs[row, column] = last

    def style(self, row: int, column: int, **style) -> None:
        self.cells.setdefault((row, column), [None, {}])[1].update(style)

    def value(self, row: int, column: int):
        cell = self.cells.get((row, column))
        return cell[0] if cell else None

    def width(self, column: int, width: float, hidden: bool = False) -> None:
        """A column of a set width (characters), e.g. an input column that wraps."""
        self.widths[column] = width
        self.fits.pop(column, None)
        if hidden:
            self.hidden_columns.add(column)

    def fit(self, column: int, least: float, most: float) -> None:
        """A column as wide as its content from the header row down (a heading by its
        longest word: it wraps), within `least`..`most` characters; a longer text wraps."""
        self.fits[column] = (least, most)
        self.widths.pop(column, None)

    def condition(self, area: tuple[int, int, int, int], criteria: str, value, fill: str):
        """A fill for the cells of `area` (r1, c1, r2, c2) whose value meets `criteria`."""
        self.conditions.append((area, {"type": "cell", "criteria": criteria, "value": value,
                                       "fill": fill}))

    def condition_formula(self, area: tuple[int, int, int, int], formula: str, fill: str):
        """A fill for the cells of `area` where `formula` (relative to its first cell)
        holds."""
        self.conditions.append((area, {"type": "formula", "criteria": formula,
                                       "fill": fill}))

    def validate(self, area: tuple[int, int, int, int], **options) -> None:
        """xlsxwriter's data_validation options for the cells of `area`."""
        self.validations.append((area, options))


# --- writing -----------------------------------------------------------------------------

def _zero_based(area: tuple[int, int, int, int]) -> tuple[int, int, int, int]:
    r1, c1, r2, c2 = area
    return r1 - 1, c1 - 1, r2 - 1, c2 - 1


class _Formats:
    """One xlsxwriter format per distinct style."""

    def __init__(self, book: xlsxwriter.Workbook):
        self.book = book
        self.cache: dict[tuple, object] = {}

    def get(self, style: dict):
        if not style:
            return None
        key = tuple(style.items()) if len(style) == 1 else tuple(sorted(style.items()))
        if key not in self.cache:
            options = {FORMAT_KEYS[k]: v for k, v in style.items() if k in FORMAT_KEYS}
            if "color" in style:
                options["font_color"] = "#" + style["color"]
            if "fill" in style:
                options.update(pattern=1, bg_color="#" + style["fill"])
            self.cache[key] = self.book.add_format(options)
        return self.cache[key]


def _write_cell(ws, formats: _Formats, r: int, c: int, value, style: dict) -> None:
    if isinstance(value, Formula):
        ws.write_formula(r, c, value.text, formats.get(style), value.cached)
        return
    if isinstance(value, dt.date):  # a pandas Timestamp is one too
        value = value.to_pydatetime() if isinstance(value, pd.Timestamp) else value
        ws.write_datetime(r, c, value, formats.get({"num_format": DATE_FORMAT, **style}))
        return
    fmt = formats.get(style)
    if value is None:
        if fmt is not None:
            ws.write_blank(r, c, None, fmt)
    elif isinstance(value, str):
        ws.write_string(r, c, fit_cell(value), fmt)
    elif isinstance(value, bool):
        ws.write_boolean(r, c, value, fmt)
    else:
        ws.write_number(r, c, float(value.item() if hasattr(value, "item") else value), fmt)


def _write_sheet(book: xlsxwriter.Workbook, formats: _Formats, sheet: Sheet) -> None:
    ws = book.add_worksheet(sheet.name)
    settled = settle(sheet)
    for column in sorted(set(settled.widths) | sheet.hidden_columns):
        ws.set_column(column - 1, column - 1, settled.widths.get(column, 8.43), None,
                      {"hidden": column in sheet.hidden_columns})
    for row in sorted(set(sheet.outline) | set(settled.heights)):
        ws.set_row(row - 1, settled.heights.get(row), None,
                   {"level": sheet.outline.get(row, 0)})
    if sheet.outline:
        ws.outline_settings(True, not sheet.summary_above, True, False)
    for (r, c), (value, style) in sheet.cells.items():  # xlsxwriter orders them
        if (r, c) in sheet.paragraphs:
            last = sheet.paragraphs[r, c] or settled.last_column
            if last > c:
                text = fit_cell(value) if isinstance(value, str) else value
                ws.merge_range(r - 1, c - 1, r - 1, last - 1, text, formats.get(style))
                continue
        _write_cell(ws, formats, r - 1, c - 1, value, style)
    if sheet.freeze:
        ws.freeze_panes(sheet.freeze[0] - 1, sheet.freeze[1] - 1)
    if sheet.filter:
        ws.autofilter(*_zero_based(sheet.filter))
    for area, rule in sheet.conditions:
        rule = dict(rule)
        rule["format"] = book.add_format({"bg_color": "#" + rule.pop("fill")})
        ws.conditional_format(*_zero_based(area), rule)
    for area, options in sheet.validations:
        ws.data_validation(*_zero_based(area), options)
    if sheet.protected:
        ws.protect("", sheet.protect_options)
    setup = sheet.print_setup
    if setup:
        _print_setup(ws, setup, settled)
    if sheet.very_hidden:
        ws.very_hidden()
    elif sheet.hidden:
        ws.hide()


def _print_setup(ws, setup: dict, settled: Settled) -> None:
    """A4, the table's columns one page wide (as many pages tall as it takes), landscape
    where it is wide, the header row on every page; a sheet too wide even so prints at
    MIN_PRINT_SCALE over more pages."""
    ws.set_paper(9)
    if settled.landscape:
        ws.set_landscape()
    else:
        ws.set_portrait()
    ws.set_margins(left=MARGIN_INCHES, right=MARGIN_INCHES)
    ws.print_area(0, 0, settled.last_row - 1, settled.last_column - 1)
    if settled.scale >= MIN_PRINT_SCALE:
        ws.fit_to_pages(1, 0)
    else:
        ws.set_print_scale(int(MIN_PRINT_SCALE * 100))
    ws.repeat_rows(setup["title_row"] - 1)
    ws.set_footer("&C" + setup["footer"].replace("&", "&&") + " - sida &P av &N")


def write_book(sheets: list[Sheet], path: Path, title: str, day: dt.date) -> Path:
    """The workbook, dated `day` (the data's day: the same data, the same bytes), written
    whole or not at all (atomic.py)."""
    return write_whole(path, lambda partial: _write(sheets, partial, title, day))


def _write(sheets: list[Sheet], path: Path, title: str, day: dt.date) -> None:
    book = xlsxwriter.Workbook(str(path), {"strings_to_formulas": False,
                                           "strings_to_numbers": False,
                                           "strings_to_urls": False})
    book.set_properties({"title": title, "author": "Uppföljning",
                         "created": dt.datetime.combine(day, dt.time())})
    formats = _Formats(book)
    for sheet in sheets:
        _write_sheet(book, formats, sheet)
    book.close()
