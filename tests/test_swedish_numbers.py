"""One reader of Swedish-written numbers for every source (issue 31, item 7): the ledger, the
annual budget, HR, Kolada and KF's balanskrav decisions accept the same forms and refuse the
same forms, each refused row quarantined with its file, line and rule; SIE stays as strict as
its spec; an ERP database's text amounts are read the same way."""

from decimal import Decimal

import openpyxl
import pytest
import yaml

from pipelines.config import ConfigError, load_config
from pipelines.ingest import database, goals, ledger, loaders, year_end
from pipelines.ingest.sie_fields import parse_amount
from pipelines.ingest.tables import parse_decimal_amount, parse_number

# (as written, öre): every form a Swedish export writes an amount in, decimal comma
ACCEPTED = [
    ("1500,00", 150000),
    ("-1 500,00", -150000),
    ("\u22121 500,00", -150000),  # the minus sign U+2212
    ("\u20131 500,00", -150000),  # an en dash
    ("1500,00-", -150000),  # a trailing minus, as some ERP exports write
    ("+1 500,50", 150050),
    ("1\u00a0500,00", 150000),  # no-break space
    ("1\u202f500,00", 150000),  # narrow no-break space
    ("1\u2009500,00", 150000),  # thin space
    ("\u22121\u00a0234\u00a0567,89", -123456789),
    ("1.500,00", 150000),  # '.' between thousands where the decimal is ','
    ("1.234.567", 123456700),
    ("- 1 500", -150000),
    (",50", 50),
    ("7", 700),
]
# (as written, the rule after "'…' är inget belopp: " / "är inte ett tal: "; None: none)
REFUSED = [
    ("1,500.00", "'.' efter decimaltecknet ','"),
    ("1.500", "tvetydigt, '.' kan skilja tusental eller decimaler (decimaltecknet är ','): "
              "skriv talet utan '.'"),
    ("1.5", "decimaltecknet är ',', inte '.'"),
    ("1500.00", "decimaltecknet är ',', inte '.'"),
    ("15 00", "tusentalen ska stå i grupper om tre siffror"),
    ("1 500.000,00", "olika tecken skiljer tusentalen"),
    ("1,5,0", "decimaltecknet ',' står flera gånger"),
    ("(1 500,00)", "parenteser läses inte som minus; skriv -1 500,00"),
    ("-1 500,00-", "både tecken före och minus efter talet"),
    ("1e3", None),
    ("1 500 kr", None),
]


def rule_of(text: str, reason: str | None, what: str) -> str:
    return f"'{text}' {what}" + (f": {reason}" if reason else "")


def written(text: str) -> str:
    """The text as a message shows it (tables.excerpt: odd spaces escaped)."""
    return "".join(c if c.isprintable() else c.encode("unicode_escape").decode() for c in text)


@pytest.mark.parametrize(("text", "ore"), ACCEPTED)
def test_every_swedish_form_is_read_exactly(text, ore):
    assert parse_decimal_amount(text) == ore
    assert parse_number(text) == Decimal(ore) / 100


@pytest.mark.parametrize(("text", "reason"), REFUSED)
def test_what_is_not_a_number_or_is_ambiguous_is_refused_with_the_rule(text, reason):
    with pytest.raises(ValueError) as e:
        parse_decimal_amount(text)
    assert str(e.value) == rule_of(text, reason, "är inget belopp")
    with pytest.raises(ValueError) as e:
        parse_number(text)
    assert str(e.value) == rule_of(text, reason, "är inte ett tal")


def test_a_decimal_point_file_reads_the_mirrored_forms():
    assert parse_decimal_amount("1,500.00", ".") == 150000
    assert parse_decimal_amount("\u22121 500.25", ".") == -150025
    assert parse_decimal_amount("1500.00-", ".") == -150000
    with pytest.raises(ValueError, match=r"tvetydigt, ',' kan skilja tusental"):
        parse_decimal_amount("1,500", ".")
    with pytest.raises(ValueError, match=r"'1.500,00' är inget belopp: ',' efter "
                                         r"decimaltecknet '.'"):
        parse_decimal_amount("1.500,00", ".")


def test_money_has_at_most_two_decimals_other_numbers_keep_theirs():
    assert parse_decimal_amount("12,340") == 1234  # the same value, written to the tenth öre
    with pytest.raises(ValueError, match=r"^'12,345' har fler än två decimaler$"):
        parse_decimal_amount("12,345")
    assert parse_number("0,125") == Decimal("0.125")


def test_a_long_cell_is_shown_as_a_short_escaped_excerpt():
    with pytest.raises(ValueError) as e:
        parse_decimal_amount("\x1b[31m" + "9" * 100)
    assert str(e.value) == "'\\x1b[31m" + "9" * 25 + "…' är inget belopp"


