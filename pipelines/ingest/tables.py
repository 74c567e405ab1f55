"""Tabular exports (CSV, Excel): rows with their line, and the values in them (amounts,
dates, months, and codes written together with their names).

Headings are matched as the config names them, ignoring case and surrounding spaces
(`KONTO`, `Konto `). A row with more fields than the header is yielded with its `problem`: a
delimiter in an unquoted text would have moved its fields one column.
"""

from __future__ import annotations

import csv
import datetime as dt
import math
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from functools import lru_cache
from pathlib import Path

from pipelines.errors import InputError
from pipelines.text import excerpt

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
        raise ValueError(f"'{excerpt(text, 60)}' har ingen kod enligt code_and_name '{rule}'")
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
                             f"{excerpt(', '.join(book.sheetnames))})") from None
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
    """An Excel cell as the text a CSV export would hold (decimal comma, no exponent). A
    number that is an amount in öre stored as a binary fraction (1234.5600000000002) is
    written as such."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float):
        if not math.isfinite(value):
            return repr(value)
        if value == int(value):
            return str(int(value))
        if abs(value * 100 - round(value * 100)) < 1e-6:
            return f"{value:.2f}".rstrip("0").rstrip(".").replace(".", ",")
        return format(Decimal(repr(value)), "f").replace(".", ",")  # never an exponent
    return str(value)


def check_header(header: list[str], required: Iterable[str], path: Path) -> None:
    missing = [h for h in required if h not in header]
    if missing:
        found = ", ".join(h for h in header if h)  # what the file holds: a short excerpt
        raise InputError(f"{path.name}: rad 1: kolumn saknas: {', '.join(missing)} (rubriker i "
                         f"filen: {excerpt(found) if found else 'inga'})")


# --- numbers as files write them ---------------------------------------------------------
# The one reader of numbers for every source: amounts of the ledger, the budget and KF's
# decisions, HR's hours, rates and costs, Kolada's values, the goals' target values, an ERP
# database's amounts and (in its strict form) SIE's. Exact: a Decimal, or whole öre.

MINUS_SIGNS = "-\u2212\u2013"  # hyphen-minus, minus sign (U+2212), en dash (U+2013)
SPACES = " \u00a0\u202f\u2009"  # space, no-break space, narrow no-break space, thin space
_NUMBER_CHARS = re.compile(f"[0-9{SPACES},.]+").fullmatch  # all a file's number is made of
_SPACE_GROUPS = re.compile(f"[0-9]{{1,3}}(?:[{SPACES}][0-9]{{3}})+").fullmatch  # 1 234 567
_MARK_GROUPS = {m: re.compile(rf"[0-9]{{1,3}}(?:\{m}[0-9]{{3}})+").fullmatch for m in ",."}
_NO_SEPARATORS = str.maketrans("", "", SPACES + ",.")


@dataclass(frozen=True)
class NumberForm:
    """How a source writes numbers. `plain` matches the common form (sign, digits, decimal
    mark, digits); a `swedish` form also reads the other forms of Swedish exports: spaces,
    or the other mark, between groups of three digits, a minus sign or en dash for a minus,
    a minus after the number (docs/configuration.md, "Numbers")."""

    decimal: str
    plain: Callable[[str], re.Match | None]
    swedish: bool = False
    exact_decimals: bool = False  # at most two decimals as written (SIE), not only as a value
    # the commonest amounts, read without the general path: '-1418.02', '-1418', '-1418.5'
    # and, in a Swedish form, '-1 418,02'
    quick: Callable[[str], re.Match | None] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        d = re.escape(self.decimal)
        whole = f"(?:[0-9]+|[0-9]{{1,3}}(?:[{SPACES}][0-9]{{3}})+)" if self.swedish else "[0-9]+"
        object.__setattr__(self, "quick", re.compile(
            rf"-?{whole}(?:({d}[0-9][0-9])|({d}[0-9]))?").fullmatch)


ORE_PER = {None: 100, 1: 1, 2: 10}  # öre per unit of the digits, by the quick shape matched


def _plain(decimal: str, pattern: str = r"([+-]?)([0-9]+)(?:{d}([0-9]+))?") -> Callable:
    return re.compile(pattern.format(d=re.escape(decimal))).fullmatch


# SIE 4 writes amounts one way: '.' decimals, no thousands separators, a leading '-'
SIE_NUMBERS = NumberForm(".", _plain(".", r"([+-]?)([0-9]*)(?:{d}([0-9]*))?"),
                         exact_decimals=True)
FILE_NUMBERS = {",": NumberForm(",", _plain(","), swedish=True),
                ".": NumberForm(".", _plain("."), swedish=True)}


class NotANumber(ValueError):
    """Text that is not a number in its source's form; `reason` says why, when it helps."""

    def __init__(self, text: str, reason: str | None = None):
        super().__init__(reason or "")
        self.text, self.reason = text, reason

    def message(self, what: str) -> str:
        """'…' är inte ett tal / inget belopp, and why."""
        return f"'{excerpt(self.text)}' {what}" + (f": {self.reason}" if self.reason else "")


def number_form(decimal: str = ",") -> NumberForm:
    """The form of a CSV or Excel source with this decimal mark (',' or '.')."""
    try:
        return FILE_NUMBERS[decimal]
    except KeyError:
        raise ValueError(f"decimaltecknet '{decimal}' är varken ',' eller '.'") from None


