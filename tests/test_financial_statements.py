"""The kommun's resultaträkning, balansräkning and kassaflödesanalys: the year balances read
from SIE files (#IB, #UB, #RES), the statements checked against the ledger (RR's årets
resultat = the ledger's result, the BR balances, the KF ends in kassa och bank, årets
resultat is the change in eget kapital), and the tables as the delår and the årsredovisning
print them, adding up as printed."""

import datetime as dt
import io

import duckdb
import pytest
from pypdf import PdfReader

from pipelines.ingest.balances import read_sie_balances
from pipelines.ingest.ledger import read_sie_ledger
from pipelines.ingest.sie import SieReader, YearBalance
from pipelines.packages import content, pdf
from pipelines.packages.figures import in_units
from pipelines.packages.sections import statements

HEADER = """#FLAGGA 0
#SIETYP 4
#RAR 0 20250101 20251231
#RAR -1 20240101 20241231
#KONTO 1930 "Bank"
#KONTO 2010 "Eget kapital"
"""


def sie(tmp_path, body: str, name: str = "balanser.se"):
    path = tmp_path / name
    path.write_text(HEADER + body, encoding="cp437")
    return path


def test_year_balances_are_read_with_their_fiscal_year(tmp_path):
    path = sie(tmp_path, "#IB 0 1930 1000.50\n#IB 0 2010 -1000.50\n#UB -1 1930 1000.50\n"
                         "#RES 0 3011 -12.00 7\n")
    records = [r for r in SieReader(path) if isinstance(r, YearBalance)]
    assert [(r.label, r.year_index, r.account, r.amount_ore) for r in records] == [
        ("IB", 0, "1930", 100050), ("IB", 0, "2010", -100050), ("UB", -1, "1930", 100050),
        ("RES", 0, "3011", -1200)]
    batch = read_sie_balances(path, {2024, 2025}, file_order=3)
    assert [(r["fiscal_year"], r["balance_kind"], r["file_order"]) for r in batch.rows] == [
        (2025, "IB", 3), (2025, "IB", 3), (2024, "UB", 3), (2025, "RES", 3)]
    batch.check_accounting()
    # the first configured year's files carry last year's closing balances: they open it
    first_year = read_sie_balances(path, {2025}, file_order=1)
    assert len(first_year.rows) == 4 and not first_year.quarantine


def test_a_balance_line_that_cannot_be_placed_is_quarantined_with_its_rule(tmp_path):
    path = sie(tmp_path, "#IB 0 1930 1000.00\n#IB -2 1930 5.00\n#UB 0 19x0 1.00\n"
                         "#IB 0 2010\n#VER A 1 20250105 \"x\"\n{\n#TRANS 1930 {} 1.00\n"
                         "#TRANS 2010 {} -1.00\n}\n")
    batch = read_sie_balances(path, {2025}, file_order=1)
    rules = {q["line"]: q["rule"] for q in batch.quarantine}
    assert len(batch.rows) == 1 and batch.read == 4
    assert "räkenskapsår -2 finns inte i filen" in rules[8]
    assert "inget kontonummer" in rules[9]
    assert "för få fält" in rules[10] or "behöver" in rules[10]
    batch.check_accounting()
    # the ledger's load counts none of them: each line is counted once, by its own load
    ledger = read_sie_ledger(path, "2025-01", {"2025-01"})
    assert ledger.loaded == 2 and not ledger.quarantine
    outside = read_sie_balances(path, {2027}, file_order=1)
    assert {q["rule"] for q in outside.quarantine if q["line"] == 7} == {
        "räkenskapsåret 2025 ligger utanför de konfigurerade åren (2027–2027, "
        "first_year–fiscal_year) eller året före dem"}


def statements_of(summary, year: int, period: int):
    with duckdb.connect(str(summary.warehouse), read_only=True) as con:
        return con.execute("select * from marts.financial_statements where fiscal_year = ? "
                           "and period = ?", [year, period]).df().set_index("line_code")


def ledger_sums(summary, year: int, period: int) -> tuple[float, float]:
    """(the result accounts' sum, every row's sum) of the ledger as loaded, year to date."""
    with duckdb.connect(str(summary.warehouse), read_only=True) as con:
        return tuple(float(v) for v in con.execute(
            "select coalesce(sum(amount) filter (try_cast(account as integer) between 3000 "
            "and 8999), 0), coalesce(sum(amount), 0) from raw.ledger_transactions where "
            "period between ? and ?", [f"{year}-01", f"{year}-{period:02d}"]).fetchone())


