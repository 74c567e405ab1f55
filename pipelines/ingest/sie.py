"""A streaming reader for SIE 4 files (types 1-4), after "SIE filformat utgåva 4B".

`SieReader(path)` is iterated for records (`Voucher`, `PeriodAmount`, `YearBalance`); header
facts (program, encoding used, fiscal years, accounts, dimensions, objects) fill `reader.info`
as they are read. Memory is bounded by one voucher. A line that cannot be read is
quarantined with file, line number, raw text and the rule it breaks (in Swedish); a file
that is not SIE at all raises `NotSieError` with one clear message. A #KSUMMA checksum is
verified where the file has one (`info.checksum`, see the note at
`sie_fields.checksum_bytes`).

A voucher is loaded whole or not at all: when one of its rows cannot be read, or its block
is broken (no `{`, no `}` before the next #VER or the end of the file, a #VER that cannot be
read), the #VER line and every row of it are quarantined, each saying why, so the ledger
never holds half a voucher and no row is lost without a word. A voucher without rows is
counted apart (`empty_vouchers`), never as a balanced voucher.

Lenient where a producer writes a readable variant: `#PBUDGET`/`#PSALDO` without an object
list (Sie4j writes `#PBUDGET 0 201701 1119 -1666.00`: account and amount are unambiguous).
Strict where the meaning is not: a quote that is never closed, an account that is no
account number, a period that is not ÅÅÅÅMM (an account and a period swapped), a #RAR that
ends before it starts.

Speed: plain #TRANS and #VER lines (no escapes, the common shape) take a hot path of splits
and cached dates and object lists; everything else, and whatever the hot path is unsure of,
goes through the general tokenizer, so both give the same records and quarantine the same
lines. `benchmarks/sie_benchmark.py` measures it.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterator
from pathlib import Path

from pipelines.ingest import sie_vouchers as vouchers
from pipelines.ingest.sie_fields import (
    checksum_bytes,
    detect_encoding,
    fast_fields,
    not_sie,
    parse_amount,
    split_fields,
)
from pipelines.ingest.sie_header import BALANCE_LABELS, header_record
from pipelines.ingest.sie_records import (
    NotSieError,
    PeriodAmount,
    Quarantined,
    Row,
    SieInfo,
    Voucher,
    YearBalance,
    plain_trans,
    plain_ver,
)
from pipelines.ingest.sie_vouchers import VoucherBlock

# lines of text a file may have before its first record (a note added when it was archived)
# and still be read as SIE; more, and it is no SIE file
MAX_LINES_BEFORE_FIRST_RECORD = 20

__all__ = ["BALANCE_LABELS", "NotSieError", "PeriodAmount", "Quarantined", "Row", "SieInfo",
           "SieReader", "Voucher", "YearBalance", "detect_encoding", "fast_fields",
           "parse_amount", "split_fields"]

# the lines of a voucher block, which a reader of the header and balances passes over
VOUCHER_LABELS = ("#VER", "#TRANS", "#RTRANS", "#BTRANS", "{", "}")
ROW_LABELS = ("#TRANS", "#RTRANS", "#BTRANS")  # a voucher's rows: what a ledger counts
CHART_LABELS = ("#KONTO", "#KTYP")  # the chart's lines, where the chart is read from SIE


class _Reading:
    """Where a reading of one file stands: the voucher block open (until its '}'), whether
    the first record was seen, the lines before it, the running #KSUMMA checksum (between
    the two #KSUMMA) and a cache of parsed object lists."""

    __slots__ = ("encoding", "decode_as", "block", "seen_label", "before", "crc", "crc_line",
                 "objects_seen")

    def __init__(self, encoding: str):
        self.encoding = encoding
        # utf-8-sig: a UTF-8 file may start with a byte order mark; it is not part of #FLAGGA
        self.decode_as = "utf-8-sig" if encoding == "utf-8" else encoding
        self.block: VoucherBlock | None = None
        self.seen_label = False
        self.before: list[tuple[int, str]] = []
        self.crc: int | None = None
        self.crc_line = 0
        self.objects_seen: dict[str, dict[str, str]] = {}  # object list text -> parsed


