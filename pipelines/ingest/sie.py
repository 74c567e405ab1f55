"""A streaming reader for SIE 4 files (types 1-4), after "SIE filformat utgåva 4B".

`SieReader(path)` is iterated for records (`Voucher`, `PeriodAmount`); header facts (program,
encoding used, fiscal years, accounts, dimensions, objects) fill `reader.info` as they are
read. Memory is bounded by one voucher. A line that cannot be read is quarantined with file,
line number, raw text and the rule it breaks; a file that is not SIE at all raises
`NotSieError` with one clear message. A #KSUMMA checksum is verified where the file has one
(`info.checksum`, see the note at `checksum_bytes`).

Speed: plain #TRANS and #VER lines (no escapes, the common shape) take a hot path of splits
and cached dates and object lists; everything else, and whatever the hot path is unsure of,
goes through the general tokenizer, so both give the same records and quarantine the same
lines. `benchmarks/sie_benchmark.py` measures it.
"""

from __future__ import annotations

import codecs
import datetime as dt
import re
import zlib
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

# one field: a quoted string (with \" escapes), an object list {...}, or a bare word
_FIELD = re.compile(r'"((?:[^"\\]|\\.)*)"|\{([^}]*)\}|([^\s"{}]+)')
_UNESCAPE = re.compile(r"\\(.)")
_PLAIN_AMOUNT = re.compile(r"-?[0-9]+\.[0-9][0-9]").fullmatch  # 'NNN.NN', the common amount
CP437_SWEDISH = {0x86, 0x84, 0x94, 0x8F, 0x8E, 0x99, 0x82, 0x90}  # å ä ö Å Ä Ö é É
LATIN_SWEDISH = {0xE5, 0xE4, 0xF6, 0xC5, 0xC4, 0xD6, 0xE9, 0xC9}
_ASCII_BYTES = bytes(range(0x80))


class NotSieError(Exception):
    """The file is not a SIE file at all."""


@dataclass(slots=True)
class Quarantined:
    file: str
    line: int
    raw: str
    rule: str


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


@dataclass(slots=True)
class Voucher:
    line: int
    series: str
    number: str
    date: dt.date
    text: str
    registration_date: dt.date | None
    rows: list[Row] = field(default_factory=list)
    removed_rows: list[Row] = field(default_factory=list)  # #BTRANS

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


