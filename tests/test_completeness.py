"""Whether a delivered file is whole or was cut off while it was written or copied
(pipelines/ingest/completeness.py): a SIE file cut at every byte offset, the real SIE files,
CSV exports cut at every byte offset in two encodings and delimiters, partly copied
workbooks."""

from __future__ import annotations

import zipfile
from pathlib import Path

import openpyxl
import pytest

from pipelines.ingest import completeness
from pipelines.ingest.completeness import cut_off, sie_cut_off, table_cut_off

SIE_DIR = Path(__file__).resolve().parents[2] / "shared" / "data" / "sie"
REAL = sorted(p for p in SIE_DIR.iterdir() if p.suffix.lower() in (".se", ".si")) \
    if SIE_DIR.is_dir() else []

# a SIE file as another ERP might write it: a checksum opened in the header, CRLF line ends,
# tabs, indented rows, the three kinds of voucher rows, an object list with a '}' inside
SYNTHETIC = (
    '#FLAGGA 0\r\n#KSUMMA\r\n#PROGRAM "Prov" 1.0\r\n#FORMAT PC8\r\n#SIETYP 4\r\n'
    '#RAR 0 20250101 20251231\r\n#KONTO 1930 "Bank"\r\n#KONTO 3010 "Avgifter"\r\n'
    '#IB 0 1930 100.00\r\n'
    '#VER\tA\t1\t20250115\t"Avgifter januari"\r\n{\r\n'
    '\t#TRANS\t1930\t{}\t200.00\r\n\t#TRANS\t3010\t{1 "10"}\t-200.00\r\n}\r\n'
    '#VER "B" "2" 20250131 "Rättelse"\r\n{\r\n'
    '   #RTRANS 3010 {1 "10"} 50.00\r\n   #TRANS 3010 {1 "10"} 50.00\r\n'
    '   #BTRANS 3010 {1 "10"} 50.00\r\n   #TRANS 1930 {} -50.00\r\n}\r\n'
    '#KSUMMA 1234567890\r\n').encode("cp437")
PLAIN = (  # no checksum, LF, a last line without its line end
    '#FLAGGA 0\n#SIETYP 4\n#KONTO 1930 "Bank"\n#VER A 1 20250115 "Ett"\n{\n'
    '#TRANS 1930 {} 1.00\n#TRANS 3010 {} -1.00\n}\n#VER A 2 20250116 "Två"\n{\n'
    '#TRANS 1930 {} 2.00\n#TRANS 3010 {} -2.00\n}').encode("cp437")


def structure(data: bytes) -> tuple[list[tuple[int, int, int]], int | None, int | None]:
    """The vouchers (offset of '#VER', offset after its '}', line of '#VER'), the offset after
    the opening #KSUMMA's line, the offset where the closing one's value begins."""
    vouchers, start, opening, closing, pos = [], None, None, None, 0
    for number, raw in enumerate(data.split(b"\n"), start=1):
        text, lead = raw.strip(), len(raw) - len(raw.lstrip())
        if text.startswith(b"#VER"):
            start = (pos + lead, number)
        elif text == b"}" and start is not None:
            vouchers.append((start[0], pos + lead + 1, start[1]))
            start = None
        elif text == b"#KSUMMA" and opening is None:
            opening = pos + len(raw) + 1
        elif text.startswith(b"#KSUMMA ") and opening is not None:
            closing = pos + lead + len(b"#KSUMMA ")
        pos += len(raw) + 1
    return vouchers, opening, closing


def expected_sie(data: bytes, n: int) -> bool | None:
    """Whether the first n bytes must be found cut (True), whole (False), or either: a cut
    between two records outside a voucher cannot be told by the syntax."""
    vouchers, opening, closing = structure(data)
    if n == len(data):
        return False
    if n == 0 or any(s < n < e for s, e, _ in vouchers):
        return True
    if opening is not None and opening <= n < closing:
        return True
    if opening is None and (data[:n].endswith(b"\n") or any(n == e for _, e, _ in vouchers)):
        return False
    return None


def sie_files() -> list[tuple[str, bytes]]:
    small = [p for p in REAL if p.stat().st_size < 2000 and b"#VER" in p.read_bytes()]
    return [("synthetic", SYNTHETIC), ("plain", PLAIN),
            *((p.name, p.read_bytes()) for p in small)]


