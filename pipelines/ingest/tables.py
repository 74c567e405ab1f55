"""Tabular exports (CSV, Excel): rows with their line, and the values in them (amounts,
dates, months, and codes written together with their names).

Headings are matched as the config names them, ignoring case and surrounding spaces
(`KONTO`, `Konto `). A row with more fields than the header is yielded with its `problem`: a
delimiter in an unquoted text would have moved its fields one column.
"""

from __future__ import annotations

import csv
import datetime as dt
import re
from collections.abc import Iterable, Iterator
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from pathlib import Path

from pipelines.errors import InputError

# how the code is taken from a cell that holds code and name, e.g. '46362 Köp medicinskt'
CODE_RULES = {
    "leading_digits": re.compile(r"\s*(\d+)"),   # the digits the cell starts with
    "first_word": re.compile(r"\s*(\S+)"),  # up to the first space
}


@lru_cache(maxsize=64)
def code_rule(rule: str) -> re.Pattern:
    """The pattern of a `code_and_name` rule: a name above, or a regular expression whose
    first group is the code. ValueError when it is neither."""
    if rule in CODE_RULES:
        return CODE_RULES[rule]
    try:
        pattern = re.compile(rule)
    except re.error as e:
        raise ValueError(f"'{rule}' is neither {' nor '.join(CODE_RULES)} nor a regular "
                         f"expression ({e})") from None
    if pattern.groups < 1:
        raise ValueError(f"'{rule}': the regular expression needs a group ( ) around the code")
    return pattern


def code_of(text: str, rule: str | None) -> str:
    """The code in a cell: the cell itself, or what `rule` takes out of code and name."""
    text = text.strip()
    if rule is None or not text:
        return text
    pattern = code_rule(rule)
    match = pattern.match(text) if rule in CODE_RULES else pattern.search(text)
    if match is None or not match.group(1):
        raise ValueError(f"'{text[:60]}' har ingen kod enligt code_and_name '{rule}'")
    return match.group(1).strip()


class Record(dict):
    """One row of a table export, {heading: text}, with the row as delivered (`raw`, for the
    quarantine) and what is wrong with its shape (`problem`), if anything."""

    def __init__(self, values: dict[str, str], raw: str, problem: str | None = None):
        super().__init__(values)
        self.raw = raw
        self.problem = problem

    def check(self) -> None:
        """A row that does not fit the header cannot be read safely: its fields may have
        moved one column."""
        if self.problem:
            raise ValueError(self.problem)


def _named(header: list[str], names: Iterable[str]) -> list[str]:
    """The header with each heading spelt as the config names it, where they differ only in
    case or spaces."""
    wanted = {n.strip().casefold(): n for n in names}
    return [wanted.get(h.strip().casefold(), h.strip()) for h in header]


def table_rows(path: Path, kind: str, delimiter: str = ";", encoding: str = "utf-8",
               sheet: str | int = 0, required: Iterable[str] = (), known: Iterable[str] = ()
               ) -> Iterator[tuple[int, Record]]:
    """(line, row) of a CSV file or an Excel sheet; line 1 is the header, which must hold the
    `required` headings (`known` ones are only spelt as named). Empty rows are skipped; a row
    with more fields than the header is yielded with its `problem`."""
    required = list(required)
    names = [*required, *known]
    if kind == "excel":
        yield from _excel_rows(path, sheet, required, names)
        return
    with path.open(encoding=encoding, newline="") as f:
        reader = csv.reader(f, delimiter=delimiter)
        try:
            header = _named(next(reader, []), names)
            check_header(header, required, path)
            end = reader.line_num
            for values in reader:
                line, end = end + 1, reader.line_num
                if not any(v.strip() for v in values):
                    continue
                problem = None
                if len(values) > len(header) and any(v.strip() for v in values[len(header):]):
                    problem = (f"{len(values)} fält men {len(header)} rubriker (ett "
                               f"'{delimiter}' i en text utan citattecken?)")
                yield line, Record(dict(zip(header, values, strict=False)),
                                   delimiter.join(values), problem)
        except UnicodeDecodeError:
            raise InputError(f"{path.name}: rad {_undecodable_line(path, encoding)}: kan inte "
                             f"läsas som {encoding}; ange filens teckenkodning (encoding) i "
                             "konfigurationen, t.ex. iso-8859-1 eller cp1252") from None


