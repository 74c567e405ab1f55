"""A kommun's own exports, none of them shaped like the demo's: fifteen years of whole-year
SIE files from 2010, a monthly supplier-invoice export in Excel without dates whose account
cells hold code and name, and an org register of the kommun alone. Every row is loaded or
quarantined with its rule and counted, the run says why it makes no packages, and nothing
on the terminal is a stack frame."""

import subprocess
import sys

import duckdb
import openpyxl
import pytest
import yaml

pytestmark = pytest.mark.slow
FIRST, LAST = 2010, 2024
INVOICE_HEADERS = ["RN1/FÖRVALTNING", "LEVERANTÖR", "ORGANISATIO", "FAKT NR", "KONTO", "UTFALL"]


def sie_year(year: int) -> str:
    """A whole year as another ERP writes it: tabs, quoted codes, a voucher per quarter."""
    out = [f'#FLAGGA 0\n#FORMAT PC8\n#SIETYP 4\n#PROGRAM "Annat ERP" 9.1\n'
           f'#RAR 0 {year}0101 {year}1231\n#KONTO 3010 "Försäljning"\n#KONTO 1930 "Bank"\n'
           f'#DIM 1 "Ansvar"\n']
    for n, month in enumerate((1, 4, 7, 10), start=1):
        out.append(f'#VER\tA\t{n}\t{year}{month:02d}15\t"Avgifter"\n{{\n'
                   f'#TRANS\t1930\t{{}}\t{n * 100}.00\n'
                   f'#TRANS\t3010\t{{1 "10"}}\t-{n * 100}.00\n}}\n')
    if year == FIRST:  # what a real file holds too: last year's closing voucher, a broken row
        out.append(f'#VER A 90 {year - 1}1231 "Bokslut"\n{{\n#TRANS 1930 {{}} 5.00\n'
                   f'#TRANS 3010 {{}} -5.00\n}}\n'
                   f'#VER A 91 {year}0520 "Trasig"\n{{\n#TRANS 1930 {{}} 1,00\n'
                   f'#TRANS 3010 {{}} -1.00\n}}\n')
    return "".join(out)


@pytest.fixture(scope="module")
def kommun(tmp_path_factory):
    root = tmp_path_factory.mktemp("egen_kommun")
    (root / "ekonomi" / "2010").mkdir(parents=True)
    for year in range(FIRST, LAST + 1):
        (root / "ekonomi" / f"huvudbok_{year}.se").write_bytes(sie_year(year).encode("cp437"))
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(INVOICE_HEADERS)
    for n in range(1, 41):
        # as Örebro kommun's export has it: the förvaltning's code and name in one cell,
        # ORGANISATIO the supplier's organisationsnummer (never the ansvar)
        sheet.append(["VVV Vård- och omsorgsförvaltningen", "Apotek AB", "556233-2451",
                      7000 + n, "46362 Köp medicinskt färdigbeh", 1234.56 + n])
    sheet.append(["VVV Vård- och omsorgsförvaltningen", "Okänd", "556000-0000", 7999,
                  "Diverse", 99.0])
    book.save(root / "ekonomi" / "2010" / "leverantorsfakturor_2010-03.xlsx")
    (root / "org.csv").write_text("kod;benamning;niva;overordnad_kod\n1;Kommunen;kommun;\n",
                                  encoding="utf-8")
    config = {
        "municipality": "Egna kommunen", "fiscal_year": LAST, "first_year": FIRST,
        "warehouse": "lager/uppfoljning.duckdb", "landing": "lager/landning",
        "reports_output": "rapporter",
        "sources": {
            "org_register": {"type": "csv", "path": "org.csv"},
            "ledger": [
                {"type": "sie", "path": "ekonomi/huvudbok_*.se"},
                {"type": "excel", "path": "ekonomi/{year}/leverantorsfakturor_{period}.xlsx",
                 "columns": {"account": "KONTO", "amount": "UTFALL", "ansvar": "RN1/FÖRVALTNING",
                             "transaction_text": "LEVERANTÖR", "voucher_text": "FAKT NR"},
                 "code_and_name": {"account": "leading_digits", "ansvar": "first_word"}},
            ]}}
    path = root / "uppfoljning.yaml"
    path.write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
    return path


def uppfoljning(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "pipelines.cli", *args], capture_output=True,
                          text=True, timeout=900)


@pytest.fixture(scope="module")
def run(kommun):
    return uppfoljning("run", "--config", str(kommun))


def query(kommun, sql: str):
    with duckdb.connect(str(kommun.parent / "lager" / "uppfoljning.duckdb"),
                        read_only=True) as con:
        return con.execute(sql).fetchall()


def test_check_says_what_will_load_and_that_no_packages_will_be_made(kommun):
    result = uppfoljning("check", "--config", str(kommun))
    assert result.returncode == 0, result.stdout + result.stderr
    out = result.stdout
    assert "leverantorsfakturor_{period}.xlsx" in out and "huvudbok_2010.se" in out
    assert "Ingen budget (sources.budget)" in out
    assert "ansvar i huvudboken finns inte i organisationsregistret" in out
    assert "'…' har ingen kod enligt code_and_name '…'" in out  # the row 'Diverse'
    assert "'…' är inget belopp" in out
    assert "Körningen fungerar." in out
    assert "Traceback" not in out + result.stderr