@pytest.mark.parametrize("block", [completeness.BLOCK, 7])  # 7: lines across read blocks
@pytest.mark.parametrize("name,data", sie_files(), ids=[n for n, _ in sie_files()])
def test_a_sie_file_cut_at_every_byte_offset(tmp_path, monkeypatch, block, name, data):
    monkeypatch.setattr(completeness, "BLOCK", block)
    vouchers, _, _ = structure(data)
    assert len(vouchers) >= 1
    path, wrong = tmp_path / "huvudbok.se", []
    for n in range(len(data) + 1):
        path.write_bytes(data[:n])
        found, want = sie_cut_off(path), expected_sie(data, n)
        if want is not None and want != (found is not None):
            wrong.append((n, data[max(0, n - 20):n], found))
        inside = [line for s, e, line in vouchers if s < n < e]
        if inside and found is not None and not found.reason.startswith("filen slutar mitt"):
            assert found.line == inside[0], (n, found)  # the line of the voucher's #VER
            assert found.reason.startswith("filen slutar inne i verifikation"), found
            assert found.reason.endswith("den är avklippt")
    assert wrong == []


@pytest.mark.skipif(not REAL, reason=f"no SIE files in {SIE_DIR}")
@pytest.mark.parametrize("path", REAL, ids=[p.name for p in REAL])
def test_the_real_sie_files_are_whole_and_their_cuts_are_found(tmp_path, path):
    data = path.read_bytes()
    assert sie_cut_off(path) is None
    cut = tmp_path / path.name
    if b"#TRANS" in data:  # in the middle of its last voucher row
        last = data.rindex(b"#TRANS")
        cut.write_bytes(data[:last + 10])
        found = sie_cut_off(cut)
        assert found is not None and found.reason.startswith("filen slutar inne i verifikation")
        assert data.split(b"\n")[found.line - 1].strip().startswith(b"#VER")
    # a copy that set the file's size first and stalled half-way: NUL bytes to the end
    cut.write_bytes(data[:len(data) // 2] + b"\0" * (len(data) - len(data) // 2))
    found = sie_cut_off(cut)
    assert found is not None and "nollbyte" in found.reason
    assert found.line == data[:len(data) // 2].count(b"\n") + 1


def test_an_empty_file_or_a_bare_checksum_at_the_end_is_cut(tmp_path):
    path = tmp_path / "huvudbok.se"
    path.write_bytes(b"")
    assert "tom" in sie_cut_off(path).reason
    path.write_bytes(b"#FLAGGA 0\r\n#KSUMMA")  # the opening checksum's line not ended
    assert sie_cut_off(path).reason.startswith("kontrollsumman öppnas med #KSUMMA på rad 2")


# --- CSV -------------------------------------------------------------------------------

HEADER = ["Period", "Personnummer", "Namn", "Enhet", "Enhetsnamn", "Belopp"]
ROWS = [
    ["2025-05", "19650617-1492", "Viktor Bengtsson", "111101", "Politik", "52906,70"],
    ["2025-05", "19880501-1379", 'Ali "Allan" Gustafsson', "111201", "Ekonomi;HR", "57991,24"],
    ["2025-05", "19920406-4605", "Elin Jansson", "121109", "Förskolan\nNyängen", "28829,34"],
    ["2025-05", "19700101-1234", "Åsa Öberg", "121110", "Skola", "Förskoleklass Åby"],
    ["2025-05", "19700101-2345", "Per Ek", "121111", "Kök", "Ny; ängen"],
]


def render(rows: list[list[str]], delimiter: str, newline: str) -> list[tuple[str, int]]:
    """Each row as a CSV export writes it, with where its last field starts (in chars)."""
    out = []
    for row in rows:
        fields = ['"' + f.replace('"', '""') + '"' if any(c in f for c in f'"\n{delimiter}')
                  else f for f in row]
        head = delimiter.join(fields[:-1]) + delimiter
        out.append((head + fields[-1] + newline, len(head)))
    return out


def expected_csv(rows: list[tuple[bytes, int, bool]], n: int, utf8: bool, data: bytes
                 ) -> bool | None:
    """Whether the first n bytes of the CSV must be found cut; None: a cut inside the last
    field of a row (or exactly after its last delimiter) cannot be told from a whole row."""
    if n == 0:
        return True
    start = 0
    for number, (row, last_field, quoted) in enumerate(rows):
        end = start + len(row.rstrip(b"\r\n"))
        if n <= start + len(row):
            if n == start and number > 0:
                return False  # right after a whole row
            if n > end:
                return False  # between '\r' and '\n', or at the row's end
            if number == 0 or n < start + last_field:
                return True  # the header, or a row with fewer fields (or in a quote)
            if utf8 and 0x80 <= data[n] < 0xC0:
                return True  # inside a character
            if quoted and start + last_field < n < end:
                return True  # inside the last field's quotes
            return None
        start += len(row)
    return False


@pytest.mark.parametrize("encoding,delimiter,newline", [
    ("utf-8", ";", "\r\n"), ("iso-8859-1", ",", "\n")])
def test_a_csv_export_cut_at_every_byte_offset(tmp_path, encoding, delimiter, newline):
    rendered = render([HEADER, *ROWS], delimiter, newline)
    rows = [(text.encode(encoding), len(text[:at].encode(encoding)), text[at] == '"')
            for text, at in rendered]
    data = b"".join(row for row, _, _ in rows)
    path, wrong, undecided = tmp_path / "personal.csv", [], 0
    for n in range(len(data) + 1):
        path.write_bytes(data[:n])
        found = table_cut_off(path, "csv", delimiter, encoding)
        want = expected_csv(rows, n, encoding == "utf-8", data)
        undecided += want is None
        if want is not None and want != (found is not None):
            wrong.append((n, data[max(0, n - 25):n], found))
    assert wrong == []
    assert undecided < len(data) // 4  # most cuts are told


def test_what_is_said_of_a_cut_csv_and_what_is_not_cut(tmp_path):
    path = tmp_path / "personal.csv"
    text = "".join(t for t, _ in render([HEADER, *ROWS], ";", "\r\n"))
    data = text.encode("utf-8")
    path.write_bytes(data[:data.rindex("Kök".encode()) + 1])
    assert table_cut_off(path, "csv").reason == \
        "sista raden (rad 7) har 5 fält men rubriken 6, och inget radslut: den är avklippt"
    path.write_bytes(data[:data.index("Nyängen".encode()) + 2])
    found = table_cut_off(path, "csv")
    assert found.line == 4 and "inne i ett fält inom citattecken (rad 4" in found.reason
    path.write_bytes(data[:data.index("Åby".encode()) + 1])
    assert table_cut_off(path, "csv").reason.startswith("filen slutar mitt i ett tecken")
    path.write_bytes(data[:len(HEADER[0]) + 3])
    assert table_cut_off(path, "csv").reason.startswith("filen slutar i rubrikraden")
    path.write_bytes(data[:200] + b"\0" * 50)
    assert "50 nollbyte" in table_cut_off(path, "csv").reason
    # and what is not cut: a file without a line end after its last row, one not in its
    # encoding at all (the load says so, with the line), short rows that end their lines
    path.write_bytes(text.encode("utf-8").rstrip(b"\r\n"))
    assert table_cut_off(path, "csv") is None
    path.write_bytes(text.encode("iso-8859-1"))
    assert table_cut_off(path, "csv") is None
    short = "a;b;c\r\n1;2\r\n3;4\r\n"
    path.write_text(short, encoding="utf-8")
    assert table_cut_off(path, "csv") is None


# --- Excel -----------------------------------------------------------------------------

def workbook(path: Path, rows: int = 100) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["Period", "Konto", "Ansvar", "Belopp"])
    for n in range(rows):
        sheet.append(["2025-03", "46362 Köp medicinskt", "111401", 1234.56 + n])
    book.save(path)
    return path.read_bytes()


def test_a_workbook_is_whole_only_when_it_is_all_there(tmp_path):
    whole = workbook(tmp_path / "whole.xlsx")
    assert table_cut_off(tmp_path / "whole.xlsx", "excel") is None
    path = tmp_path / "fakturor.xlsx"
    for n in [*range(0, 40), *range(40, len(whole) - 40, 13), *range(len(whole) - 40,
                                                                     len(whole))]:
        path.write_bytes(whole[:n])
        found = table_cut_off(path, "excel")
        assert found is not None, n
        assert found.reason.startswith("arbetsboken är inte hel") or n == 0, (n, found)


def test_a_damaged_sheet_or_something_else_than_a_workbook(tmp_path):
    whole = tmp_path / "whole.xlsx"
    workbook(whole, rows=2000)
    damaged = tmp_path / "fakturor.xlsx"
    with zipfile.ZipFile(whole) as source, zipfile.ZipFile(damaged, "w") as out:
        for item in source.infolist():
            content = source.read(item)
            if item.filename.startswith("xl/worksheets/"):
                content = content[: len(content) // 2]  # the sheet's XML cut half-way
            out.writestr(item, content)
    found = table_cut_off(damaged, "excel")
    assert found is not None and found.reason.startswith("arbetsboken kan inte läsas till slutet")
    assert found.line > 100
    other = tmp_path / "other.xlsx"
    other.write_text("Period;Konto\n2025-03;4636\n", encoding="utf-8")  # a CSV, misnamed
    assert table_cut_off(other, "excel") is None  # not cut: the load says what it is
    assert table_cut_off(whole, "excel", sheet="Blad9") is None  # the load names the sheets


def test_each_source_is_read_as_configured(tmp_path):
    class Source:
        def __init__(self, **kw):
            self.__dict__.update(kw)

    path = tmp_path / "export.csv"
    path.write_bytes("Konto,Belopp\r\n3010,\"1,5\r\n".encode("iso-8859-1"))
    assert cut_off(path, Source(type="csv", delimiter=",", encoding="iso-8859-1")) is not None
    path.write_bytes(SYNTHETIC[:-30])
    assert cut_off(path, Source(type="sie")) is not None
    assert cut_off(path, Source(type="database")) is None