def _excel_rows(path: Path, sheet: str | int, required: list[str], names: list[str]
                ) -> Iterator[tuple[int, Record]]:
    from openpyxl import load_workbook

    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except Exception as e:  # not a workbook, or a damaged one: say so, in one line
        raise InputError(f"{path.name}: rad 1: kan inte läsas som Excel-arbetsbok (.xlsx): "
                         f"{type(e).__name__}") from None
    try:
        try:
            ws = book.worksheets[sheet] if isinstance(sheet, int) else book[sheet]
        except (IndexError, KeyError):
            raise InputError(f"{path.name}: bladet {sheet!r} finns inte (blad: "
                             f"{', '.join(book.sheetnames)})") from None
        rows = ws.iter_rows(values_only=True)
        header = _named([str(h) if h is not None else "" for h in next(rows, [])], names)
        check_header(header, required, path)
        for line, values in enumerate(rows, start=2):
            if all(v is None for v in values):
                continue
            texts = [cell_text(v) for v in values]
            beyond = sum(1 for t in texts[len(header):] if t)  # (never their values: an
            # HR export's stray cell may hold a personnummer)
            yield line, Record(
                dict(zip(header, texts, strict=False)), ";".join(texts).rstrip(";"),
                f"värden i {beyond} kolumner utan rubrik" if beyond else None)
    finally:
        book.close()


def _undecodable_line(path: Path, encoding: str) -> int:
    """The first line of the file that is not in `encoding`."""
    for line, raw in enumerate(path.read_bytes().split(b"\n"), start=1):
        try:
            raw.decode(encoding)
        except UnicodeDecodeError:
            return line
    return 1


def cell_text(value: object) -> str:
    """An Excel cell as the text a CSV export would hold (decimal comma). A number that is
    an amount in öre stored as a binary fraction (1234.5600000000002) is written as such."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float):
        if value == int(value):
            return str(int(value))
        if abs(value * 100 - round(value * 100)) < 1e-6:
            return f"{value:.2f}".rstrip("0").replace(".", ",")
        return repr(value).replace(".", ",")
    return str(value)


def check_header(header: list[str], required: Iterable[str], path: Path) -> None:
    missing = [h for h in required if h not in header]
    if missing:
        raise InputError(f"{path.name}: rad 1: kolumn saknas: {', '.join(missing)} (rubriker i "
                         f"filen: {', '.join(h for h in header if h) or 'inga'})")


def parse_decimal_amount(text: str, decimal: str = ",") -> int:
    """'-1 234,50' -> -123450 öre, exactly; at most two decimals."""
    cleaned = text.strip().replace("\u2212", "-").replace("\xa0", "").replace(" ", "")
    if decimal != ".":
        cleaned = cleaned.replace(".", "") if decimal == "," else cleaned
        cleaned = cleaned.replace(decimal, ".")
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        raise ValueError(f"'{text}' är inget belopp") from None
    if not value.is_finite():
        raise ValueError(f"'{text}' är inget belopp")
    if value != value.quantize(Decimal("0.01")):
        raise ValueError(f"'{text}' har fler än två decimaler")
    return int(value * 100)


def parse_any_date(text: str) -> dt.date:
    """ISO dates (2025-01-31) and the compact form of SIE and many ERPs (20250131)."""
    t = text.strip()
    try:
        if len(t) == 8 and t.isdigit():
            return dt.date(int(t[:4]), int(t[4:6]), int(t[6:]))
        return dt.date.fromisoformat(t[:10])
    except ValueError:
        raise ValueError(f"'{text}' är inget datum (ÅÅÅÅ-MM-DD eller ÅÅÅÅMMDD)") from None


def parse_month(text: str) -> str:
    """'2025-01', '202501', '2025-01-31' or '20250131' -> '2025-01'."""
    digits = text.strip().replace("-", "")[:6]
    if len(digits) != 6 or not digits.isdigit() or not 1 <= int(digits[4:]) <= 12:
        raise ValueError(f"perioden '{text}' är inte ÅÅÅÅ-MM eller ÅÅÅÅMM")
    return f"{digits[:4]}-{digits[4:]}"
