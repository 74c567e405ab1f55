"""Whether a returned workbook may be opened at all: a unit sends what it likes, so before
any XML of it is parsed the file must be an .xlsx zip of a plausible size whose table of
contents (each part's declared size, packed size and packing) rules out a zip bomb, with no
macros; then each part is test-unpacked a chunk at a time to the size it declares and no
further. openpyxl parses what passes through defusedxml (pipelines/packages/returns.py).
"""

from __future__ import annotations

import struct
import zipfile
import zlib
from pathlib import Path
from typing import BinaryIO

from openpyxl.xml import DEFUSEDXML

from pipelines.text import thousands

if not DEFUSEDXML:  # openpyxl parses a returned workbook's XML with it when installed
    raise ImportError("defusedxml is not installed: returned workbooks cannot be read safely")
MAX_FILE_BYTES = 20 * 1024 * 1024  # a returned package is a few hundred kB
MAX_UNPACKED_BYTES = 200_000_000  # a package unpacks to a few MB; a zip bomb to far more
MAX_PARTS = 1000  # a package has a dozen or two parts; Excel adds a few per sheet
MAX_RATIO = 100  # Excel's XML packs 2 to 15 times; a zip bomb about 1 000 times
RATIO_FROM_BYTES = 1024 * 1024  # a part of a few kB may pack oddly, and costs nothing
PACKINGS = (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED)  # the only ones Excel writes
CHUNK = 64 * 1024  # the most a part is unpacked at a time when tested
OUR_PARTS = ("[Content_Types].xml", "xl/workbook.xml")
DAMAGED = "filen är trasig (en del av arbetsboken går inte att packa upp)"


def _size(n: int) -> str:
    """Bytes as a reader says them: '5 000 MB', '8 kB'."""
    for unit, scale in (("MB", 1e6), ("kB", 1e3)):
        if n >= scale:
            return f"{thousands(round(n / scale))} {unit}"
    return f"{n} byte"


def _declared(parts: list[zipfile.ZipInfo]) -> str | None:
    """Why the archive's own table of contents (its central directory: each part's
    declared size, packed size and packing) rules it out, or None. Nothing is unpacked."""
    if len(parts) > MAX_PARTS:
        return (f"arbetsboken har {thousands(len(parts))} delar, fler än {thousands(MAX_PARTS)}: "
                "inte ett paket")
    unpacked = sum(p.file_size for p in parts)
    if unpacked > MAX_UNPACKED_BYTES:
        return (f"arbetsboken packas upp till {_size(unpacked)}, mer än "
                f"{_size(MAX_UNPACKED_BYTES)}: inte ett paket")
    for p in parts:
        if p.flag_bits & 0x1:
            return "arbetsboken är krypterad: skicka paketet utan lösenord"
        if p.compress_type not in PACKINGS:
            return f"delen {p.filename} är packad på ett sätt som Excel inte använder"
        if p.file_size > RATIO_FROM_BYTES and p.file_size > MAX_RATIO * p.compress_size:
            times = thousands(p.file_size // max(p.compress_size, 1))
            return (f"delen {p.filename} packas upp till {_size(p.file_size)} ur "
                    f"{_size(p.compress_size)}, {times} gånger: inte ett paket")
    return None


def _unpacks_as_declared(fp: BinaryIO, part: zipfile.ZipInfo) -> str | None:
    """Why a part does not unpack to the size and checksum the archive declares, or None.
    Unpacked a chunk at a time and stopped as soon as it passes its declared size: zipfile
    unpacks a part read whole (openpyxl's `archive.read`) in one go, however far past its
    declared size that runs, before it cuts it to size, so openpyxl is only given parts
    that unpack to what they declare."""
    fp.seek(part.header_offset)
    local = fp.read(30)  # the part's local header: its name and extra field come next
    if len(local) < 30 or local[:4] != b"PK\x03\x04":
        return DAMAGED
    name_length, extra_length = struct.unpack("<HH", local[26:30])
    fp.seek(part.header_offset + 30 + name_length + extra_length)
    inflate = zlib.decompressobj(-15) if part.compress_type == zipfile.ZIP_DEFLATED else None
    left, pending, size, crc = part.compress_size, b"", 0, 0
    while True:
        if not pending and left > 0:
            pending = fp.read(min(CHUNK, left))
            if not pending:
                return "filen är trasig eller ofullständig (avbruten överföring?)"
            left -= len(pending)
        if inflate is None:
            data, pending = pending, b""
        else:
            try:
                data, pending = inflate.decompress(pending, CHUNK), inflate.unconsumed_tail
            except zlib.error:
                return DAMAGED
        if not (data or pending or left):
            break
        size += len(data)
        if size > part.file_size:
            return (f"delen {part.filename} packas upp till mer än de {_size(part.file_size)}"
                    " arbetsboken anger: inte ett paket")
        crc = zlib.crc32(data, crc)
    if size != part.file_size or crc != part.CRC or (inflate is not None and not inflate.eof):
        return DAMAGED
    return None


def unsafe_workbook(path: Path) -> str | None:
    """Why a returned file is refused before any XML of it is parsed, or None. A unit sends
    what it likes: only an .xlsx zip of a plausible size is opened, and then first judged by
    its table of contents alone (how many parts, how large they say they unpack, how hard
    they are packed, no macros), so a zip bomb costs no more than reading that table on
    every run it lies in returer/. Only then is each part test-unpacked, a chunk at a time,
    to the size it declares and no further. openpyxl then parses the XML through
    defusedxml, so entity expansion is refused too. Nothing of a workbook is ever executed
    or evaluated: formulas are read as their text and refused."""
    size = path.stat().st_size
    if size > MAX_FILE_BYTES:
        return f"filen är {size / 1e6:.0f} MB, större än ett uppföljningspaket kan vara"
    if not zipfile.is_zipfile(path):
        return "filen är ingen Excel-arbetsbok (.xlsx)"
    try:
        with path.open("rb") as fp, zipfile.ZipFile(fp) as archive:
            parts = archive.infolist()
            if refused := _declared(parts):
                return refused
            names = {p.filename for p in parts}
            if not all(part in names for part in OUR_PARTS):
                return "filen är ingen Excel-arbetsbok (.xlsx)"
            if any(n.lower().endswith("vbaproject.bin") for n in names):
                return "arbetsboken innehåller makron: skicka paketet som .xlsx utan makron"
            for part in parts:
                if refused := _unpacks_as_declared(fp, part):
                    return refused
    except (zipfile.BadZipFile, OSError, EOFError):
        return "filen är trasig eller ofullständig (avbruten överföring?)"
    return None
