"""Loaders of tabular exports and the periodisation keys: exact amounts, clear quarantine."""

from decimal import Decimal

import openpyxl
import pytest

from pipelines.errors import InputError
from pipelines.ingest import batch as batches
from pipelines.ingest import ledger, loaders
from pipelines.ingest.periodisation import load_keys, periodise

KEYS = load_keys()


def test_shipped_keys_cover_every_month():
    assert set(KEYS) == {"jämn", "kalenderdagar", "lön"}
    for shares in KEYS.values():
        assert len(shares) == 12 and sum(shares) == pytest.approx(Decimal(1))


@pytest.mark.parametrize("annual", [1_200_000_00, 1_000_000_37, -755_555_00, 7_00, 0])
@pytest.mark.parametrize("key", ["jämn", "kalenderdagar", "lön"])
def test_months_add_up_exactly_to_the_annual_amount(annual, key):
    months = periodise(annual, KEYS[key])
    assert sum(months) == annual
    assert all(m % 100 == 0 for m in months[1:])  # whole kronor; öre on the first month


def test_salary_key_puts_the_holiday_supplement_in_july():
    months = periodise(12_200_00, KEYS["lön"])
    assert months[6] == 1_200_00 and months[0] == 1_000_00


LEDGER_CSV = (
    "Verifikationsserie;Verifikationsnummer;Bokföringsdatum;Konto;Ansvar;Motpart;Belopp;Text\n"
    "LF;1;2025-01-15;6421;121101;84;1 234,50;Förbrukningsmaterial\n"
    "LF;1;2025-01-15;2440;;;-1 234,50;Leverantörsskuld\n"
    "LF;2;20250120;6421;121101;84;12,345;tre decimaler\n"
    "LF;3;2025-13-01;6421;121101;84;10,00;fel datum\n"
    "LF;4;2025-02-03;6421;121101;84;10,00;februari\n"
)


def test_csv_ledger_export_latin1_decimal_comma(tmp_path):
    path = tmp_path / "huvudbok.csv"
    path.write_bytes(LEDGER_CSV.encode("iso-8859-1"))
    batch = ledger.read_table_ledger(path, "csv", None, {"2025-01"}, encoding="iso-8859-1")
    assert [r["amount_ore"] for r in batch.rows] == [123450, -123450]
    assert batch.rows[0]["transaction_text"] == "Förbrukningsmaterial"
    assert [(q["line"], q["rule"]) for q in batch.quarantine] == [
        (4, "'12,345' har fler än två decimaler"),
        (5, "'2025-13-01' är inget datum (ÅÅÅÅ-MM-DD eller ÅÅÅÅMMDD)"),
        # a file that is not monthly is read whole: February is outside the configured months
        (6, "radens månad 2025-02 ligger utanför de konfigurerade åren (2025–2025, "
            "first_year–fiscal_year)")]
    batch.check_accounting()
    assert batch.read == 5


def test_a_ledger_row_whose_text_holds_the_delimiter_is_quarantined_not_misread(tmp_path):
    """`Kaffe; fikabröd` unquoted moves the fields one column: the row cannot be trusted."""
    path = tmp_path / "huvudbok.csv"
    path.write_text(LEDGER_CSV.splitlines()[0] + "\n"
                    "LF;1;2025-01-15;6421;121101;84;99,00;Kaffe; fikabröd\n"
                    "\n"  # an empty line is no row
                    "LF;2;2025-01-16;6421;121101;84;10,00;Papper\n", encoding="utf-8")
    batch = ledger.read_table_ledger(path, "csv", None, {"2025-01"})
    assert [r["source_line"] for r in batch.rows] == [4]
    [bad] = batch.quarantine
    assert (bad["line"], bad["raw"]) == (2, "LF;1;2025-01-15;6421;121101;84;99,00;Kaffe; "
                                            "fikabröd")
    assert bad["rule"] == "9 fält men 8 rubriker (ett ';' i en text utan citattecken?)"
    batch.check_accounting()


def test_excel_ledger_export_reads_like_the_csv(tmp_path):
    book = openpyxl.Workbook()
    ws = book.active
    for line in LEDGER_CSV.splitlines():
        ws.append(line.split(";"))
    ws["G2"] = 1234.5  # a real number in the cell, as Excel keeps it
    book.save(tmp_path / "huvudbok.xlsx")
    batch = ledger.read_table_ledger(tmp_path / "huvudbok.xlsx", "excel", None, {"2025-01"})
    assert [r["amount_ore"] for r in batch.rows] == [123450, -123450]


