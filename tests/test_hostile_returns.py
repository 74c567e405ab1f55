"""A returned workbook is whatever a unit sends: refused with one clear reason, before any of
its XML is parsed, when it is not a plausible .xlsx of ours; parsed without entity expansion
when it is; nothing of it executed."""

from __future__ import annotations

import io
import struct
import tracemalloc
import zipfile
import zlib
from pathlib import Path

import duckdb
import openpyxl
import pytest
from defusedxml import EntitiesForbidden

from pipelines.packages import returns, workbook_safety


@pytest.fixture
def con():
    with duckdb.connect() as c:
        yield c


def read(path: Path, con) -> list[str]:
    return returns.read_return(path, con).errors


def test_a_file_that_is_not_a_workbook_is_refused(tmp_path, con):
    fake = tmp_path / "uppfoljning_2025-04_socialnamnden.xlsx"
    fake.write_text("Kommentar;Prognos\n1;2\n", encoding="utf-8")  # a CSV renamed
    assert read(fake, con) == ["filen är ingen Excel-arbetsbok (.xlsx)"]


def test_a_truncated_workbook_is_refused_as_incomplete(tmp_path, con):
    book = tmp_path / "whole.xlsx"
    openpyxl.Workbook().save(book)
    cut = tmp_path / "cut.xlsx"
    cut.write_bytes(book.read_bytes()[: book.stat().st_size // 2])  # a transfer broken off
    [reason] = read(cut, con)
    assert "ingen Excel-arbetsbok" in reason or "ofullständig" in reason or "trasig" in reason


def test_a_zip_bomb_is_refused_before_it_is_unpacked(tmp_path, con):
    bomb = tmp_path / "bomb.xlsx"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "<workbook/>")
        archive.writestr("xl/worksheets/sheet1.xml", b"\0" * (250 * 1024 * 1024))
    assert bomb.stat().st_size < 2 * 1024 * 1024
    [reason] = read(bomb, con)
    assert "packas upp till" in reason


def test_a_huge_file_is_refused_by_its_size(tmp_path, con):
    huge = tmp_path / "huge.xlsx"
    with huge.open("wb") as f:
        f.truncate(workbook_safety.MAX_FILE_BYTES + 1)
    assert "större än ett uppföljningspaket" in read(huge, con)[0]


def test_a_workbook_with_macros_is_refused(tmp_path, con):
    book = tmp_path / "makro.xlsx"
    openpyxl.Workbook().save(book)
    with zipfile.ZipFile(book, "a") as archive:
        archive.writestr("xl/vbaProject.bin", b"\xd0\xcf\x11\xe0 macro")
    assert "makron" in read(book, con)[0]


def test_entity_expansion_is_never_parsed(tmp_path, con):
    """A 'billion laughs' in a sheet: defusedxml refuses it; the file is rejected, the run
    goes on, and no memory is spent on the expansion."""
    book = tmp_path / "laughs.xlsx"
    openpyxl.Workbook().save(book)
    laughs = ('<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
              + "".join(f'<!ENTITY lol{i} "{"&lol{};".format(i - 1 if i > 1 else "") * 10}">'
                        for i in range(1, 10))
              + ']><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/'
                'main"><sheetData><row><c t="inlineStr"><is><t>&lol9;</t></is></c></row>'
                '</sheetData></worksheet>')
    rebuilt = tmp_path / "rebuilt.xlsx"
    with zipfile.ZipFile(book) as src, zipfile.ZipFile(rebuilt, "w") as dst:
        for item in src.infolist():
            data = laughs.encode() if item.filename == "xl/worksheets/sheet1.xml" \
                else src.read(item.filename)
            dst.writestr(item, data)
    [reason] = read(rebuilt, con)
    assert "går inte att läsa som Excel-arbetsbok" in reason
    with pytest.raises(ValueError) as raised:  # refused by defusedxml, not merely malformed
        openpyxl.load_workbook(rebuilt)
    assert isinstance(raised.value.__cause__, EntitiesForbidden)



# --- judged by the archive's table of contents before anything is unpacked --------------


@pytest.fixture
def unpacked(monkeypatch) -> list[str]:
    """Every way the check, zipfile or openpyxl could unpack a part, recorded as it is
    called (and still working)."""
    calls: list[str] = []

    def spy(owner, name):
        real = getattr(owner, name)

        def recorded(*args, **kwargs):
            calls.append(name)
            return real(*args, **kwargs)
        monkeypatch.setattr(owner, name, recorded)

    for owner, name in ((zipfile.ZipFile, "open"), (zipfile.ZipFile, "testzip"),
                        (zipfile.ZipExtFile, "read"), (zlib, "decompressobj"),
                        (zlib, "decompress"), (returns, "load_workbook")):
        spy(owner, name)
    return calls


def rebuilt(book: Path, target: Path, parts: dict[str, bytes], packing=zipfile.ZIP_DEFLATED
            ) -> Path:
    """`book` with `parts` added or put in place of its own, those packed by `packing`."""
    with zipfile.ZipFile(book) as src, zipfile.ZipFile(target, "w") as dst:
        for item in src.infolist():
            if item.filename not in parts:
                dst.writestr(item.filename, src.read(item), zipfile.ZIP_DEFLATED)
        for name, data in parts.items():
            dst.writestr(name, data, packing)
    return target


@pytest.fixture
def empty_book(tmp_path) -> Path:
    book = tmp_path / "empty.xlsx"
    openpyxl.Workbook().save(book)
    return book


def test_a_few_mb_bomb_is_refused_by_its_declared_size_without_unpacking(
        tmp_path, con, empty_book, unpacked):
    """8 MB of zeros pack to 8 kB: honest sizes, but no part Excel writes packs 1 000
    times. Refused on the table of contents alone, so it costs nothing on every run it
    lies in returer/."""
    bomb = rebuilt(empty_book, tmp_path / "bomb.xlsx",
                   {"xl/worksheets/sheet2.xml": bytes(8_000_000)})
    assert bomb.stat().st_size < 50_000
    unpacked.clear()  # building it read the empty workbook
    [reason] = read(bomb, con)
    assert unpacked == []
    assert reason.startswith("delen xl/worksheets/sheet2.xml packas upp till 8 MB ur 8 kB"), \
        reason


def test_many_small_parts_are_refused_by_their_declared_sum_without_unpacking(
        tmp_path, con, empty_book, unpacked):
    parts = {f"xl/media/image{i}.bin": bytes(1_000_000) for i in range(210)}
    bomb = rebuilt(empty_book, tmp_path / "bomb.xlsx", parts)
    unpacked.clear()
    [reason] = read(bomb, con)
    assert unpacked == []
    assert reason.startswith("arbetsboken packas upp till 210 MB, mer än 200 MB"), reason


def test_the_large_bomb_is_refused_without_unpacking_either(tmp_path, con, unpacked):
    bomb = tmp_path / "bomb.xlsx"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "<workbook/>")
        archive.writestr("xl/worksheets/sheet1.xml", bytes(250_000_000))
    unpacked.clear()
    [reason] = read(bomb, con)
    assert unpacked == []
    assert reason == "arbetsboken packas upp till 250 MB, mer än 200 MB: inte ett paket"