# --- every reader, the same forms -------------------------------------------------------

CASES = [*ACCEPTED, *REFUSED]  # line n + 2 of each file holds CASES[n]


def ledger_file(tmp_path, cells):
    rows = [f"LF;{n};2025-01-15;6421;{cell}" for n, cell in enumerate(cells, start=1)]
    path = tmp_path / "huvudbok.csv"
    path.write_text("\n".join(["Verifikationsserie;Verifikationsnummer;Bokföringsdatum;"
                               "Konto;Belopp", *rows]) + "\n", encoding="utf-8")
    batch = ledger.read_table_ledger(path, "csv", None, {"2025-01"})
    return batch, {r["source_line"]: r["amount_ore"] for r in batch.rows}


def ledger_excel(tmp_path, cells):
    book = openpyxl.Workbook()
    book.active.append(["Bokföringsdatum", "Konto", "Belopp"])
    for cell in cells:
        book.active.append(["2025-01-15", "6421", cell])  # the cells as text, as exported
    path = tmp_path / "huvudbok.xlsx"
    book.save(path)
    batch = ledger.read_table_ledger(path, "excel", None, {"2025-01"})
    return batch, {r["source_line"]: r["amount_ore"] for r in batch.rows}


def budget_file(tmp_path, cells):
    rows = [f"P{n};141101;1181;{cell};jämn" for n, cell in enumerate(cells, start=1)]
    path = tmp_path / "investeringsbudget.csv"
    path.write_text("\n".join(["Projekt;Ansvar;Konto;Budget helår (kr);Periodiseringsnyckel",
                               *rows]) + "\n", encoding="utf-8")
    batch = ledger.read_annual_budget(path, "csv", "antagen", 2025)
    annual: dict[int, int] = {}
    for r in batch.rows:  # twelve months per line, adding up to the line's amount exactly
        annual[r["source_line"]] = annual.get(r["source_line"], 0) + r["amount_ore"]
    return batch, annual


HR_ROW = "2025-01;19650617-1492;K;1965;121101;Tillsvidare;2010-01-01;;100;168;0;0;0;0;{}"


def hr_file(tmp_path, cells):
    path = tmp_path / "personal_2025-01.csv"
    path.write_text("\n".join([";".join(loaders.HR_COLUMNS.values()),
                               *(HR_ROW.format(c) for c in cells)]) + "\n", encoding="utf-8")
    batch = loaders.read_hr_export(path, b"k", "2025-01")
    return batch, {r["source_line"]: round(r["personnel_cost"] * 100) for r in batch.rows}


def kpi_file(tmp_path, cells):
    rows = [f"N15428;1440;2025;T;{cell}" for cell in cells]
    path = tmp_path / "kolada_2025.csv"
    path.write_text("\n".join(["kpi;municipality;period;gender;value", *rows]) + "\n",
                    encoding="utf-8")
    batch = goals.read_kpi_outcomes(path, "csv", ";", "utf-8", ",", municipality_code="1440")
    return batch, {r["source_line"]: round(r["value"] * 100) for r in batch.rows}


READERS = {  # reader -> (the file's name, what a refused cell is called in its rule)
    ledger_file: ("huvudbok.csv", "'{}' är inget belopp"),
    ledger_excel: ("huvudbok.xlsx", "'{}' är inget belopp"),
    budget_file: ("investeringsbudget.csv", "'{}' är inget belopp"),
    hr_file: ("personal_2025-01.csv", "Personalkostnad (kr) '{}' är inget belopp"),
    kpi_file: ("kolada_2025.csv", "value '{}' är inte ett tal"),
}


@pytest.mark.parametrize("reader", READERS, ids=lambda r: r.__name__)
def test_every_reader_accepts_and_refuses_the_same_forms(tmp_path, reader):
    name, what = READERS[reader]
    batch, values = reader(tmp_path, [text for text, _ in CASES])
    assert values == {n + 2: ore for n, (_, ore) in enumerate(ACCEPTED)}
    assert [(q["file"], q["line"], q["rule"]) for q in batch.quarantine] == [
        (name, n + 2, what.format(written(text)) + (f": {reason}" if reason else ""))
        for n, (text, reason) in enumerate(CASES) if n >= len(ACCEPTED)]
    batch.check_accounting()