class SieReader:
    """`vouchers=False`: the header and the balances only; the voucher blocks are passed
    over unread (their rows belong to the ledger's load), unless a #KSUMMA checksum is
    running, which needs every line."""

    def __init__(self, path: Path | str, display_name: str | None = None,
                 vouchers: bool = True):
        self.path = Path(path)
        self.info = SieInfo(display_name or self.path.name)
        self.vouchers = vouchers

    def _quarantine(self, line_no: int, raw: str, rule: str, label: str = "") -> None:
        self.info.quarantine.append(Quarantined(self.info.file, line_no, raw.rstrip("\r\n"),
                                                rule, label))
        self.info.counts["quarantined"] += 1

    def _close(self, block: VoucherBlock, fault: str | None = None) -> Voucher | None:
        """The end of a voucher block: the voucher to yield, or None when it is quarantined
        (every line of it, each with its rule) or has no rows (counted apart)."""
        voucher, entries = vouchers.close(block, fault)
        for line, raw, rule, label in entries:
            self._quarantine(line, raw, rule, label)
        if voucher is not None and not voucher.rows:
            self.info.counts["empty_vouchers"] += 1
            return None
        return voucher

    def __iter__(self) -> Iterator[Voucher | PeriodAmount]:
        """The records of the file, line by line: the voucher lines a ledger is made of take
        a hot path (a plain #TRANS in an open block, a plain #VER between blocks) that gives
        what `_line` would, or leaves the line to it (None or ValueError)."""
        state = _Reading(self._encoding())
        skip_vouchers = not self.vouchers
        objects_seen = state.objects_seen
        with self.path.open("r", encoding=state.decode_as, errors="replace",
                            newline=None) as f:
            for line_no, raw in enumerate(f, start=1):
                if state.crc is None:
                    if skip_vouchers and state.seen_label \
                            and raw.lstrip().startswith(VOUCHER_LABELS):
                        continue
                    block = state.block
                    if "\\" not in raw and block is not None:
                        if block.opened and block.skip_trans is None \
                                and raw.startswith("#TRANS "):
                            try:
                                row = plain_trans(line_no, raw, objects_seen)
                            except ValueError:
                                row = None
                            if row is not None:
                                block.voucher.rows.append(row)
                                if len(objects_seen) > 4096:  # a cache, not a catalogue
                                    objects_seen.clear()
                                continue
                    elif "\\" not in raw and raw.startswith("#VER ") and state.seen_label \
                            and self._plain_voucher(state, line_no, raw):
                        continue
                record = self._line(state, line_no, raw)
                if record is not None:
                    yield record
        self._end(state)

    def _encoding(self) -> str:
        """The file's encoding (SIE's own is CP437), after making sure it is SIE at all."""
        with self.path.open("rb") as f:
            what = not_sie(f.read(64))
        if what is not None:
            raise NotSieError(f"{self.info.file}: ingen SIE-fil utan {what}")
        self.info.encoding = detect_encoding(self.path)
        return "cp437" if self.info.encoding == "ascii" else self.info.encoding

    @staticmethod
    def _plain_voucher(state: _Reading, line_no: int, raw: str) -> bool:
        """A plain #VER between blocks (no braces on its line) opens a block, or is left to
        the general path."""
        if "{" in raw or "}" in raw:
            return False
        try:
            voucher = plain_ver(line_no, raw)
        except ValueError:
            return False
        if voucher is None:
            return False
        state.block = VoucherBlock(voucher)
        return True

    def _line(self, state: _Reading, line_no: int, raw: str) -> Voucher | PeriodAmount | None:
        """One line by the general path: the voucher a '}' closes, a header record, or
        None (the line went into the state, or was quarantined)."""
        line = raw.strip()
        if not line or (not state.seen_label and not self._first_record(state, line_no, raw,
                                                                          line)):
            return None
        if line == "{":
            self._open_brace(state, line_no, raw)
            return None
        if line == "}":
            return self._close_brace(state, line_no, raw)
        if not line.startswith("#"):
            if state.block is not None:  # a broken line inside a voucher: it may be a row
                state.block.problems.append((line_no, raw, "raden börjar inte med #"))
            else:
                self._quarantine(line_no, raw, "raden börjar inte med #")
            return None
        label = line.split(None, 1)[0].upper()  # until the fields are read
        if state.crc is not None and label != "#KSUMMA":
            state.crc = zlib.crc32(checksum_bytes(line, state.encoding), state.crc)
        if label == "#VER":
            if state.block is not None:  # the previous #VER is left without its end
                self._close(state.block, vouchers.unended(state.block, "före nästa #VER"))
            state.block = vouchers.open_voucher(line_no, raw, line)
            return None
        return self._record(state, line_no, raw, line, label)

    def _first_record(self, state: _Reading, line_no: int, raw: str, line: str) -> bool:
        """Whether this line is the file's first record; lines of text before it (a note
        added when the file was archived) are quarantined, and too many mean no SIE file."""
        before = state.before
        if not line.startswith("#"):
            before.append((line_no, raw))
            if len(before) > MAX_LINES_BEFORE_FIRST_RECORD:
                raise NotSieError(
                    f"{self.info.file}: ingen SIE-fil (de första {len(before)} raderna har "
                    f"ingen post; rad {before[0][0]} börjar med {before[0][1].strip()[:30]!r}; "
                    "en SIE-fil består av poster som #FLAGGA, #VER och #TRANS)")
            return False
        state.seen_label = True
        for at, text in before:  # e.g. "; original: ..." added when archived
            self._quarantine(at, text, "text före filens första post: läses inte")
        return True

    def _open_brace(self, state: _Reading, line_no: int, raw: str) -> None:
        block = state.block
        if block is None:
            self._quarantine(line_no, raw, "'{' utan #VER", "{")
        elif block.opened:
            block.problems.append((line_no, raw, "ett andra '{' i samma verifikation"))
        else:
            block.opened = True

    def _close_brace(self, state: _Reading, line_no: int, raw: str) -> Voucher | None:
        block = state.block
        if block is None:
            self._quarantine(line_no, raw, "'}' utan verifikationsblock", "}")
            return None
        if not block.opened:
            block.fault = block.fault or vouchers.no_brace(block)
        done = self._close(block)
        state.block = None
        if done is not None:
            self.info.counts["vouchers"] += 1
            self.info.counts["transactions"] += len(done.rows)
        return done

    def _record(self, state: _Reading, line_no: int, raw: str, line: str, label: str
                ) -> PeriodAmount | YearBalance | None:
        """A record line other than #VER: a checksum mark, a voucher row or a header fact.
        A line that cannot be read is quarantined, or kept as a problem of its voucher."""
        try:
            fields = fast_fields(line)
            if fields is None:
                fields = split_fields(line)
            label = str(fields[0]).upper()
            args = fields[1:]
            if label == "#KSUMMA":
                if not args:
                    state.crc, state.crc_line = 0, line_no  # the opening #KSUMMA
                else:
                    self._checksum(state.crc, args[0], line_no)
                    state.crc = None
                return None
            if label in ROW_LABELS:
                self._row_line(state.block, line_no, raw, label, args)
                return None
            return header_record(self.info, label, args, line_no)
        except (ValueError, TypeError, KeyError, OverflowError, IndexError) as e:
            rule = f"{label} har för få fält" if isinstance(e, IndexError) else \
                (str(e) or "raden kan inte läsas")
            if state.block is not None and label in ROW_LABELS:
                state.block.problems.append((line_no, raw, rule))
            else:
                self._quarantine(line_no, raw, rule, label)
            return None

    def _row_line(self, block: VoucherBlock | None, line_no: int, raw: str, label: str,
                  args: list) -> None:
        if block is None:
            self._quarantine(line_no, raw, f"{label} utanför ett verifikationsblock", label)
            return
        if not block.opened:
            block.fault = block.fault or vouchers.rows_without_brace(block)
        if vouchers.add_row(block, line_no, raw, label, args):
            self.info.counts["removed_transactions"] += 1

    def _end(self, state: _Reading) -> None:
        """The end of the file: no record at all means no SIE file; a voucher left open and
        a checksum never closed are quarantined."""
        before = state.before
        if not state.seen_label:
            raise NotSieError(f"{self.info.file}: " + (
                "tom fil, ingen SIE-fil" if not before else
                f"ingen SIE-fil (ingen rad är en post; rad {before[0][0]} börjar med "
                f"{before[0][1].strip()[:30]!r}; en SIE-fil består av poster som #FLAGGA, "
                "#VER och #TRANS)"))
        if state.block is not None:
            self._close(state.block, vouchers.unended(state.block, "före filens slut"))
        if state.crc is not None:
            self.info.checksum = "incomplete (opening #KSUMMA without a closing one)"
            self._quarantine(state.crc_line, "#KSUMMA", "kontrollsumman öppnas men stängs "
                             "aldrig: filen kan vara avklippt", "#KSUMMA")

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
            self._quarantine(line_no, raw, "#KSUMMA-värdet är inget tal", "#KSUMMA")
            return
        if crc is None:
            info.checksum = "invalid (closing #KSUMMA without an opening one)"
            self._quarantine(line_no, raw, "#KSUMMA med värde men utan inledande #KSUMMA",
                             "#KSUMMA")
        elif expected % (1 << 32) == crc:
            info.checksum = "ok"
        else:
            info.checksum = f"mismatch (expected {text}, computed {crc})"
            self._quarantine(line_no, raw, "kontrollsumman stämmer inte med filens innehåll "
                             f"(beräknad {crc})", "#KSUMMA")
