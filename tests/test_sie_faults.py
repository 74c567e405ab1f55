"""The SIE reader faults seen on real files, each reproduced on a small file written here.

Lenient where a producer writes a readable variant, strict where the meaning is not: a voucher
is loaded whole or quarantined whole, and the counts of `sie inspect` always agree (no rows
without vouchers, no voucher reported as balanced without rows)."""

import pytest

from pipelines.ingest.ledger import read_sie_budget, read_sie_ledger
from pipelines.ingest.sie import SieReader, Voucher
from pipelines.sie_cli import inspect_file

HEAD = '#FLAGGA 0\n#FORMAT PC8\n#SIETYP 4\n#RAR 0 20250101 20251231\n'


def sie(tmp_path, body: str, name: str = "fil.se"):
    path = tmp_path / name
    path.write_bytes((HEAD + body).encode("cp437"))
    return path


def rules(reader: SieReader) -> dict[int, str]:
    return {q.line: q.rule for q in reader.info.quarantine}


def test_rows_of_a_voucher_thrown_away_are_not_counted_as_transactions(tmp_path):
    path = sie(tmp_path, '#VER A 1 20250105 "öppen"\n{\n#TRANS 1930 {} 100.00\n'
                         '#VER A 2 20250106 "nästa"\n{\n#TRANS 1930 {} 5.00\n'
                         '#TRANS 3010 {} -5.00\n}\n')
    report = inspect_file(path)
    assert report["counts"]["vouchers"] == 1 and report["counts"]["transactions"] == 2
    assert {(q["line"], q["rule"]) for q in report["quarantined"]} == {
        (5, "verifikationsblocket avslutas inte med '}' före nästa #VER"),
        (7, "rad i verifikation A 1 (rad 5) som inte läses in: verifikationsblocket avslutas "
            "inte med '}' före nästa #VER")}


def test_a_voucher_whose_every_row_is_unreadable_is_no_balanced_voucher(tmp_path):
    path = sie(tmp_path, '#VER A 1 20250105 "x"\n{\n#TRANS 1930 {} 1O0.00\n'
                         '#TRANS 3010 {} -1OO.00\n}\n')
    report = inspect_file(path)
    assert report["counts"]["vouchers"] == 0 and report["counts"]["transactions"] == 0
    assert report["unbalanced_vouchers"] == []
    assert [q["line"] for q in report["quarantined"]] == [5, 7, 8]
    assert report["quarantined"][0]["rule"].startswith("verifikationen har 2 rad(er) som "
                                                       "inte kan läsas")


def test_a_voucher_without_rows_is_counted_apart_not_as_balanced(tmp_path):
    path = sie(tmp_path, '#VER A 1 20250105 "tom"\n{\n}\n')
    report = inspect_file(path)
    assert report["counts"]["vouchers"] == 0
    assert report["counts"]["empty_vouchers"] == 1
    assert report["quarantined"] == []


def test_a_ver_whose_brace_is_missing_is_quarantined_with_its_rows(tmp_path):
    # a blank line where the '{' should be: the amounts must not vanish without a word
    path = sie(tmp_path, '#VER A 1 20250105 "x"\n\n#TRANS 1930 {} 100.00\n'
                         '#TRANS 3010 {} -100.00\n}\n#VER A 2 20250105 "y"\n{\n'
                         '#TRANS 1930 {} 1.00\n#TRANS 3010 {} -1.00\n}\n')
    reader = SieReader(path)
    assert [v.number for v in reader] == ["2"]
    got = rules(reader)
    assert sorted(got) == [5, 7, 8]  # the #VER and both its rows; the '}' is its own end
    assert got[5].startswith("'{' saknas efter #VER på rad 5")
    assert got[7].startswith("rad i verifikation A 1 (rad 5) som inte läses in: '{' saknas")
    ledger = read_sie_ledger(path, "2025-01", {"2025-01"})
    # its rows are rows read and quarantined; its #VER line is kept as a note, no row
    assert ledger.read == ledger.loaded + len(ledger.quarantine) == 4
    assert ledger.loaded == 2
    assert [n["line"] for n in ledger.notes] == [5]