def test_hr_hours_and_rates_read_the_same_forms(tmp_path):
    header = ";".join(loaders.HR_COLUMNS.values())
    row = ("2025-01;19650617-1492;K;1965;121101;Tillsvidare;2010-01-01;;{};1\u00a0168,5;"
           "\u22122,25;0;3-;0;50 000,00")
    path = tmp_path / "personal_2025-01.csv"
    path.write_text(f"{header}\n{row.format('75,5')}\n{row.format('1.5')}\n", encoding="utf-8")
    batch = loaders.read_hr_export(path, b"k", "2025-01")
    [r] = batch.rows
    assert (r["employment_rate"], r["scheduled_hours"], r["sick_hours"], r["overtime_hours"],
            r["personnel_cost"]) == (75.5, 1168.5, -2.25, -3.0, 50000.0)
    [q] = batch.quarantine
    assert (q["file"], q["line"], q["rule"]) == (
        "personal_2025-01.csv", 3,
        "Sysselsättningsgrad (%) '1.5' är inte ett tal: decimaltecknet är ',', inte '.'")


def test_kf_decisions_read_the_same_forms(tmp_path):
    path = tmp_path / "balanskrav_2025.csv"
    cells = ["3 500 000,00", "3.500.000,00", "3\u00a0500\u00a0000", "+3500000",
             "3500000,00-", "3,500,000.00"]
    path.write_text("År;Post;Belopp;Beslut\n" + "".join(
        f"2025;till_resultatutjamningsreserv;{c};KF\n" for c in cells), encoding="utf-8")
    batch = year_end.read_balance_requirement_decisions(path)
    assert [r["amount"] for r in batch.rows] == [Decimal("3500000")] * 4
    assert [(q["line"], q["rule"]) for q in batch.quarantine] == [
        (6, "beloppet '3500000,00-' ska anges utan minustecken; posten anger riktningen"),
        (7, "beloppet: '3,500,000.00' är inget belopp: decimaltecknet ',' står flera gånger")]


def test_goal_target_values_read_the_same_forms(tmp_path):
    assert goals._number("1 500,5") == 1500.5
    assert goals._number("\u221212,5") == -12.5
    assert goals._number(88) == 88.0
    with pytest.raises(ValueError, match=r"^malvarde '1.5' är inte ett tal: decimaltecknet"):
        goals._number("1.5")


def test_a_kolada_file_in_excel_reads_its_numbers(tmp_path):
    book = openpyxl.Workbook()
    book.active.append(["kpi", "municipality", "period", "gender", "value"])
    book.active.append(["N15428", "1440", 2025, "T", 96.3])
    book.active.append(["N15428", "1440", 2025, "K", "1 500,5"])
    path = tmp_path / "kolada.xlsx"
    book.save(path)
    batch = goals.read_kpi_outcomes(path, "excel", decimal=".", municipality_code="1440")
    assert [r["value"] for r in batch.rows] == [96.3, 1500.5]


def test_an_erp_database_reads_numbers_exactly_and_text_in_the_same_forms():
    assert database._exact(Decimal("1234.50")) == Decimal("1234.50")
    assert database._exact(12.5) == Decimal("12.50")
    assert database._exact(1234) == Decimal("1234.00")
    assert database._exact("\u22121 234.50") == Decimal("-1234.50")
    assert database._exact("1234.50-") == Decimal("-1234.50")
    with pytest.raises(ValueError, match=r"^'10.005' har fler än två decimaler$"):
        database._exact(Decimal("10.005"))
    with pytest.raises(ValueError, match=r"^'1,234' är inget belopp: tvetydigt"):
        database._exact("1,234")


# --- SIE: as strict as its spec ---------------------------------------------------------


@pytest.mark.parametrize(("text", "ore"), [("-1418.02", -141802), ("100", 10000),
                                           ("+5.5", 550), (".5", 50), ("0.10", 10)])
def test_sie_reads_its_own_form(text, ore):
    assert parse_amount(text) == ore


@pytest.mark.parametrize("text", ["\u22121418.02", "1 418.02", "1418,02", "1418.02-",
                                  "(1418.02)", "1,418.02", "--1.00", "1e3", ""])
def test_sie_refuses_every_other_form(text):
    with pytest.raises(ValueError, match=r"^'.*' är inget belopp$"):
        parse_amount(text)


def test_sie_refuses_more_than_two_decimals_as_written():
    with pytest.raises(ValueError, match=r"^'100.000' har fler än två decimaler$"):
        parse_amount("100.000")


# --- the config ---------------------------------------------------------------------------


def test_the_decimal_mark_is_a_comma_or_a_point(tmp_path):
    (tmp_path / "org.csv").write_text("kod;benamning\n", encoding="utf-8")
    path = tmp_path / "uppfoljning.yaml"
    path.write_text(yaml.safe_dump({
        "municipality": "K", "fiscal_year": 2025,
        "sources": {"org_register": {"type": "csv", "path": "org.csv"},
                    "ledger": [{"type": "csv", "path": "org.csv", "decimal": ";"}]}}))
    with pytest.raises(ConfigError, match=r"sources.ledger.0.csv.decimal: ska vara "
                                          r"',' eller '.'"):
        load_config(path)
