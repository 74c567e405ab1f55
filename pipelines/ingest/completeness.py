"""Whether a delivered file is whole, or was cut off while it was written or copied.

A SIE file is written from its header to its last voucher, and a program that computes a
#KSUMMA checksum writes the closing #KSUMMA last. So a file that ends inside a voucher block
(a #VER whose `}` never comes, a #TRANS cut in the middle) or that opens a #KSUMMA and never
closes it was cut: the load refuses it whole (pipelines/defs/ingest.py) and the sensor
`new_delivery` waits for it to be finished. A file cut exactly between two vouchers cannot
be told from a whole one by its syntax; the delivery rules of expectations/leveranser.yaml
(rows far below the earlier delivery or last year, #IB not carried to #UB) catch that.

Only the end of the file is read, backwards, until the last voucher's end or start is found:
cheap for a file of any size. The line number in the message is counted only for a file
that was cut.

A file that is empty is cut, and so is a text file (SIE, CSV) that ends in NUL bytes: a
copy that sets the file's size before it writes its content (as Windows does) and stalled.

A CSV or Excel export (`table_cut_off`) must read to its end as the load reads it (the
source's delimiter and encoding, or its sheet): a CSV file is cut when it ends inside a
character of its encoding, inside a quoted field, or in a last row without its line end that
has fewer fields than the header; an .xlsx file when its zip archive has no central
directory (which is written last) or its sheet cannot be read to its last row. A CSV row cut
inside its last field, or a file cut exactly at a line end, cannot be told from a whole one:
the delivery rules catch that. A file that is not in its encoding at all, or not a workbook
at all, is not cut: the load says what it is.
"""

from __future__ import annotations

import codecs
import csv
import io
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

BLOCK = 1 << 16
VOUCHER_ROWS = (b"#TRANS", b"#RTRANS", b"#BTRANS")
HEAD_BYTES = 1 << 16  # an opening #KSUMMA stands in the header, before the first #VER


@dataclass(frozen=True)
class CutOff:
    """Where a file was cut (`line`, 1-based, of the part left unfinished) and why, in
    Swedish, as the run and the sensor say it."""

    line: int
    reason: str


def _lines_backwards(path: Path) -> Iterator[tuple[int, bytes]]:
    """(byte offset where the line starts, the line without its line end), from the last
    line of the file to the first."""
    with path.open("rb") as f:
        position = f.seek(0, 2)
        rest = b""  # the start of a line whose beginning lies in an earlier block
        while position > 0:
            size = min(BLOCK, position)
            position -= size
            f.seek(position)
            chunk = f.read(size) + rest
            parts = chunk.split(b"\n")
            rest = parts[0]
            end = position + len(chunk)
            for part in reversed(parts[1:]):
                start = end - len(part)
                yield start, part.rstrip(b"\r")
                end = start - 1
        yield 0, rest.rstrip(b"\r")


def _line_number(path: Path, offset: int) -> int:
    """The 1-based number of the line that starts at byte `offset`."""
    count = 0
    with path.open("rb") as f:
        while offset > 0:
            chunk = f.read(min(BLOCK * 16, offset))
            if not chunk:
                break
            count += chunk.count(b"\n")
            offset -= len(chunk)
    return count + 1


def _opening_checksum(path: Path) -> int | None:
    """The byte offset of an opening #KSUMMA (no value) in the file's header, if any."""
    with path.open("rb") as f:
        head = f.read(HEAD_BYTES)
    offset = 0
    for line in head.split(b"\n")[:-1]:  # the last part may be a line cut by HEAD_BYTES
        words = line.strip().split()
        if words[:1] == [b"#VER"]:
            return None
        if words == [b"#KSUMMA"]:
            return offset
        offset += len(line) + 1
    return None


def _is_label_prefix(line: bytes) -> bool:
    """A line cut inside its label: '#', '#VE', '#TRA' …"""
    text = line.strip()
    return text.startswith(b"#") and len(text.split()) == 1 and any(
        label.startswith(text) and label != text
        for label in (b"#VER", *VOUCHER_ROWS, b"#KSUMMA"))


def _voucher_name(line: bytes) -> str:
    words = line.decode("latin-1").split()
    return " ".join(w.strip('"') for w in words[1:3]) or "utan nummer"


def _zeros_from(path: Path) -> int | None:
    """The byte offset where the NUL bytes that end the file begin, or None when its last
    byte is no NUL."""
    start = None
    with path.open("rb") as f:
        position = f.seek(0, 2)
        while position > 0:
            size = min(BLOCK, position)
            position -= size
            f.seek(position)
            chunk = f.read(size)
            kept = chunk.rstrip(b"\0")
            if len(kept) < len(chunk):
                start = position + len(kept)
            if kept:
                break
    return start