@pytest.mark.slow
@pytest.mark.parametrize("period", [4, 8, 12])
def test_the_statements_agree_with_the_ledger(clean_run, period):
    lines = statements_of(clean_run, 2025, period)
    amount = lines["amount"].astype(float)
    result, everything = ledger_sums(clean_run, 2025, period)
    assert everything == pytest.approx(0, abs=0.001)  # the clean ledger balances
    assert amount["rr_result"] == pytest.approx(result, abs=0.001)
    assert amount["br_result"] == pytest.approx(result, abs=0.001)
    # summa tillgångar = summa eget kapital, avsättningar och skulder (ledger sign: 0)
    assert amount["br_assets_total"] > 0
    assert amount["br_assets_total"] + amount["br_equity_and_liabilities_total"] == \
        pytest.approx(0, abs=0.001)
    assert amount["kf_cash_closing"] == pytest.approx(amount["br_cash"], abs=0.001)
    assert amount["kf_result"] == pytest.approx(-result, abs=0.001)


@pytest.mark.slow
def test_the_result_is_the_change_in_equity_into_the_next_year(clean_run):
    last_year = statements_of(clean_run, 2024, 12)["amount"].astype(float)
    # last year's closing equity (its result included) is what this year opens with
    with duckdb.connect(str(clean_run.warehouse), read_only=True) as con:
        opening_equity = float(con.execute(
            "select sum(amount) from raw.account_balances where fiscal_year = 2025 and "
            "balance_kind = 'IB' and account like '20%' and file_order = (select max("
            "file_order) from raw.account_balances where fiscal_year = 2025)").fetchone()[0])
    assert last_year["br_equity_total"] == pytest.approx(opening_equity, abs=0.001)
    assert last_year["br_equity_total"] - last_year["br_other_equity"] == pytest.approx(
        last_year["rr_result"], abs=0.001)


@pytest.mark.slow
def test_with_defects_the_balance_sheet_is_off_by_exactly_the_unbalanced_vouchers(demo_run):
    lines = statements_of(demo_run, 2025, 12)["amount"].astype(float)
    _, everything = ledger_sums(demo_run, 2025, 12)
    gap = lines["br_assets_total"] + lines["br_equity_and_liabilities_total"]
    assert gap == pytest.approx(everything, abs=0.001)


def printed_package(summary, period: str, board=None):
    with duckdb.connect(str(summary.warehouse), read_only=True) as con:
        return content.read_package(con, "Exempelkommun", period, board)


@pytest.mark.slow
@pytest.mark.parametrize("period", ["2025-08", "2025-12"])
def test_the_statements_round_each_figure_once_and_share_their_figures(clean_run, period):
    package = printed_package(clean_run, period)
    frame = package.statements[package.statements["fiscal_year"] == package.year]
    printed = statements.printed_statements(frame)
    rr, br = printed["resultatrakning"], printed["balansrakning"]
    exact = frame.set_index(["statement", "line_code"])
    for statement, lines in printed.items():  # every line its own amount, rounded once
        for code, tenths in lines.items():
            row = exact.loc[(statement, code)]
            assert tenths == in_units(float(row["amount"]) * int(row["display_sign"]), 1e5)
    parts = [rr[c] for c in ("rr_revenue", "rr_costs", "rr_internal", "rr_depreciation")]
    assert abs(rr["rr_net_cost"] - sum(parts)) <= 2  # within the parts' roundings
    assert br["br_assets_total"] == br["br_equity_and_liabilities_total"]
    assert br["br_result"] == rr["rr_result"]  # one figure, printed alike in both
    if package.is_year_end:
        kf = printed["kassaflodesanalys"]
        assert kf["kf_result"] == rr["rr_result"] and kf["kf_cash_closing"] == br["br_cash"]


def text_of(data: bytes) -> str:
    return "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(data)).pages)


@pytest.mark.slow
def test_each_variant_prints_the_statements_the_law_asks_of_it(clean_run):
    def text(period, board=None):
        return text_of(pdf.render(printed_package(clean_run, period, board), dt.date(2026, 1, 5)))

    delar, year_end, tertial = text("2025-08"), text("2025-12"), text("2025-04")
    for heading in ("Resultaträkning", "Balansräkning", "God ekonomisk hushållning"):
        assert heading in delar and heading in year_end and heading not in tertial
    assert "Jan–aug 2024" in delar and "2024-08-31" in delar
    assert "Kassaflödesanalys" in year_end and "Kassaflödesanalys" not in delar
    assert "Likvida medel vid periodens slut" in year_end
    assert "finansiella mål nås enligt utfallet för året" in year_end
    assert "Resultaträkning" not in text("2025-08", "12")  # a nämnd's package has none
