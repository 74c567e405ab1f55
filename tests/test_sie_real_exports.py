"""What real exports write that the demo does not (issue 33): a note before the first record,
a piece of a file without its header, and files that are no SIE text at all. Each file is
written here, small, in the shape the real one had."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from pipelines.ingest.completeness import sie_cut_off
from pipelines.ingest.sie import NotSieError, SieReader, Voucher

HEADER = ('#FLAGGA 0\n#FORMAT PC8\n#SIETYP 4\n#RAR 0 20250101 20251231\n'
          '#KONTO 1930 "Bank"\n#KONTO 3010 "Forsaljning"\n')
VOUCHER = '#VER A 1 20250105 "Kvitto"\n{\n#TRANS 1930 {} 100.00\n#TRANS 3010 {} -100.00\n}\n'


def write(tmp_path: Path, name: str, text: str | bytes) -> Path:
    path = tmp_path / name
    if isinstance(text, str):
        path.write_text(text, encoding="ascii", newline="\n")
    else:
        path.write_bytes(text)
    return path


def read(path: Path) -> tuple[list[Voucher], SieReader]:
    reader = SieReader(path)
    return [r for r in reader if isinstance(r, Voucher)], reader


def inspect(path: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "pipelines.cli", "sie", "inspect", str(path)],
                          capture_output=True, text=True, timeout=120)


def test_a_note_before_the_first_record_is_quarantined_and_the_file_reads(tmp_path):
    """Line 1 "; original: ..." (added when the file was archived) once refused the file."""
    path = write(tmp_path, "arkiverad.se", "; original: huvudbok_2025.se, arkiverad 2026-01-02\n"
                 + HEADER + VOUCHER)
    vouchers, reader = read(path)
    assert [(v.series, v.number, len(v.rows)) for v in vouchers] == [("A", "1", 2)]
    [note] = reader.info.quarantine
    assert (note.line, note.rule) == (1, "text före filens första post: läses inte")
    assert note.raw.startswith("; original:")
    assert sie_cut_off(path) is None


def test_text_without_any_record_is_no_sie_file(tmp_path):
    path = write(tmp_path, "lista.se", "".join(f"rad {i};konto;belopp\n" for i in range(40)))
    with pytest.raises(NotSieError, match=r"lista\.se: ingen SIE-fil \(de första 21 raderna"):
        read(path)


def test_a_piece_of_a_file_without_its_header_is_refused_with_the_line(tmp_path):
    """#VER/#TRANS with no #FLAGGA, #SIETYP or #FORMAT was read as a file of type ''."""
    path = write(tmp_path, "utdrag.se", VOUCHER)
    cut = sie_cut_off(path)
    assert cut is not None and cut.line == 1
    assert "filen saknar filhuvud" in cut.reason and "utdrag" in cut.reason
    # one of the three is a header (a producer that leaves out #FLAGGA), also after a
    # UTF-8 byte order mark or with tabs between the fields
    assert sie_cut_off(write(tmp_path, "utan_flagga.se", "#SIETYP 4\n" + VOUCHER)) is None
    assert sie_cut_off(write(tmp_path, "bom.se", ("\ufeff#FLAGGA\t0\n" + VOUCHER).encode(
        "utf-8"))) is None
    assert sie_cut_off(write(tmp_path, "tabbar.se", VOUCHER.replace(" ", "\t"))).line == 1
    assert "filen saknar filhuvud" in inspect(path).stdout