def unwritten(path: Path) -> CutOff | None:
    """An empty file, or one that ends in NUL bytes: not (all) written yet (for a text
    file: SIE, CSV)."""
    if path.stat().st_size == 0:
        return CutOff(1, "filen är tom: den har inte skrivits eller kopierats än")
    zeros = _zeros_from(path)
    if zeros is None:
        return None
    line_no = _line_number(path, zeros)
    return CutOff(line_no, f"filen slutar med {path.stat().st_size - zeros} nollbyte (från rad "
                           f"{line_no}): den kopieras fortfarande eller kopieringen avbröts")


HEADER_LABELS = (b"#FLAGGA", b"#SIETYP", b"#FORMAT")


def _headerless(path: Path) -> CutOff | None:
    """A voucher before any of #FLAGGA, #SIETYP and #FORMAT: a piece cut out of a SIE file
    (or put together by hand), not an export: refused, since the reader would have to
    guess the file's type, encoding and fiscal year."""
    with path.open("rb") as f:
        for line_no, line in enumerate(f, start=1):
            fields = line.removeprefix(b"\xef\xbb\xbf").split(None, 1)  # a UTF-8 BOM, tabs
            label = fields[0].upper() if fields else b""
            if label in HEADER_LABELS:
                return None
            if label == b"#VER":
                return CutOff(line_no, f"filen saknar filhuvud: ingen #FLAGGA, #SIETYP eller "
                                       f"#FORMAT före den första verifikationen (rad {line_no})"
                                       "; den är ett utdrag ur en SIE-fil, inte en hel export. "
                                       "Exportera filen igen ur ekonomisystemet")
    return None


def sie_cut_off(path: Path) -> CutOff | None:
    """Why the SIE file `path` looks cut off (or is a piece of one: _headerless), or None
    when it is whole: its last voucher closed, its #KSUMMA (when it opens one) closed, its
    last line not a label cut in half; not empty, not ending in NUL bytes."""
    empty_or_zeros = unwritten(path)
    if empty_or_zeros is not None:
        return empty_or_zeros
    fragment = _headerless(path)
    if fragment is not None:
        return fragment
    last_line: bytes | None = None
    last_line_at = 0
    open_block_at: int | None = None  # the offset of a voucher row or '{' after the last '}'
    for offset, line in _lines_backwards(path):
        text = line.strip()
        if not text:
            continue
        if last_line is None:
            last_line, last_line_at = text, offset
            if _is_label_prefix(line):  # said so unless it is inside a voucher
                continue
        if text == b"}":
            break
        if text == b"{" or text.startswith(VOUCHER_ROWS):
            open_block_at = offset if open_block_at is None else open_block_at
            continue
        if text.startswith(b"#VER"):
            line_no = _line_number(path, offset)
            return CutOff(line_no, f"filen slutar inne i verifikation {_voucher_name(text)} "
                                   f"(#VER på rad {line_no}) innan dess block avslutas med "
                                   "'}': den är avklippt")
    if last_line is not None and _is_label_prefix(last_line):
        return CutOff(_line_number(path, last_line_at),
                      f"filen slutar mitt i en post ({last_line.decode('latin-1')[:20]!r} "
                      "på sista raden): den är avklippt")
    if open_block_at is not None:
        line_no = _line_number(path, open_block_at)
        return CutOff(line_no, f"filen slutar inne i ett verifikationsblock (rad {line_no} "
                               "och framåt, inget avslutande '}'): den är avklippt")
    opening = _opening_checksum(path)
    if opening is None and last_line == b"#KSUMMA":  # the opening one, its line not ended
        opening = last_line_at
    if opening is not None and (last_line is None or len(last_line.split()) < 2
                                or last_line.split()[0] != b"#KSUMMA"):
        line_no = _line_number(path, opening)
        return CutOff(line_no, f"kontrollsumman öppnas med #KSUMMA på rad {line_no} men "
                               "filen slutar utan den avslutande #KSUMMA: den är avklippt")
    return None


# --- CSV and Excel exports ---------------------------------------------------------------

class _Lines:
    """The lines of a CSV file as the load's reader sees them (decoded, split as with
    newline=''), keeping those of the row being read (`taken`), and how the bytes ended:
    `cut_character` (inside a character of the encoding) or `undecodable` (bytes that are
    not in the encoding before the end: not this file's encoding, not a cut)."""

    def __init__(self, path: Path, encoding: str):
        self.path, self.encoding = path, encoding
        self.taken: list[str] = []
        self.count = 0  # lines given so far
        self.cut_character = self.undecodable = False

    def __iter__(self) -> Iterator[str]:
        decoder = codecs.getincrementaldecoder(self.encoding)(errors="strict")
        rest = ""
        with self.path.open("rb") as f:
            while True:
                chunk = f.read(BLOCK)
                try:
                    text = decoder.decode(chunk, final=not chunk)
                except UnicodeDecodeError:
                    self.cut_character, self.undecodable = not chunk, bool(chunk)
                    if chunk:
                        return
                    text = ""
                lines = io.StringIO(rest + text, newline="").readlines()
                rest = lines.pop() if chunk and lines and lines[-1][-1] not in "\n" else ""
                for line in lines:  # (a line ending in '\r' may go on with '\n': kept back)
                    self.taken.append(line)
                    self.count += 1
                    yield line
                if not chunk:
                    return

    def take(self) -> list[str]:
        taken, self.taken = self.taken, []
        return taken


