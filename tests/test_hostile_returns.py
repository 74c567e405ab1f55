"""A returned workbook is whatever a unit sends: refused with one clear reason, before any of
its XML is parsed, when it is not a plausible .xlsx of ours; parsed without entity expansion
when it is; nothing of it executed."""

from __future__ import annotations

import zipfile
from pathlib import Path

import duckdb
import openpyxl
import pytest
from defusedxml import EntitiesForbidden

from pipelines.packages import returns


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
        f.truncate(returns.MAX_FILE_BYTES + 1)
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
