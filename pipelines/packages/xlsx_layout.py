"""How a worksheet is laid out before it is written (pipelines.packages.xlsx): column widths,
row heights and the print scale.

Neither Excel nor LibreOffice fits a column to its content on opening a file, and
LibreOffice does not grow a row for its wrapped text either, so the layout is settled here
before a sheet is written (`settle`): each column a table asks to fit (`Sheet.fit`) is as
wide as its longest value and the longest word of its heading, within its bounds (a text
longer than that wraps), the widest text columns narrowed until the sheet prints one page
wide at no less than MIN_PRINT_SCALE, and every row whose wrapped text (or a note spread
over the table's width, `Sheet.paragraph`) needs more than one line, and the header row
always, gets the height of its lines. Text is measured in Excel's own character widths of
Calibri 11 (xlsxwriter's table), with room for a bold heading and for a program that shows
the workbook in another font (LibreOffice without Calibri shows DejaVu Sans, and scales the
columns to it).
"""

from __future__ import annotations

import datetime as dt
import math
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING

from xlsxwriter.utility import CHAR_WIDTHS

if TYPE_CHECKING:
    from pipelines.packages.xlsx import Sheet

# measuring: Excel's pixel widths of Calibri 11 (at 96 dpi), a column of width w being
# 7w + 5 pixels wide with 7 of them padding
FONT_SIZE = 11
LINE_POINTS = 15.0  # a line of Calibri 11; Excel's default row height
MAX_ROW_POINTS = 409.0  # the highest row Excel has
PADDING = 7
BOLD = 1.08  # bold Calibri is about 5 % wider, bold DejaVu Sans (LibreOffice's stand-in) 8
FILTER_BUTTON = 18  # the filter's drop-down button in the header cell's bottom right corner
NUMBER_ROOM = 7  # a digit's room between two columns of figures
# printing: A4 less margins of 0.3" at the sides, at 96 dpi. The widest text columns are
# narrowed (their texts wrap) until a sheet prints one page wide at PRINT_SCALE, if their
# longest words let them, and never at less than MIN_PRINT_SCALE (a sheet still wider
# prints at that scale over more pages); portrait where it fits at PORTRAIT_SCALE
MARGIN_INCHES = 0.3
A4_INCHES = (8.27, 11.69)
PRINT_SCALE = 0.7
MIN_PRINT_SCALE = 0.6
PORTRAIT_SCALE = 0.9


# --- measuring ---------------------------------------------------------------------------

@lru_cache(maxsize=65536)
def _calibri(text: str) -> int:
    # a letter with a mark (å, ä, ö, é) is as wide as the letter (xlsxwriter's table has
    # no such letters); any other character not in it as wide as 8 pixels
    return sum(CHAR_WIDTHS.get(ch, CHAR_WIDTHS.get(
        unicodedata.normalize("NFD", ch)[0], 8)) for ch in text)


def text_pixels(text: str, style: dict) -> float:
    """The width of `text` in the style's font, in pixels of Calibri 11 at 96 dpi."""
    scale = (BOLD if style.get("bold") else 1.0) * style.get("size", FONT_SIZE) / FONT_SIZE
    return _calibri(text) * scale


def column_pixels(width: float) -> int:
    """A column of `width` characters, in pixels (Excel: 7w + 5 with Calibri 11)."""
    return int(width * 12 + 0.5) if width < 1 else int(width * 7 + 5 + 0.5)


def column_width(pixels: float) -> float:
    """The width in characters of a column `pixels` wide (rounded up to a quarter)."""
    return math.ceil(max(pixels - 5, 0) / 7 * 4) / 4