def detect_encoding(path: Path) -> str:
    """CP437 as PC8 declares, unless the bytes say UTF-8 or ISO-8859-15."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    utf8_ok, high, cp437_hits, latin_hits = True, False, 0, 0
    with path.open("rb") as f:
        while chunk := f.read(1 << 20):
            if chunk.isascii():
                continue
            high = True
            if utf8_ok:
                try:
                    decoder.decode(chunk)
                except UnicodeDecodeError:
                    utf8_ok = False
            letters = chunk.translate(None, _ASCII_BYTES)  # the few bytes >= 0x80 only
            cp437_hits += sum(letters.count(b) for b in CP437_SWEDISH)
            latin_hits += sum(letters.count(b) for b in LATIN_SWEDISH)
    if not high:
        return "ascii"
    if utf8_ok:
        try:
            decoder.decode(b"", final=True)  # a multi-byte character cut off at the end
        except UnicodeDecodeError:
            utf8_ok = False
    if utf8_ok:
        return "utf-8"
    return "iso-8859-15" if latin_hits > cp437_hits else "cp437"


def split_fields(line: str) -> list[str | dict[str, str]]:
    """Fields of one line; an object list becomes a dict {dimension: object}."""
    out: list[str | dict[str, str]] = []
    for m in _FIELD.finditer(line):
        quoted, objs, bare = m.groups()
        if objs is not None:
            if "{" in objs:
                raise ValueError("'{' inside an object list")
            out.append(parse_objects(objs))
        elif quoted is not None:
            out.append(_UNESCAPE.sub(r"\1", quoted))
        else:
            out.append(bare)
    return out


def _words(text: str) -> list[str] | None:
    """Bare words and quoted strings (without escapes) in order; None if a quote is open."""
    if '"' not in text:
        return text.split()
    parts = text.split('"')
    if len(parts) % 2 == 0:
        return None
    words: list[str] = []
    for k, part in enumerate(parts):
        if k % 2:
            words.append(part)  # a quoted string, spaces and all
        else:
            words.extend(part.split())
    return words


def fast_fields(line: str) -> list[str | dict[str, str]] | None:
    """The fields of a line without escapes, e.g. `#TRANS 6421 {1 "121101"} 163.86` or
    `#VER LF 509 20250201 "Atea faktura"`: the common case, without the regex tokenizer.
    None when the line needs the full tokenizer (escapes, stray or nested braces)."""
    if "\\" in line:
        return None
    start, end = line.find("{"), line.find("}")
    if start < 0:
        return None if end >= 0 else _words(line)
    if end < start or "{" in line[start + 1:end] or "{" in line[end:] or "}" in line[end + 1:]:
        return None
    head, objs, tail = _words(line[:start]), _words(line[start + 1:end]), _words(line[end + 1:])
    if head is None or objs is None or tail is None or len(objs) % 2:
        return None
    objects = {objs[i].strip(): objs[i + 1].strip() for i in range(0, len(objs), 2)}
    return [*head, objects, *tail]


def plain_trans(line_no: int, raw: str, objects_seen: dict[str, dict[str, str]]) -> Row | None:
    """The hot path: `#TRANS account {objects} amount [date [text [quantity]]]` as almost every
    row of a ledger is written (an unquoted account, no escapes, no braces after the list).
    Gives the Row the general path would give, or None to leave the line to the general path
    (which also quarantines what is wrong). Object lists repeat, so each distinct list text is
    parsed once (`objects_seen`, kept small by the caller) and every row gets its own copy.
    Raises ValueError on a bad amount or date, like the general path."""
    start, end = raw.find("{", 7), raw.find("}", 7)
    if start < 0 or end < start:
        return None
    head = raw[7:start].split()
    if len(head) != 1 or '"' in head[0]:
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
    fields = _words(tail) if '"' in tail else tail.split()
    if not fields:
        return None
    amount = fields[0]
    n = len(fields)
    return Row(line_no, head[0], dict(objects),
               int(amount.replace(".", "")) if _PLAIN_AMOUNT(amount) else parse_amount(amount),
               parse_date(fields[1]) if n > 1 and fields[1] else None,
               fields[2] if n > 2 else "", fields[3] if n > 3 else "", "TRANS")


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
                   parse_date(fields[5]) if n > 5 and fields[5] else None)


def parse_objects(text: str) -> dict[str, str]:
    """'1 "456" 6 "P1"' -> {"1": "456", "6": "P1"}; codes are trimmed of padding."""
    words = [_UNESCAPE.sub(r"\1", q) if q is not None else b
             for q, _, b in (m.groups() for m in _FIELD.finditer(text))]
    if len(words) % 2:
        raise ValueError("object list has a dimension without an object")
    return {words[i].strip(): words[i + 1].strip() for i in range(0, len(words), 2)}


# #KSUMMA, as implemented here. SIE 4B (the section on "Kontrollsummering") puts a #KSUMMA
# without a value near the start of the file and a closing `#KSUMMA <crc>` at the end; the CRC
# is the ordinary CRC-32 (polynomial 0xEDB88320, start and final XOR 0xFFFFFFFF: zlib.crc32)
# over every record between the two. Our reading of which bytes count, which we could not
# check against the spec's own worked example (we had its table of contents and other
# readers' tests, not the section's text):
# - per record, its label as written (`#TRANS`) and the contents of its fields in order;
#   field separators (spaces, tabs), the quotes around a quoted field, the braces of an object
#   list and the line end are left out; spaces inside a quoted field count, and an escaped
#   quote (\") counts as the quote character alone;
# - an object list counts as its dimension and object words, as written (not trimmed);
# - the two #KSUMMA records themselves and the `{` / `}` lines of voucher blocks add nothing;
#   a line that does not start with # is quarantined and adds nothing either;
# - the bytes are those of the file's encoding: PC8 (CP437) as the spec prescribes, or the
#   encoding detected when a file says PC8 but is written otherwise (so a program that
#   summed its own bytes still verifies);
# - the value may be written unsigned or as a signed 32-bit number; both are accepted.
def checksum_bytes(line: str, encoding: str) -> bytes:
    """What #KSUMMA covers of one record (a stripped line), as bytes; see the note above."""
    parts: list[str] = []
    for quoted, listed, bare in (m.groups() for m in _FIELD.finditer(line)):
        if listed is not None:
            parts.extend(_UNESCAPE.sub(r"\1", q) if q is not None else b
                         for q, _, b in (m.groups() for m in _FIELD.finditer(listed)))
        elif quoted is not None:
            parts.append(_UNESCAPE.sub(r"\1", quoted))
        else:
            parts.append(bare)
    return "".join(parts).encode("cp437" if encoding == "ascii" else encoding, errors="replace")