def test_a_fifteen_year_backfill_runs_and_says_why_there_are_no_packages(run, kommun):
    assert run.returncode == 0, run.stdout + run.stderr
    assert "Traceback" not in run.stdout + run.stderr
    assert run.stderr.strip() == ""  # Dagster's log went to the run's log file
    assert f"{FIRST}-01 – {LAST}-12" in run.stdout
    assert "Inga paket för 2010, 2011" in run.stdout and "ingen budget" in run.stdout
    log = (kommun.parent / "lager" / "last_run.log").read_text(encoding="utf-8")
    assert 'Finished execution of step "raw_ledger_transactions"' in log
    months = query(kommun, "select min(period), max(period), count(distinct period) "
                           "from marts.ledger_transactions")
    assert months == [(f"{FIRST}-01", f"{LAST}-10", 15 * 4 + 1)]  # and March 2010's invoices


def test_every_delivery_accounts_for_every_row(run, kommun):
    deliveries = query(kommun, "select file_name, rows_read, rows_loaded, rows_quarantined "
                               "from raw.deliveries where source = 'ledger'")
    assert len(deliveries) == 16
    # the chart comes from the SIE files' #KONTO: every one of them is a delivery
    assert query(kommun, "select count(*) from raw.deliveries where source = 'accounts'"
                 ) == [(LAST - FIRST + 1,)]
    for name, read, loaded, quarantined in deliveries:
        assert read == loaded + quarantined, name
    by_name = {d[0]: d[1:] for d in deliveries}
    assert by_name["leverantorsfakturor_2010-03.xlsx"] == (41, 40, 1)
    # 2010: 8 rows loaded, last year's 2 rows and the broken voucher's 2 rows not (its #VER
    # line is kept in raw.quarantine as a note of the file, no row)
    assert by_name["huvudbok_2010.se"] == (12, 8, 4)
    rules = dict(query(kommun, "select line, rule from raw.quarantine "
                               "where file = 'huvudbok_2010.se' order by line"))
    assert rules[31] == rules[32] == (  # last year's closing voucher, row by row
        "verifikationens månad 2009-12 ligger utanför de konfigurerade åren (2010–2024, "
        "first_year–fiscal_year)")
    assert rules[36] == "'1,00' är inget belopp"
    assert rules[34].startswith("verifikationen har 1 rad(er) som inte kan läsas")
    [(line, rule)] = query(kommun, "select line, rule from raw.quarantine where "
                                   "file = 'leverantorsfakturor_2010-03.xlsx'")
    assert line == 42 and rule.startswith("'Diverse' har ingen kod enligt code_and_name")


def test_code_and_name_cells_give_the_codes_and_the_month_comes_from_the_path(run, kommun):
    rows = query(kommun, "select period, account, ansvar, voucher_date, amount from "
                         "raw.ledger_transactions where source_file like 'leverantor%' "
                         "order by source_line limit 2")
    assert rows[0][:4] == ("2010-03", "46362", "VVV", None)
    assert str(rows[0][4]) == "1235.56"  # an Excel float, exact to the öre
    # a five-digit account is a sub-account of its Kommun-Bas four: a cost in the RR
    costs = query(kommun, "select period, amount from marts.financial_statements where "
                          "fiscal_year = 2010 and line_code = 'rr_costs' and period in (2, 3)")
    assert sorted((p, str(a)) for p, a in costs) == [(3, "50202.40")]
    follow_up = query(kommun, "select cost_category, outcome_ytd from marts.budget_follow_up "
                              "where fiscal_year = 2010 and period = 3 and org_level = 'kommun'")
    assert ("purchases_of_main_activity", 50202.40) in [(c, float(a)) for c, a in follow_up]


def test_a_run_that_cannot_read_a_delivery_says_so_in_one_line(tmp_path):
    (tmp_path / "ekonomi").mkdir()
    book = openpyxl.Workbook()
    book.active.append(["KONTO", "SUMMA"])
    book.active.append(["4010", 10.0])
    book.save(tmp_path / "ekonomi" / "export_2010-01.xlsx")
    (tmp_path / "org.csv").write_text("kod;benamning;niva;overordnad_kod\n1;K;kommun;\n",
                                      encoding="utf-8")
    config = {"municipality": "K", "fiscal_year": 2010, "warehouse": "w/u.duckdb",
              "sources": {"org_register": {"type": "csv", "path": "org.csv"},
                          "ledger": [{"type": "excel", "path": "ekonomi/export_{period}.xlsx",
                                      "columns": {"account": "KONTO"}}]}}
    path = tmp_path / "uppfoljning.yaml"
    path.write_text(yaml.safe_dump(config), encoding="utf-8")
    result = uppfoljning("run", "--config", str(path))
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "fel: export_2010-01.xlsx: rad 1: kolumn saknas: Belopp (rubriker i filen: KONTO, "
        "SUMMA)"]
    assert result.stdout == ""
    check = uppfoljning("check", "--config", str(path))
    assert check.returncode == 2 and "kolumn saknas: Belopp" in check.stdout