def _in_quotes(raw: list[str], delimiter: str) -> bool:
    """Whether the row's lines end inside a quoted field (csv's strict mode says so)."""
    try:
        list(csv.reader(raw, delimiter=delimiter, strict=True))
    except csv.Error as e:
        return "unexpected end of data" in str(e)
    return False


Row = tuple[list[str], list[str], int]  # a CSV row: its fields, its lines, its first line


def _csv_rows(delimiter: str, lines: _Lines) -> tuple[list[str] | None, Row | None]:
    """The header, and the last row with text (the header when there is none)."""
    reader = csv.reader(lines, delimiter=delimiter)
    header = last = None
    for values in reader:
        raw = lines.take()
        if header is None:
            header, last = values, (values, raw, 1)
        elif any(v.strip() for v in values):
            last = (values, raw, reader.line_num - len(raw) + 1)
    return header, last


def _csv_cut_off(path: Path, delimiter: str, encoding: str) -> CutOff | None:
    try:
        codecs.lookup(encoding)
    except LookupError:  # no such encoding: the load says so
        return None
    lines = _Lines(path, encoding)
    try:
        header, last = _csv_rows(delimiter, lines)
    except csv.Error as e:  # a field past csv's limit: a quote that never closes
        line = lines.count - len(lines.taken) + 1
        return CutOff(line, f"filen kan inte läsas som CSV till slutet ({e}): den är "
                            "avklippt eller skadad")
    if lines.undecodable or last is None:
        return None
    values, raw, line = last
    if lines.cut_character:
        return CutOff(line, f"filen slutar mitt i ett tecken (byte som inte kan läsas som "
                            f"{encoding}): den är avklippt")
    if _in_quotes(raw, delimiter):
        return CutOff(line, f"filen slutar inne i ett fält inom citattecken (rad {line} och "
                            "framåt, inget avslutande citattecken): den är avklippt")
    if raw[-1][-1] in "\r\n":
        return None
    if values is header:
        return CutOff(1, "filen slutar i rubrikraden, utan radslut och utan rader: den är "
                         "avklippt")
    if len(values) < len(header):
        return CutOff(line, f"sista raden (rad {line}) har {len(values)} fält men rubriken "
                            f"{len(header)}, och inget radslut: den är avklippt")
    return None


def _workbook_cut_off(path: Path, sheet: str | int) -> CutOff | None:
    from openpyxl import load_workbook

    with path.open("rb") as f:
        if not b"PK\x03\x04".startswith(f.read(4)):
            return None  # no zip archive at all: not a workbook, the load says so
    try:
        zipfile.ZipFile(path).close()
    except zipfile.BadZipFile:
        return CutOff(1, "arbetsboken är inte hel (zip-arkivets innehållsförteckning, som "
                         "skrivs sist, saknas): den är avklippt eller kopieras fortfarande")
    row = 0
    try:
        book = load_workbook(path, read_only=True, data_only=True)
        try:
            try:
                ws = book.worksheets[sheet] if isinstance(sheet, int) else book[sheet]
            except (IndexError, KeyError):
                return None  # no such sheet: the load says which there are
            for _ in ws.iter_rows(values_only=True):
                row += 1
        finally:
            book.close()
    except Exception as e:  # a damaged member: whatever openpyxl, zipfile or XML raise
        return CutOff(row + 1, f"arbetsboken kan inte läsas till slutet (rad {row + 1}: "
                               f"{type(e).__name__}): den är avklippt eller skadad")
    return None


def table_cut_off(path: Path, kind: str, delimiter: str = ";", encoding: str = "utf-8",
                  sheet: str | int = 0) -> CutOff | None:
    """Why the CSV (`kind` "csv") or Excel ("excel") export `path` looks cut off, or None
    when it reads to its end (see the module's doc); read as the load reads it, with the
    source's delimiter and encoding, or its sheet."""
    if kind == "excel":  # (a zip archive ends in NUL bytes when it is whole)
        return unwritten(path) if path.stat().st_size == 0 else _workbook_cut_off(path, sheet)
    return unwritten(path) or _csv_cut_off(path, delimiter, encoding)


def cut_off(path: Path, source) -> CutOff | None:
    """`sie_cut_off` or `table_cut_off` as the config's source (SieSource, CsvSource,
    ExcelSource) reads `path`; None for other sources."""
    kind = getattr(source, "type", None)
    if kind == "sie":
        return sie_cut_off(path)
    if kind in ("csv", "excel"):
        return table_cut_off(path, kind, getattr(source, "delimiter", ";"),
                             getattr(source, "encoding", "utf-8"), getattr(source, "sheet", 0))
    return None