def parse_amount(text: str) -> int:
    """'1234.5' -> 123450 öre; at most two decimals, at most one sign, ASCII digits."""
    if _PLAIN_AMOUNT(text):
        return int(text.replace(".", ""))  # the common case, 'NNN.NN': drop the point
    sign = -1 if text.startswith("-") else 1
    body = text[1:] if text[:1] in ("+", "-") else text
    whole, _, frac = body.partition(".")
    if not body.isascii() or not (whole.isdigit() or (whole == "" and frac.isdigit())):
        raise ValueError(f"'{text}' is not an amount")
    if len(frac) > 2 or (frac and not frac.isdigit()):
        raise ValueError(f"'{text}' has more than two decimals")
    return sign * (int(whole or "0") * 100 + int((frac + "00")[:2]))


@lru_cache(maxsize=4096)  # a ledger repeats a few hundred dates; a date is immutable
def parse_date(text: str) -> dt.date:
    """'20250105' -> date(2025, 1, 5)."""
    if len(text) != 8 or not text.isdigit() or not text.isascii():
        raise ValueError(f"'{text}' is not a date YYYYMMDD")
    try:
        return dt.date(int(text[:4]), int(text[4:6]), int(text[6:]))
    except ValueError as e:  # e.g. 20250230
        raise ValueError(f"'{text}' is not a date ({e})") from None