@pytest.mark.parametrize("packing", [zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA])
def test_a_part_packed_as_excel_never_does_is_refused_unread(tmp_path, con, empty_book,
                                                             unpacked, packing):
    """bzip2 and lzma unpack each chunk whole, however large it grows: never handed on."""
    book = rebuilt(empty_book, tmp_path / "book.xlsx", {"xl/styles.xml": b"<a/>" * 1000},
                   packing)
    unpacked.clear()
    [reason] = read(book, con)
    assert unpacked == []
    assert reason == "delen xl/styles.xml är packad på ett sätt som Excel inte använder"


def test_a_workbook_of_a_thousand_parts_is_refused_unread(tmp_path, con, empty_book,
                                                         unpacked):
    book = rebuilt(empty_book, tmp_path / "many.xlsx",
                   {f"xl/media/image{i}.png": b"" for i in range(1000)})
    with zipfile.ZipFile(book) as archive:
        parts = len(archive.infolist())
    unpacked.clear()
    [reason] = read(book, con)
    assert unpacked == []
    assert reason == f"arbetsboken har 1 {parts - 1000:03d} delar, fler än 1 000: inte ett paket"


def lie_about(path: Path, name: str, declared: bytes) -> None:
    """Make the part `name` declare the size and checksum of `declared` (in its local header
    and in the central directory) while its packed data still unpacks to all it held."""
    data = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as archive:
        part = archive.getinfo(name)
    fields = (zlib.crc32(declared), part.compress_size, len(declared))
    struct.pack_into("<LLL", data, part.header_offset + 14, *fields)
    central = data.rfind(name.encode()) - 46  # the central directory's entry, at the end
    assert data[central:central + 4] == b"PK\x01\x02"
    struct.pack_into("<LLL", data, central + 16, *fields)
    path.write_bytes(data)