@pytest.mark.parametrize(("name", "content", "said"), [
    ("bok.se", None, "ingen SIE-fil utan en Excel-fil (xlsx)"),
    ("utf16.se", (HEADER + VOUCHER).encode("utf-16"), "ingen SIE-fil utan UTF-16-kodad text"),
    ("utf16le.se", (HEADER + VOUCHER).encode("utf-16-le"),
     "ingen SIE-fil utan UTF-16-kodad text"),
    ("gammal.se", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(100),
     "ingen SIE-fil utan en äldre Excel-fil (xls)"),
    ("rapport.se", b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n", "ingen SIE-fil utan en PDF-fil"),
    ("inloggning.se", b'\n<!DOCTYPE HTML PUBLIC "-//W3C//DTD HTML 4.01//EN">\n<html>',
     "ingen SIE-fil utan en webbsida (HTML)"),
])
def test_a_file_that_is_no_sie_text_is_named_for_what_it_is(tmp_path, name, content, said):
    """Refusals once printed the bytes ('PK\\x03\\x04', '#\\x00F\\x00L')."""
    if content is None:
        path = tmp_path / name
        with zipfile.ZipFile(path, "w") as z:
            z.writestr("xl/workbook.xml", "<workbook/>")
    else:
        path = write(tmp_path, name, content)
    with pytest.raises(NotSieError) as e:
        read(path)
    assert said in str(e.value)
    assert "\\x" not in str(e.value) and "\x00" not in str(e.value)
    r = inspect(path)
    assert r.returncode == 2
    [line] = r.stderr.strip().splitlines()
    assert said in line and "Traceback" not in r.stderr


def test_a_text_written_where_the_transaction_date_goes_is_read_as_the_text(tmp_path):
    """A producer that leaves out transdat writes the row's text in its place: the voucher
    was once quarantined whole for it."""
    path = write(tmp_path, "softone.se", HEADER + '#VER A 1 20250105 "Kvitto"\n{\n'
                 '#TRANS 1930 {} 100.00 "Inbetalning kund 17"\n'
                 '#TRANS 3010 {} -100.00 20250105 "Intakt"\n}\n')
    [voucher], reader = read(path)
    assert [(r.date, r.text) for r in voucher.rows] == [
        (None, "Inbetalning kund 17"), (dt.date(2025, 1, 5), "Intakt")]
    assert reader.info.quarantine == []


def test_a_date_that_is_no_date_still_quarantines_its_voucher(tmp_path):
    """Only text is taken for text: a day that does not exist, or digits in the wrong
    shape, stay an error."""
    for bad in ("20250230", "2025015"):
        path = write(tmp_path, f"fel_{bad}.se", HEADER + '#VER A 1 20250105 "K"\n{\n'
                     f'#TRANS 1930 {{}} 100.00 {bad} "Text"\n#TRANS 3010 {{}} -100.00\n}}\n')
        vouchers, reader = read(path)
        assert vouchers == [] and len(reader.info.quarantine) == 3


def test_an_iso_date_is_the_same_day(tmp_path):
    """'2018-05-01' in a #VER quarantined its voucher; it can only mean one day."""
    path = write(tmp_path, "iso.se", HEADER.replace("20250101 20251231", "2025-01-01 2025-12-31")
                 + '#VER A 1 2025-05-01 "Kvitto"\n{\n#TRANS 1930 {} 100.00 2025-05-02\n'
                 '#TRANS 3010 {} -100.00\n}\n')
    [voucher], reader = read(path)
    assert voucher.date == dt.date(2025, 5, 1)
    assert voucher.rows[0].date == dt.date(2025, 5, 2)
    assert reader.info.fiscal_years[0] == (dt.date(2025, 1, 1), dt.date(2025, 12, 31))
    assert reader.info.quarantine == []


def test_each_unreadable_line_is_counted_once_under_its_own_source(tmp_path):
    """A Sie4j file with `#KONTO 11AF "Mark"`: the line was in raw.quarantine under both
    accounts and ledger, and the ledger said 75 read / 74 loaded / 1 quarantined although
    all 74 #TRANS rows loaded; quarantined #VER lines were counted as rows read."""
    from pipelines.ingest.ledger import read_sie_ledger
    from pipelines.ingest.loaders import read_sie_chart

    path = write(tmp_path, "sie4j.se", HEADER + '#KONTO 11AF "Mark"\n#SRU 19x0 7281\n'
                 + VOUCHER + '#VER A 2 20250106 "Trasig"\n{\n#TRANS 1930 {} 1,00\n'
                 '#TRANS 3010 {} -1.00\n}\n')
    ledger = read_sie_ledger(path, "2025-01", {"2025-01"}, chart_from_sie=True)
    assert (ledger.read, ledger.loaded, len(ledger.quarantine)) == (4, 2, 2)  # #TRANS only
    assert {n["raw"].split()[0] for n in ledger.notes} == {"#VER", "#SRU"}  # kept, no rows
    chart = read_sie_chart(path, set())
    assert [q["raw"] for q in chart.quarantine] == ['#KONTO 11AF "Mark"']
    assert not [q for q in ledger.quarantine + ledger.notes if q["raw"].startswith("#KONTO")]
    # with a chart export, the SIE file's #KONTO lines are no one's rows: a note of the file
    ledger = read_sie_ledger(path, "2025-01", {"2025-01"})
    assert (ledger.read, len(ledger.quarantine)) == (4, 2)
    assert any(n["raw"].startswith("#KONTO") for n in ledger.notes)
    # a file of header lines only has no ledger rows at all
    header_only = write(tmp_path, "sie1.se", HEADER + "#SRU 19x0 7281\n" * 4)
    assert read_sie_ledger(header_only, "2025-01", {"2025-01"}).read == 0


def test_two_year_files_of_the_same_name_are_told_apart_by_their_folder(tmp_path):
    """ekonomi/2024/huvudbok.se and ekonomi/2025/huvudbok.se, each read whole: every row,
    balance and quarantined line names its file by its folder too (issue 33, item 11)."""
    import yaml

    from pipelines.config import load_config
    from pipelines.ingest import deliveries

    for year in (2024, 2025):
        folder = tmp_path / "ekonomi" / str(year)
        folder.mkdir(parents=True)
        write(folder, "huvudbok.se", HEADER.replace("2025", str(year))
              + "#IB 0 1930 1000.00\n#UB 0 1930 1100.00\n" + VOUCHER.replace("2025", str(year))
              + "#TRANS 1930 {} 5.00\n")  # a row outside any voucher: quarantined
    (tmp_path / "org.csv").write_text("kod;benamning;niva;overordnad_kod\n1;K;kommun;\n",
                                      encoding="utf-8")
    (tmp_path / "uppfoljning.yaml").write_text(yaml.safe_dump({
        "municipality": "K", "fiscal_year": 2025, "first_year": 2024,
        "sources": {"org_register": {"type": "csv", "path": "org.csv"},
                    "ledger": [{"type": "sie", "path": "ekonomi/*/huvudbok.se"}]}}),
        encoding="utf-8")
    config = load_config(tmp_path / "uppfoljning.yaml")
    named = {"ekonomi/2024/huvudbok.se", "ekonomi/2025/huvudbok.se"}
    ledger_files = set()
    for reading in deliveries.ledger_readings(config, ["2025-01"]):
        batch = reading.read(None)
        ledger_files |= set(batch.frame()["source_file"])
        assert {q["file"] for q in batch.quarantine} <= named
        assert reading.delivery.name in named
    assert ledger_files == named
    balances = {name for r in deliveries.balance_readings(config)
                for name in r.read(None).frame()["source_file"]}
    assert balances == named
    # one file of a name keeps its name alone
    (tmp_path / "ekonomi" / "2024" / "huvudbok.se").rename(
        tmp_path / "ekonomi" / "2024" / "huvudbok_2024.se")
    config = load_config(tmp_path / "uppfoljning.yaml")
    assert {r.delivery.name for r in deliveries.ledger_readings(config, ["2025-01"])} == {
        "huvudbok.se"}