def test_missing_column_names_file_and_header(tmp_path):
    path = tmp_path / "export.csv"
    path.write_text("Datum;Konto;Summa\n2025-01-01;6421;10,00\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"export.csv: rad 1: kolumn saknas: Belopp "
                                         r"\(rubriker i filen: Datum, Konto, Summa\)"):
        ledger.read_table_ledger(path, "csv", None, {"2025-01"})
    mapped = ledger.read_table_ledger(path, "csv", None, {"2025-01"}, columns={
        "voucher_date": "Datum", "amount": "Summa"})
    assert mapped.rows[0]["amount_ore"] == 1000


def test_annual_budget_lines_quarantine_unknown_key_and_other_version(tmp_path):
    path = tmp_path / "investeringsbudget.csv"
    path.write_text(
        "Projekt;Ansvar;Konto;Budget helår (kr);Periodiseringsnyckel;Budgetversion\n"
        "P1;141101;1181;1200000,00;jämn;antagen\n"
        "P2;141101;1181;500000,00;säsong;antagen\n"
        "P3;141101;1181;300000,00;jämn;reviderad\n", encoding="utf-8")
    batch = ledger.read_annual_budget(path, "csv", "antagen", 2025)
    assert len(batch.rows) == 12 and batch.loaded == 1
    assert sum(r["amount_ore"] for r in batch.rows) == 1_200_000_00
    rules = [q["rule"] for q in batch.quarantine]
    assert rules[0].startswith("periodiseringsnyckeln 'säsong' är inte en av")
    assert rules[1] == "budgetversionen 'reviderad' i en fil som är konfigurerad som 'antagen'"
    batch.check_accounting()


def test_hr_row_for_another_period_is_quarantined_without_the_personnummer(tmp_path):
    header = ";".join(loaders.HR_COLUMNS.values())
    row = "2025-02;19650617-1492;K;1965;121101;Tillsvidare;2010-01-01;;100;168;0;0;0;0;50000"
    path = tmp_path / "personal.csv"
    path.write_text(f"{header}\n{row}\n", encoding="utf-8")
    batch = loaders.read_hr_export(path, b"k", "2025-01")
    assert batch.rows == []
    [q] = batch.quarantine
    assert q["rule"] == "perioden '2025-02' i en leverans för 2025-01"
    assert "1492" not in q["raw"] and "19650617" not in q["raw"]


def test_hr_export_as_excel_gives_the_rows_of_the_csv(tmp_path):
    from openpyxl import Workbook

    header = list(loaders.HR_COLUMNS.values())
    rows = [["2025-01", "19650617-1492", "K", 1965, "121101", "Tillsvidare", "2010-01-01", None,
             100, 168, 16.5, 0, 2, 0, 50000.25],
            ["2025-01", "198805011379", "M", 1988, "121102", "Visstid", "2025-01-16",
             "2025-06-30", 75, 66, 0, 0, 0, 4, 21000]]
    csv_path = tmp_path / "personal.csv"
    csv_path.write_text("\n".join(";".join("" if v is None else str(v).replace(".", ",")
                                            for v in r) for r in [header, *rows]) + "\n",
                        encoding="utf-8")
    book = Workbook()
    book.active.append(header)
    for r in rows:
        book.active.append(r)
    xlsx_path = tmp_path / "personal.xlsx"
    book.save(xlsx_path)
    from_csv = loaders.read_hr_export(csv_path, b"k", "2025-01")
    from_excel = loaders.read_hr_export(xlsx_path, b"k", "2025-01", kind="excel")
    strip = [{k: v for k, v in r.items() if k != "source_file"} for r in from_csv.rows]
    assert [{k: v for k, v in r.items() if k != "source_file"} for r in from_excel.rows] == strip
    assert strip[0]["sick_hours"] == 16.5 and strip[0]["personnel_cost"] == 50000.25
    assert strip[0]["person_key"] == loaders.pseudonym("196506171492", b"k")
    assert strip[1]["person_key"] == loaders.pseudonym("19880501-1379", b"k")


def test_ledger_rows_stream_to_the_warehouse_in_chunks(tmp_path, monkeypatch):
    """A year of a large kommun never sits in memory: rows leave in bounded chunks."""
    vouchers = "".join(
        f'#VER A {n} 20250115 "v{n}"\n{{\n#TRANS 6421 {{1 "E1"}} 10.00\n'
        f"#TRANS 2440 {{}} -10.00\n}}\n" for n in range(1, 251))
    path = tmp_path / "huvudbok.se"
    path.write_bytes(("#FLAGGA 0\n#FORMAT PC8\n#SIETYP 4\n" + vouchers).encode("cp437"))
    monkeypatch.setattr(batches, "CHUNK_ROWS", 100)
    chunks = []
    batch = ledger.read_sie_ledger(path, "2025-01", {"2025-01"}, sink=chunks.append)
    batch.flush()
    assert [len(c) for c in chunks] == [100] * 5
    assert batch.read == batch.loaded == 500 and batch.rows == []
    batch.check_accounting()