def number_parts(text: str, form: NumberForm) -> tuple[int, str, str]:
    """(sign, whole digits, decimal digits) of a number as `form` writes it; NotANumber."""
    t = text.strip()
    match = form.plain(t)
    if match:
        sign, whole, fraction = match.groups("")
        if whole or fraction:
            return (-1 if sign == "-" else 1), whole, fraction
        raise NotANumber(text)
    if not form.swedish:  # a strict form reads its plain form only
        raise NotANumber(text)
    return _swedish_parts(text, t, form)


def _swedish_parts(text: str, t: str, form: NumberForm) -> tuple[int, str, str]:
    if not t:
        raise NotANumber(text)
    if len(t) > 2 and t[0] == "(" and t[-1] == ")":
        raise NotANumber(text, f"parenteser läses inte som minus; skriv -{t[1:-1].strip()}")
    signs = []
    if t[0] in MINUS_SIGNS or t[0] == "+":
        signs.append(t[0])
        t = t[1:].lstrip(SPACES)
    if t and t[-1] in MINUS_SIGNS:
        signs.append(t[-1])
        t = t[:-1].rstrip(SPACES)
    if len(signs) > 1:
        raise NotANumber(text, "både tecken före och minus efter talet")
    sign = -1 if signs and signs[0] != "+" else 1
    decimal, other = form.decimal, "," if form.decimal == "." else "."
    if not _NUMBER_CHARS(t):
        raise NotANumber(text)
    if t.count(decimal) > 1:
        raise NotANumber(text, f"decimaltecknet '{decimal}' står flera gånger")
    whole, mark, fraction = t.partition(decimal)
    if mark and not fraction.isdigit():
        late = next((c for c in fraction if not c.isdigit()), "")
        raise NotANumber(text, f"'{late}' efter decimaltecknet '{decimal}'" if late.strip()
                         else "siffror saknas efter decimaltecknet" if not late
                         else "mellanslag efter decimaltecknet")
    return sign, _grouped(text, whole, bool(mark), decimal, other), fraction


def _grouped(text: str, whole: str, has_decimals: bool, decimal: str, other: str) -> str:
    """The digits of a whole part written with thousands separators, or NotANumber."""
    if whole.isdigit() or not whole:
        if not whole and not has_decimals:
            raise NotANumber(text)
        return whole
    if _SPACE_GROUPS(whole):
        return whole.translate(_NO_SEPARATORS)
    if _MARK_GROUPS[other](whole):
        if whole.count(other) == 1 and not has_decimals:  # '1.500': 1500, or 1,5 mistyped?
            raise NotANumber(text, f"tvetydigt, '{other}' kan skilja tusental eller "
                                   f"decimaler (decimaltecknet är '{decimal}'): skriv "
                                   f"talet utan '{other}'")
        return whole.translate(_NO_SEPARATORS)
    separators = {" " if c in SPACES else c for c in whole if not c.isdigit()}
    if len(separators) > 1:
        raise NotANumber(text, "olika tecken skiljer tusentalen")
    if separators == {other}:
        raise NotANumber(text, f"decimaltecknet är '{decimal}', inte '{other}'")
    raise NotANumber(text, "tusentalen ska stå i grupper om tre siffror")


def parse_number(text: str, decimal: str = ",") -> Decimal:
    """A number as a CSV or Excel export writes it ('-1 234,5'), exactly; ValueError with
    the rule otherwise (docs/configuration.md, "Numbers")."""
    try:
        sign, whole, fraction = number_parts(text, number_form(decimal))
    except NotANumber as e:
        raise ValueError(e.message("är inte ett tal")) from None
    negative = sign < 0 and (whole + fraction).strip("0")  # never a negative zero
    return Decimal(f"{'-' if negative else ''}{whole or '0'}.{fraction or '0'}")


def amount_ore(text: str, form: NumberForm) -> int:
    """An amount in kronor as `form` writes it -> öre, exactly; at most two decimals."""
    quick = form.quick(text)
    if quick:  # the digits are the amount in öre, tenths or kronor
        return int(text.translate(_NO_SEPARATORS)) * ORE_PER[quick.lastindex]
    try:
        sign, whole, fraction = number_parts(text, form)
    except NotANumber as e:
        raise ValueError(e.message("är inget belopp")) from None
    if len(fraction) > 2 and (form.exact_decimals or fraction[2:].strip("0")):
        raise ValueError(f"'{excerpt(text)}' har fler än två decimaler")
    return sign * (int(whole or "0") * 100 + int((fraction + "00")[:2]))


def parse_decimal_amount(text: str, decimal: str = ",") -> int:
    """'-1 234,50' -> -123450 öre, exactly; at most two decimals."""
    return amount_ore(text, number_form(decimal))


def parse_any_date(text: str) -> dt.date:
    """ISO dates (2025-01-31) and the compact form of SIE and many ERPs (20250131)."""
    t = text.strip()
    try:
        if len(t) == 8 and t.isdigit():
            return dt.date(int(t[:4]), int(t[4:6]), int(t[6:]))
        return dt.date.fromisoformat(t[:10])
    except ValueError:
        raise ValueError(f"'{excerpt(text)}' är inget datum (ÅÅÅÅ-MM-DD eller ÅÅÅÅMMDD)") \
            from None


def parse_month(text: str) -> str:
    """'2025-01', '202501', '2025-01-31' or '20250131' -> '2025-01'."""
    digits = text.strip().replace("-", "")[:6]
    if len(digits) != 6 or not digits.isdigit() or not 1 <= int(digits[4:]) <= 12:
        raise ValueError(f"perioden '{excerpt(text)}' är inte ÅÅÅÅ-MM eller ÅÅÅÅMM")
    return f"{digits[:4]}-{digits[4:]}"
