"""The records of a SIE 4 file as the reader gives them (vouchers with their rows, period
amounts, the header facts in `SieInfo`), and the hot paths that build a plain #TRANS row and a
plain #VER without the general tokenizer (pipelines/ingest/sie.py uses them)."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field

from pipelines.errors import InputError
from pipelines.ingest.sie_fields import _PLAIN_AMOUNT, _words, parse_amount, parse_date


class NotSieError(InputError):
    """The file is not a SIE file at all."""


@dataclass(slots=True)
class Quarantined:
    file: str
    line: int
    raw: str
    rule: str
    label: str = ""  # the record's label (#TRANS, #KONTO ...), "" for a line without one


@dataclass(slots=True)
class Row:
    """A #TRANS (or #RTRANS) row of a voucher. Amounts are in öre (integer)."""

    line: int
    account: str
    objects: dict[str, str]
    amount_ore: int
    date: dt.date | None
    text: str
    quantity: str
    kind: str  # TRANS, RTRANS
    raw: str = ""  # the line as delivered, for the quarantine


@dataclass(slots=True)
class Voucher:
    line: int
    series: str
    number: str
    date: dt.date | None  # None only on a #VER that could not be read (never yielded)
    text: str
    registration_date: dt.date | None
    rows: list[Row] = field(default_factory=list)
    removed_rows: list[Row] = field(default_factory=list)  # #BTRANS
    raw: str = ""

    @property
    def balance_ore(self) -> int:
        return sum(r.amount_ore for r in self.rows)


@dataclass(slots=True)
class PeriodAmount:
    """#PBUDGET / #PSALDO: an amount per year index, period and account (and objects)."""

    line: int
    label: str
    year_index: int
    period: str
    account: str
    objects: dict[str, str]
    amount_ore: int
    quantity: str


@dataclass(slots=True)
class YearBalance:
    """#IB / #UB (a balance account's opening or closing balance of a year) or #RES (a result
    account's balance of a year), by year index (0 the file's current year, -1 the one before).
    Amounts in öre, ledger sign (debit positive)."""

    line: int
    label: str  # IB, UB, RES
    year_index: int
    account: str
    amount_ore: int


@dataclass
class SieInfo:
    file: str
    encoding: str = "cp437"
    declared_format: str = ""
    program: str = ""
    sie_type: str = ""
    company: str = ""
    orgnr: str = ""
    generated: str = ""
    fiscal_years: dict[int, tuple[dt.date, dt.date]] = field(default_factory=dict)
    accounts: dict[str, str] = field(default_factory=dict)
    account_lines: dict[str, int] = field(default_factory=dict)  # account -> its #KONTO line
    account_types: dict[str, str] = field(default_factory=dict)
    chart_type: str = ""  # #KPTYP, e.g. BAS2014
    sru_codes: dict[str, str] = field(default_factory=dict)  # #SRU account -> tax form code
    dimensions: dict[str, str] = field(default_factory=dict)  # #DIM and #UNDERDIM
    parent_dimensions: dict[str, str] = field(default_factory=dict)  # #UNDERDIM nr -> parent
    objects: dict[tuple[str, str], str] = field(default_factory=dict)
    counts: Counter = field(default_factory=Counter)
    quarantine: list[Quarantined] = field(default_factory=list)
    # #KSUMMA: "absent", "ok", "mismatch (expected X, computed Y)", "incomplete (...)" when
    # the closing #KSUMMA is missing, "invalid (...)" when its value or the opening is missing
    checksum: str = "absent"


def plain_trans(line_no: int, raw: str, objects_seen: dict[str, dict[str, str]]) -> Row | None:
    """The hot path: `#TRANS account {objects} amount [date [text [quantity]]]` as almost every
    row of a ledger is written (an unquoted account of digits, no escapes, no braces after the
    list). Gives the Row the general path would give, or None to leave the line to the
    general path (which also quarantines what is wrong). Object lists repeat, so each distinct
    list text is parsed once (`objects_seen`, kept small by the caller) and every row gets its
    own copy. Raises ValueError on a bad amount or date, like the general path."""
    start, end = raw.find("{", 7), raw.find("}", 7)
    if start < 0 or end < start:
        return None
    head = raw[7:start].split()
    if len(head) != 1 or not head[0].isdigit() or not head[0].isascii():
        return None
    listed = raw[start + 1:end]
    objects = objects_seen.get(listed)
    if objects is None:
        words = None if "{" in listed else _words(listed)
        if words is None or len(words) % 2:
            return None
        objects = {words[i].strip(): words[i + 1].strip() for i in range(0, len(words), 2)}
        objects_seen[listed] = objects
    tail = raw[end + 1:]
    if "{" in tail or "}" in tail:
        return None
    fields = (_words(tail) if '"' in tail else tail.split())
    if not fields:
        return None
    amount = fields[0]
    n = len(fields)
    return Row(line_no, head[0], dict(objects),
               int(amount.replace(".", "")) if _PLAIN_AMOUNT(amount) else parse_amount(amount),
               parse_date(fields[1]) if n > 1 and fields[1] else None,
               fields[2] if n > 2 else "", fields[3] if n > 3 else "", "TRANS", raw)


def plain_ver(line_no: int, raw: str) -> Voucher | None:
    """The hot path of `#VER series number date ["text" [regdate ...]]` with at most one
    quoted field and no escapes or braces; None leaves the line to the general path. Raises
    ValueError on a bad date, like the general path."""
    parts = raw.split('"')
    if len(parts) == 1:
        fields = raw.split()
    elif len(parts) == 3:
        fields = [*parts[0].split(), parts[1], *parts[2].split()]
    else:
        return None
    n = len(fields)
    if n < 4:
        return None
    return Voucher(line_no, fields[1], fields[2], parse_date(fields[3]),
                   fields[4] if n > 4 else "",
                   parse_date(fields[5]) if n > 5 and fields[5] else None, raw=raw)