def test_kf_decisions_for_the_balanskrav_are_read_or_quarantined_with_the_line(tmp_path):
    from pipelines.ingest.year_end import read_balance_requirement_decisions

    path = tmp_path / "balanskrav_2025.csv"
    path.write_text(
        "År;Post;Belopp;Beslut\n"
        "2025;till_resultatutjamningsreserv;3 500 000,00;KF 2026-04-20 § 52\n"
        "2025;Till_RUR;1000;KF 2026-04-20 § 53\n"
        "2025;fran_resultatutjamningsreserv;-200000;KF 2026-04-20 § 54\n"
        "25;undantag_realisationsvinster;100;\n", encoding="utf-8")
    batch = read_balance_requirement_decisions(path)
    assert [(r["item"], r["amount"], r["decision"]) for r in batch.rows] == [
        ("till_resultatutjamningsreserv", Decimal("3500000"), "KF 2026-04-20 § 52")]
    assert [(q["file"], q["line"]) for q in batch.quarantine] == [
        ("balanskrav_2025.csv", 3), ("balanskrav_2025.csv", 4), ("balanskrav_2025.csv", 5)]
    rules = [q["rule"] for q in batch.quarantine]
    assert rules[0].startswith("posten 'Till_RUR' är inte en av undantag_realisationsvinster")
    assert rules[1].startswith("beloppet '-200000' ska anges utan minustecken")
    assert rules[2] == "året '25' är inte ÅÅÅÅ"
    batch.check_accounting()


def test_an_hr_file_that_is_not_monthly_loads_each_row_into_its_month(tmp_path):
    header = ";".join(loaders.HR_COLUMNS.values())
    row = "{};19650617-1492;K;1965;3050 Äldreomsorg;Tillsvidare;2010-01-01;;100;168;0;0;0;0;1"
    path = tmp_path / "personal_helar.csv"
    path.write_text("\n".join([header, row.format("2010-01"), row.format("201002"),
                               row.format("2009-12")]) + "\n", encoding="utf-8")
    batch = loaders.read_hr_export(path, b"k", None, months={"2010-01", "2010-02"},
                                   code_and_name={"unit_code": "first_word"})
    assert [(r["period"], r["unit_code"]) for r in batch.rows] == [
        ("2010-01", "3050"), ("2010-02", "3050")]
    [q] = batch.quarantine
    assert q["rule"].startswith("radens månad 2009-12 ligger utanför de konfigurerade åren")
    assert "1492" not in q["raw"] + q["rule"]
    batch.check_accounting()


def test_a_ledger_file_read_whole_takes_each_rows_month_from_its_period_column(tmp_path):
    path = tmp_path / "huvudbok_2010.csv"
    path.write_text("Period;KONTO;Belopp\n201003;4010 Material;10,00\n2010-04;4010;5,00\n"
                    ";4010;1,00\n", encoding="utf-8")
    batch = ledger.read_table_ledger(path, "csv", None, {"2010-03", "2010-04"},
                                     columns={"account": "Konto"},  # the heading's case
                                     code_and_name={"account": "leading_digits"})
    assert [(r["period"], r["account"], r["voucher_date"]) for r in batch.rows] == [
        ("2010-03", "4010", None), ("2010-04", "4010", None)]
    [q] = batch.quarantine
    assert q["line"] == 4 and "dess månad går inte att veta" in q["rule"]
    batch.check_accounting()


def test_a_file_read_whole_without_date_or_period_is_refused_in_one_line(tmp_path):
    path = tmp_path / "export.csv"
    path.write_text("Konto;Belopp\n4010;10,00\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"export.csv: rad 1: filen levereras inte per månad"):
        ledger.read_table_ledger(path, "csv", None, {"2010-03"})
    monthly = ledger.read_table_ledger(path, "csv", "2010-03", {"2010-03"})
    assert monthly.rows[0]["period"] == "2010-03"  # a monthly delivery needs no date


def test_an_account_that_is_code_and_name_without_a_rule_says_what_to_set(tmp_path):
    path = tmp_path / "export.csv"
    path.write_text("Konto;Belopp\n46362 Köp medicinskt;10,00\n", encoding="utf-8")
    [q] = ledger.read_table_ledger(path, "csv", "2010-03", {"2010-03"}).quarantine
    assert q["rule"] == ("'46362 Köp medicinskt' är inget kontonummer (cellen har kod och "
                         "namn? ange code_and_name för account)")