def test_a_part_that_unpacks_past_its_declared_size_is_stopped_there(tmp_path, con,
                                                                     empty_book):
    """A part declaring 1 kB whose data unpacks to 64 MB (its checksum that of the first
    kB, so zipfile's own test passes it): refused after unpacking a chunk past the declared
    size, and openpyxl, which unpacks a part it reads whole in one go, never sees it."""
    real = bytes(64_000_000)
    book = rebuilt(empty_book, tmp_path / "liar.xlsx", {"xl/styles.xml": real})
    lie_about(book, "xl/styles.xml", real[:1000])
    with zipfile.ZipFile(book) as archive:
        assert archive.getinfo("xl/styles.xml").file_size == 1000
    tracemalloc.start()
    try:
        [reason] = read(book, con)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 8_000_000, f"{peak / 1e6:.0f} MB held while reading it"
    assert reason == ("delen xl/styles.xml packas upp till mer än de 1 kB arbetsboken "
                      "anger: inte ett paket")


def test_a_damaged_part_is_refused_as_damaged(tmp_path, con, empty_book):
    book = rebuilt(empty_book, tmp_path / "damaged.xlsx",
                   {"xl/styles.xml": "".join(f"<s{i}/>" for i in range(20_000)).encode()})
    with zipfile.ZipFile(book) as archive:
        part = archive.getinfo("xl/styles.xml")
    data = bytearray(book.read_bytes())
    start = part.header_offset + 30 + len(part.filename) + len(part.extra)
    data[start + 100:start + 200] = bytes(100)  # a hundred bytes lost in transfer
    book.write_bytes(data)
    assert read(book, con) == ["filen är trasig (en del av arbetsboken går inte att packa upp)"]


@pytest.mark.parametrize("streamed", [False, True])
def test_a_plain_workbook_passes_the_checks(tmp_path, empty_book, streamed):
    """Excel's and openpyxl's own files, and one written to a stream (sizes after each
    part's data, not before): nothing to refuse."""
    target = tmp_path / "plain.xlsx"
    if not streamed:
        rebuilt(empty_book, target, {})
    else:
        class Stream(io.RawIOBase):  # no seek: zipfile writes data descriptors
            def __init__(self, f):
                self.f = f

            def writable(self):
                return True

            def write(self, b):
                return self.f.write(b)

        with target.open("wb") as f, zipfile.ZipFile(Stream(f), "w") as dst, \
                zipfile.ZipFile(empty_book) as src:
            for item in src.infolist():
                with dst.open(item.filename, "w") as out:
                    out.write(src.read(item))
        with zipfile.ZipFile(target) as archive:
            assert all(p.flag_bits & 0x08 for p in archive.infolist())
    assert workbook_safety.unsafe_workbook(target) is None
    assert openpyxl.load_workbook(target).sheetnames == ["Sheet"]