def test_after_a_ver_that_cannot_be_read_its_brace_is_not_called_stray(tmp_path):
    path = sie(tmp_path, '#VER A 1 05.01.2025 "fel datum"\n{\n#TRANS 1930 {} 1.00\n'
                         '#TRANS 3010 {} -1.00\n}\n')
    reader = SieReader(path)
    assert list(reader) == []
    got = rules(reader)
    assert got[5] == "'05.01.2025' är inget datum ÅÅÅÅMMDD"
    assert got[7].endswith("#VER på rad 5 kan inte läsas ('05.01.2025' är inget datum "
                           "ÅÅÅÅMMDD)")
    assert not any("utan #VER" in r for r in got.values())


def test_an_unterminated_quote_does_not_shift_the_fields_after_it(tmp_path):
    path = sie(tmp_path, '#VER A 1 20250105 "x"\n{\n'
                         '#TRANS 1930 {} 100.00 20250105 "Kaffe utan slut 2.00\n'
                         '#TRANS 3010 {} -100.00\n}\n')
    [voucher] = [v for v in SieReader(path) if isinstance(v, Voucher)]
    row = voucher.rows[0]
    assert row.amount_ore == 10000 and row.text == "Kaffe utan slut 2.00"
    assert row.quantity == ""  # never a piece of the broken text


def test_an_unterminated_quote_that_hides_a_required_field_is_quarantined(tmp_path):
    path = sie(tmp_path, '#VER A 1 20250105 "x"\n{\n#TRANS "1930 {} 100.00\n'
                         '#TRANS 3010 {} -100.00\n}\n')
    reader = SieReader(path)
    assert list(reader) == []
    assert rules(reader)[7] == "#TRANS behöver konto, objektlista och belopp"


@pytest.mark.parametrize("line, rule", [
    ("#RAR -1 20241231 20240101", "räkenskapsårets slut 20240101 ligger före dess start "
                                  "20241231"),
    ('#KONTO "" "Tomt"', "'' är inget kontonummer"),
    ('#KONTO abc "Bokstäver"', "'abc' är inget kontonummer"),
    ("#RES 0 3010 abc", "'abc' är inget belopp"),
    ("#IB 0 1930 12,50", "'12,50' är inget belopp"),
    ("#KTYP 3010 X", "kontotypen 'X' är inte T, S, K eller I"),
    ("#PBUDGET 0 3010 202501 {} -100.00", "perioden '3010' är inte ÅÅÅÅMM"),
])
def test_header_records_that_make_no_sense_are_quarantined(tmp_path, line, rule):
    reader = SieReader(sie(tmp_path, line + "\n"))
    list(reader)
    assert rules(reader) == {5: rule}
    assert "abc" not in reader.info.accounts


def test_sie4j_budget_lines_without_an_object_list_are_read(tmp_path):
    # BL Info's Sie4j writes '#PBUDGET 0 201701 1119 -1666.00': account and amount are clear
    path = tmp_path / "budget.se"
    path.write_bytes(b'#FLAGGA 0\n#SIETYP 3\n#RAR 0 20170101 20171231\n'
                     b'#PBUDGET 0 201701 1119 -1666.00\n#PBUDGET 0 201702 3010 {1 "A"} 50.00 2\n'
                     b'#PBUDGET 0 1119 201703 -1666.00\n#PBUDGET 0 201801 3010 1.00\n')
    batch = read_sie_budget(path, "antagen")
    assert [(r["period"], r["account"], r["amount_ore"], r["ansvar"]) for r in batch.rows] == [
        ("2017-01", "1119", -166600, None), ("2017-02", "3010", 5000, "A")]
    assert sorted((q["line"], q["rule"]) for q in batch.quarantine) == [
        (6, "perioden '1119' är inte ÅÅÅÅMM"),  # account and period swapped
        (7, "perioden 201801 ligger inte i räkenskapsår 0 (20170101–20171231)")]
    batch.check_accounting()


def test_a_whole_year_file_of_another_year_is_quarantined_row_by_row(tmp_path):
    path = tmp_path / "ar2010.se"
    path.write_bytes(b'#FLAGGA 0\n#SIETYP 4\n#RAR 0 20100101 20101231\n'
                     b'#VER A 1 20100105 "x"\n{\n#TRANS 1930 {} 1.00\n#TRANS 3010 {} -1.00\n}\n')
    batch = read_sie_ledger(path, None, {"2025-01", "2025-02"})
    assert batch.loaded == 0 and batch.read == 2
    assert {q["rule"] for q in batch.quarantine} == {
        "verifikationens månad 2010-01 ligger utanför de konfigurerade åren (2025–2025, "
        "first_year–fiscal_year)"}
    batch.check_accounting()