class SieReader:
    def __init__(self, path: Path | str, display_name: str | None = None):
        self.path = Path(path)
        self.info = SieInfo(display_name or self.path.name)

    def _quarantine(self, line_no: int, raw: str, rule: str) -> None:
        self.info.quarantine.append(Quarantined(self.info.file, line_no, raw, rule))
        self.info.counts["quarantined"] += 1

    def __iter__(self) -> Iterator[Voucher | PeriodAmount]:
        info = self.info
        counts = info.counts
        info.encoding = detect_encoding(self.path)
        encoding = "cp437" if info.encoding == "ascii" else info.encoding
        voucher: Voucher | None = None
        in_block = False
        skip_trans: tuple | None = None
        seen_label = False
        crc: int | None = None  # running #KSUMMA checksum, between the two #KSUMMA
        crc_line = 0  # line of the opening #KSUMMA
        objects_seen: dict[str, dict[str, str]] = {}  # object list text -> parsed (a cache)
        # utf-8-sig: a UTF-8 file may start with a byte order mark; it is not part of #FLAGGA
        decode_as = "utf-8-sig" if encoding == "utf-8" else encoding
        with self.path.open("r", encoding=decode_as, errors="replace", newline=None) as f:
            for line_no, raw in enumerate(f, start=1):
                # Two hot paths first, for the lines a ledger is made of: a plain #TRANS in an
                # open voucher block and a plain #VER between blocks. They give what the
                # general path below would, or leave the line to it (None or ValueError).
                if crc is None and "\\" not in raw:
                    if in_block and raw.startswith("#TRANS ") and voucher is not None \
                            and skip_trans is None:
                        try:
                            row = plain_trans(line_no, raw, objects_seen)
                        except ValueError:
                            row = None
                        if row is not None:
                            voucher.rows.append(row)
                            counts["transactions"] += 1
                            if len(objects_seen) > 4096:  # bounded: a cache, not a catalogue
                                objects_seen.clear()
                            continue
                    elif voucher is None and seen_label and raw.startswith("#VER ") \
                            and "{" not in raw and "}" not in raw:
                        try:
                            voucher = plain_ver(line_no, raw)
                        except ValueError:
                            voucher = None
                        if voucher is not None:
                            continue
                line = raw.strip()
                if not line:
                    continue
                if not seen_label:
                    if not line.startswith("#"):
                        raise NotSieError(
                            f"{info.file}: not a SIE file (line {line_no} starts with "
                            f"{line[:30]!r}, a SIE file starts with a #label such as #FLAGGA)")
                    seen_label = True
                if line == "{":
                    if voucher is None or in_block:
                        self._quarantine(line_no, raw.rstrip("\n"), "'{' without a #VER")
                    in_block = True
                    continue
                if line == "}":
                    if voucher is not None and in_block:
                        counts["vouchers"] += 1
                        yield voucher
                    else:
                        self._quarantine(line_no, raw.rstrip("\n"), "'}' without a #VER block")
                    voucher, in_block, skip_trans = None, False, None
                    continue
                if not line.startswith("#"):
                    self._quarantine(line_no, raw.rstrip("\n"), "line does not start with #")
                    continue
                label = line.split(None, 1)[0].upper()  # until the fields are read
                if crc is not None and label != "#KSUMMA":
                    crc = zlib.crc32(checksum_bytes(line, encoding), crc)
                try:
                    fields = fast_fields(line)
                    if fields is None:
                        fields = split_fields(line)
                    label = str(fields[0]).upper()
                    args = fields[1:]
                    if label == "#KSUMMA":
                        if not args:
                            crc, crc_line = 0, line_no  # the opening #KSUMMA
                        else:
                            self._checksum(crc, args[0], line_no)
                            crc = None
                        continue
                    if label in ("#TRANS", "#RTRANS", "#BTRANS"):
                        if voucher is None or not in_block:
                            self._quarantine(line_no, raw.rstrip("\n"),
                                             f"{label} outside a voucher block")
                            continue
                        row = self._row(line_no, label[1:], args)
                        if skip_trans is not None or label == "#RTRANS":
                            key = (row.account, tuple(sorted(row.objects.items())),
                                   row.amount_ore)
                            if label == "#TRANS" and skip_trans == key:
                                skip_trans = None  # the #TRANS that repeats an #RTRANS
                                continue
                            skip_trans = key if label == "#RTRANS" else None
                        if label == "#BTRANS":
                            voucher.removed_rows.append(row)
                            counts["removed_transactions"] += 1
                        else:
                            voucher.rows.append(row)
                            counts["transactions"] += 1
                        continue
                    if label == "#VER" and voucher is not None and in_block:
                        # the previous block lacks its '}': keep its rows out, and say so
                        self._quarantine(voucher.line, f"#VER {voucher.series} {voucher.number}",
                                         "voucher block not closed before the next #VER")
                        voucher, in_block, skip_trans = None, False, None
                    if voucher is not None and not in_block:
                        # a #VER without a block: the spec requires one
                        self._quarantine(voucher.line, f"#VER {voucher.series} {voucher.number}",
                                         "#VER without a { } block")
                        voucher = None
                    if label == "#VER":
                        voucher = Voucher(
                            line_no, str(args[0]), str(args[1]), parse_date(str(args[2])),
                            str(args[3]) if len(args) > 3 else "",
                            parse_date(str(args[4])) if len(args) > 4 and args[4] else None,
                        )
                        continue
                    record = self._header(label, args, line_no)
                    if record is not None:
                        yield record
                except IndexError:
                    self._quarantine(line_no, raw.rstrip("\n"), f"{label} has too few fields")
                except (ValueError, TypeError, KeyError, OverflowError) as e:
                    self._quarantine(line_no, raw.rstrip("\n"), str(e) or "unreadable line")
        if not seen_label:
            raise NotSieError(f"{info.file}: empty file, not SIE")
        if voucher is not None:
            self._quarantine(voucher.line, f"#VER {voucher.series} {voucher.number}",
                             "voucher block not closed before end of file")
        if crc is not None:
            info.checksum = "incomplete (opening #KSUMMA without a closing one)"
            self._quarantine(crc_line, "#KSUMMA", "checksum opened but never closed: the file "
                             "may be cut off")

    def _checksum(self, crc: int | None, value: object, line_no: int) -> None:
        """The closing #KSUMMA: compare its value with what was computed since the opening
        one. CRC-32 is unsigned; some programs write it as a signed 32-bit number."""
        info = self.info
        text = str(value)
        raw = f"#KSUMMA {text}"
        try:
            expected = int(text)
        except ValueError:
            info.checksum = f"invalid (#KSUMMA {text!r} is not a number)"
            self._quarantine(line_no, raw, "#KSUMMA value is not a number")
            return
        if crc is None:
            info.checksum = "invalid (closing #KSUMMA without an opening one)"
            self._quarantine(line_no, raw, "#KSUMMA with a value but no opening #KSUMMA")
        elif expected % (1 << 32) == crc:
            info.checksum = "ok"
        else:
            info.checksum = f"mismatch (expected {text}, computed {crc})"
            self._quarantine(line_no, raw, "checksum does not match the file's contents "
                             f"(computed {crc})")

    def _row(self, line_no: int, kind: str, args: list) -> Row:
        if len(args) < 3 or not isinstance(args[1], dict):
            raise ValueError(f"#{kind} needs account, object list and amount")
        date = parse_date(str(args[3])) if len(args) > 3 and args[3] else None
        return Row(line_no, str(args[0]), args[1], parse_amount(str(args[2])), date,
                   str(args[4]) if len(args) > 4 else "", str(args[5]) if len(args) > 5 else "",
                   kind)

    def _header(self, label: str, args: list, line_no: int) -> PeriodAmount | None:
        info = self.info
        if label in ("#PBUDGET", "#PSALDO"):
            if len(args) < 5 or not isinstance(args[3], dict):
                raise ValueError(f"{label} needs year, period, account, objects and amount")
            info.counts["period_budgets" if label == "#PBUDGET" else "period_balances"] += 1
            return PeriodAmount(line_no, label[1:], int(str(args[0])), str(args[1]),
                                str(args[2]), args[3], parse_amount(str(args[4])),
                                str(args[5]) if len(args) > 5 else "")
        first = str(args[0]) if args else ""  # empty fields are allowed on these labels
        if label == "#FORMAT":
            info.declared_format = first.upper()
        elif label == "#PROGRAM":
            info.program = " ".join(str(a) for a in args[:2])
        elif label == "#SIETYP":
            info.sie_type = first
        elif label == "#FNAMN":
            info.company = first
        elif label == "#ORGNR":
            info.orgnr = first
        elif label == "#GEN":
            info.generated = first
        elif label == "#RAR":
            info.fiscal_years[int(str(args[0]))] = (parse_date(str(args[1])),
                                                    parse_date(str(args[2])))
        elif label == "#KONTO":
            info.accounts[str(args[0])] = str(args[1]) if len(args) > 1 else ""
            info.counts["accounts"] += 1
        elif label == "#KTYP":
            info.account_types[str(args[0])] = str(args[1]).upper()
        elif label == "#KPTYP":
            info.chart_type = first
        elif label == "#SRU":
            info.sru_codes[str(args[0])] = str(args[1])
            info.counts["sru"] += 1
        elif label == "#DIM":
            info.dimensions[str(args[0])] = str(args[1]) if len(args) > 1 else ""
            info.counts["dimensions"] += 1
        elif label == "#UNDERDIM":  # a dimension of its own too, counted apart
            info.dimensions[str(args[0])] = str(args[1]) if len(args) > 1 else ""
            if len(args) > 2:
                info.parent_dimensions[str(args[0])] = str(args[2])
            info.counts["underdimensions"] += 1
        elif label == "#OBJEKT":
            info.objects[(str(args[0]), str(args[1]))] = str(args[2]) if len(args) > 2 else ""
            info.counts["objects"] += 1
        elif label in ("#IB", "#UB", "#OIB", "#OUB", "#RES"):
            info.counts[label[1:].lower()] += 1
        return None