def shown(value, style: dict) -> str:
    """The text a cell shows for `value` in its number format (to measure it)."""
    value = getattr(value, "cached", value)  # a Formula shows its value as written
    if value is None or (isinstance(value, str) and value == ""):
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, dt.date):
        return "0000-00-00"  # yyyy-mm-dd
    if isinstance(value, bool):
        return "FALSKT"
    number = float(value.item() if hasattr(value, "item") else value)
    fmt = style.get("num_format", "")
    if fmt == ";;;":
        return ""
    if not fmt:
        return f"{number:.10g}"
    decimals = re.search(r"0\.(0+)", fmt)
    places = len(decimals.group(1)) if decimals else 0
    return f"{number:,.{places}f}" if "," in fmt else f"{number:.{places}f}"


def _words(text: str) -> list[str]:
    return [w for line in text.split("\n") for w in line.split(" ") if w]


def lines(text: str, style: dict, pixels: float) -> tuple[int, float]:
    """How many lines `text` wraps to in a cell `pixels` wide (breaking between words, a
    word wider than the cell where it must), and the width of its last line."""
    room = max(pixels - PADDING, 1.0)
    space = text_pixels(" ", style)
    count, last = 0, 0.0
    for paragraph in text.split("\n"):
        count += 1
        last = 0.0
        for word in paragraph.split(" "):
            width = text_pixels(word, style)
            if last and last + space + width > room:
                count += 1
                last = 0.0
            if width > room:  # broken inside the word
                count += math.ceil(width / room) - 1
                last = width - room * (math.ceil(width / room) - 1)
            else:
                last = last + space + width if last else width
    return count, last


def line_points(style: dict) -> float:
    return LINE_POINTS * style.get("size", FONT_SIZE) / FONT_SIZE


# --- settling the layout -----------------------------------------------------------------

@dataclass
class Settled:
    """What `settle` decided for a sheet: widths (characters) and row heights (points) to
    write, the area printed, and how it prints."""
    widths: dict[int, float]
    heights: dict[int, float]
    last_row: int
    last_column: int
    landscape: bool
    scale: float  # the scale one page wide (1.0: it fits as it is)


def _printable_pixels(landscape: bool) -> float:
    paper = A4_INCHES[1] if landscape else A4_INCHES[0]
    return (paper - 2 * MARGIN_INCHES) * 96


def _last_column(sheet: Sheet) -> int:
    columns = [c for (r, c) in sheet.cells if (r, c) not in sheet.paragraphs]
    columns += list(sheet.widths) + list(sheet.fits)
    columns += [last for last in sheet.paragraphs.values() if last is not None]
    return max(columns, default=1)


def _needs(sheet: Sheet, first_row: int) -> dict[int, tuple[float, float]]:
    """Per column to fit: (pixels its content needs on one line, pixels it cannot do
    with: its longest word, its widest number), from `first_row` down."""
    needs = {c: [0.0, 0.0] for c in sheet.fits}
    for (r, c), (value, style) in sheet.cells.items():
        if c not in needs or r < first_row or (r, c) in sheet.paragraphs:
            continue
        text = shown(value, style)
        if not text:
            continue
        need = needs[c]
        if isinstance(value, str):
            longest = max((text_pixels(w, style) for w in _words(text)), default=0.0)
            need[1] = max(need[1], longest)
            need[0] = max(need[0], longest if style.get("wrap") else max(
                text_pixels(line, style) for line in text.split("\n")))
        else:  # a number never wraps: too narrow a column shows ####
            width = text_pixels(text, style) + NUMBER_ROOM
            need[0], need[1] = max(need[0], width), max(need[1], width)
    return {c: (need + PADDING, floor + PADDING) for c, (need, floor) in needs.items()}


def settle(sheet: Sheet) -> Settled:
    """Fit the columns, narrow the widest text columns until the sheet prints at
    PRINT_SCALE (a text then wraps), wrap what is too long for its column and set the
    height of every row that needs more than one line, its cells aligned at the top. Marks
    the cells it wraps or aligns in `sheet`."""
    title_row = sheet.print_setup.get("title_row", 1)
    last_column = _last_column(sheet)
    widths = dict(sheet.widths)
    floors: dict[int, float] = {}
    needs = _needs(sheet, title_row)
    for column, (least, most) in sheet.fits.items():
        need, floor = needs[column]
        floors[column] = column_width(floor)  # narrowed no further than its longest word
        widths[column] = max(least, min(most, column_width(need)), floors[column])
    shown_columns = [c for c in range(1, last_column + 1) if c not in sheet.hidden_columns]

    def total() -> float:
        return sum(column_pixels(widths.get(c, 8.43)) for c in shown_columns)

    excess = total() - _printable_pixels(True) / PRINT_SCALE
    slack = {c: 7 * (widths[c] - floors[c]) for c in sheet.fits
             if c in shown_columns and widths[c] > floors[c]}
    if excess > 0 and slack:  # each text column gives up the same share of its slack
        share = min(1.0, excess / sum(slack.values()))
        for c in slack:
            widths[c] = max(floors[c], math.floor((widths[c] - (widths[c] - floors[c])
                                                   * share) * 4) / 4)
    _wrap_long_texts(sheet, widths, title_row)
    heights = _heights(sheet, widths, last_column)
    tall = {r for r, h in heights.items() if h > LINE_POINTS + 0.01}
    for (r, _), (_, style) in sheet.cells.items():  # a row of several lines reads from top
        if r in tall:
            style.setdefault("valign", "top")
    last_row = max((r for r, _ in sheet.cells), default=1)
    pixels = total()
    landscape = pixels * PORTRAIT_SCALE > _printable_pixels(False)
    scale = min(1.0, _printable_pixels(landscape) / max(pixels, 1.0))
    return Settled({c: w for c, w in widths.items()}, heights, last_row, last_column,
                   landscape, scale)


def _wrap_long_texts(sheet: Sheet, widths: dict[int, float], first_row: int) -> None:
    for (r, c), (value, style) in sheet.cells.items():
        if (c in sheet.fits and r >= first_row and isinstance(value, str)
                and not style.get("wrap") and (r, c) not in sheet.paragraphs
                and text_pixels(value, style) + PADDING > column_pixels(widths[c])):
            style.update(wrap=True, valign="top")


def _heights(sheet: Sheet, widths: dict[int, float], last_column: int) -> dict[int, float]:
    """Points per row that needs more than a line (the header row always)."""
    title_row = sheet.print_setup.get("title_row")
    header = sheet.filter[0] if sheet.filter else title_row

    def pixels(first: int, last: int) -> float:
        return sum(column_pixels(widths.get(c, 8.43)) for c in range(first, last + 1)
                   if c not in sheet.hidden_columns)

    needed: dict[int, float] = {}
    for (r, c), (value, style) in sheet.cells.items():
        if c in sheet.hidden_columns:
            continue
        if not (isinstance(value, str) and value):
            if style.get("size", FONT_SIZE) > FONT_SIZE and value is not None:
                needed[r] = max(needed.get(r, 0.0), line_points(style))
            continue
        if (r, c) in sheet.paragraphs:
            last = sheet.paragraphs[r, c]
            room = pixels(c, last_column if last is None else last)
        elif style.get("wrap"):
            room = pixels(c, c)
        else:
            if style.get("size", FONT_SIZE) > FONT_SIZE:
                needed[r] = max(needed.get(r, 0.0), line_points(style))
            continue
        count, last_line = lines(value, style, room)
        if r == header and sheet.filter and last_line + FILTER_BUTTON > room - PADDING:
            count += 1  # the filter's button sits under the heading, not over its end
        needed[r] = max(needed.get(r, 0.0), count * line_points(style) + (
            2.0 if count > 1 else 0.0))
    heights = {r: min(MAX_ROW_POINTS, h) for r, h in needed.items()
               if h > LINE_POINTS + 0.01 or r in (header, title_row)}
    if header is not None:
        heights[header] = max(heights.get(header, 0.0), LINE_POINTS)
    heights.update(sheet.heights)
    return heights
