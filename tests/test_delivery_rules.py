"""The delivery rules (expectations/leveranser.yaml) on tiny warehouses and the real SIE files:
a refused (cut) delivery, a delivery far smaller than the one it replaces or than the same
month last year, and a SIE file whose vouchers do not take its #IB to its #UB. Each blocks the
packages of the boards it concerns; what passes is as important as what is flagged."""

import datetime as dt
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from pipelines.ingest import balances, ledger
from pipelines.ingest.raw_tables import ensure_raw_schema, replacing
from pipelines.quality.report import WHOLE_MUNICIPALITY, open_issues
from pipelines.quality.run import run_suite, store
from pipelines.quality.suites import load_suites

DELIVERIES = next(s for s in load_suites() if s.suite == "leverans")
SIE_DIR = Path(__file__).resolve().parents[2] / "shared" / "data" / "sie"
RECEIVED = dt.datetime(2025, 4, 5, 8, 0)


@pytest.fixture
def con():
    con = duckdb.connect()
    ensure_raw_schema(con)
    return con


def organisation(con) -> None:
    con.execute("""insert into raw.org_units (code, name, level, parent_code, valid_from) values
        ('1', 'Kommunen', 'kommun', null, date '2020-01-01'),
        ('N1', 'Barnnämnden', 'nämnd', '1', date '2020-01-01'),
        ('N2', 'Tekniska nämnden', 'nämnd', '1', date '2020-01-01'),
        ('E1', 'Förskola', 'enhet', 'N1', date '2020-01-01'),
        ('E2', 'Gata', 'enhet', 'N2', date '2020-01-01')""")


def delivery(con, status: str, rows: int, received=RECEIVED, period="2025-03",
             file="huvudbok_2025-03.se", source="ledger", refusal=None, replaced_at=None):
    con.execute(
        "insert into raw.deliveries (delivery_id, source, period, file_name, delivered_path, "
        "content_hash, received_at, status, replaced_at, rows_read, rows_loaded, "
        "rows_quarantined, refusal, refusal_line) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, "
        "?)", [f"{source}:{period}:{file}:{status}{rows}", source, period, file,
               f"ekonomi/{file}", f"{status}{rows}", received, status, replaced_at, rows,
               0 if status == "refused" else rows, rows if status == "refused" else 0,
               refusal, 2362 if refusal else None])


def flagged(con, rule: str, period: str = "2025-03") -> list[dict]:
    return [i for i in run_suite(con, DELIVERIES, period).issues if i["rule"] == rule]


def boards_of(con, issues: list[dict]) -> list[str]:
    """The boards whose packages the issues hold back, as the packages see them."""
    store(con, type("O", (), {"results": [], "issues": issues})(), [DELIVERIES], ["2025-03"])
    return sorted(open_issues(con, "2025-04")["board"])


CUT = "filen slutar inne i verifikation LF 5786 (#VER på rad 2362) innan dess block " \
      "avslutas med '}': den är avklippt"


def test_a_refused_delivery_holds_back_every_board_until_it_comes_whole(con):
    organisation(con)
    delivery(con, "current", 1700)
    delivery(con, "refused", 948, RECEIVED + dt.timedelta(days=1), refusal=CUT)
    issues = flagged(con, "leverans.file_whole")
    assert boards_of(con, issues) == ["Barnnämnden", "Tekniska nämnden"]
    assert issues[0]["file"] == "huvudbok_2025-03.se" and issues[0]["line"] == 2362
    assert issues[0]["message_sv"] == (
        f"huvudbok_2025-03.se (mottagen 2025-04-06 08:00) avvisades: {CUT}. Lagret behåller "
        "leveransen från 2025-04-05 08:00 tills dess. Leverera filen hel.")
    # delivered whole: the load closes the refusal
    con.execute("update raw.deliveries set replaced_at = now() where status = 'refused'")
    assert flagged(con, "leverans.file_whole") == []


def test_a_refused_first_delivery_says_its_rows_are_missing(con):
    delivery(con, "refused", 948, refusal=CUT)  # no earlier delivery, no register
    issues = flagged(con, "leverans.file_whole")
    assert boards_of(con, issues) == [WHOLE_MUNICIPALITY]
    assert "Ingen tidigare leverans av filen finns: dess 948 rader saknas i lagret." \
        in issues[0]["message_sv"]
    assert flagged(con, "leverans.file_whole", "2025-04") == []  # another month's


@pytest.mark.parametrize("rows_now, is_flagged", [(1360, False), (1359, True), (0, True)])
def test_a_new_delivery_far_smaller_than_the_one_it_replaces(con, rows_now, is_flagged):
    organisation(con)
    delivery(con, "replaced", 1700, replaced_at=RECEIVED + dt.timedelta(days=1))
    delivery(con, "current", rows_now, RECEIVED + dt.timedelta(days=1))
    issues = flagged(con, "leverans.rows_as_before")
    assert bool(issues) == is_flagged
    if is_flagged:
        assert boards_of(con, issues) == ["Barnnämnden", "Tekniska nämnden"]
        assert issues[0]["message_sv"].startswith(
            f"huvudbok_2025-03.se för 2025-03 har {rows_now} rader mot 1700 i leveransen den "
            "ersatte (2025-04-05 08:00)")


def ledger_rows(con, period: str, ansvar: str, n: int) -> None:
    frame = pd.DataFrame({"period": period, "account": "4000", "ansvar": ansvar,
                          "amount": 1.0, "source_file": f"huvudbok_{period}.se",
                          "source_line": range(1, n + 1)})
    con.register("f", frame)
    con.execute("insert into raw.ledger_transactions by name select * from f")
    con.unregister("f")


def test_a_board_with_far_fewer_rows_than_the_same_month_last_year(con):
    organisation(con)
    delivery(con, "current", 160)
    ledger_rows(con, "2024-03", "E1", 200)  # Barnnämnden: 200 -> 100, flagged
    ledger_rows(con, "2025-03", "E1", 100)
    ledger_rows(con, "2024-03", "E2", 200)  # Tekniska nämnden: 200 -> 140, as expected
    ledger_rows(con, "2025-03", "E2", 140)
    issues = flagged(con, "leverans.rows_as_last_year")
    assert boards_of(con, issues) == ["Barnnämnden"]
    assert issues[0]["message_sv"].startswith(
        "Huvudboken för 2025-03 har 100 rader för Barnnämnden mot 200 i 2024-03")


def test_small_boards_and_months_not_delivered_are_not_compared(con):
    organisation(con)
    ledger_rows(con, "2024-03", "E1", 99)  # too few last year to compare
    ledger_rows(con, "2024-03", "E2", 500)  # 2025-03 not delivered at all yet
    assert flagged(con, "leverans.rows_as_last_year") == []


def balances_of(con, file: str, rows: list[tuple[str, str, float, int]]) -> None:
    frame = pd.DataFrame(rows, columns=["balance_kind", "account", "amount", "source_line"])
    con.register("f", frame.assign(fiscal_year=2025, file_order=1, source_file=file))
    con.execute("insert into raw.account_balances by name select * from f")
    con.unregister("f")


def vouchers(con, file: str, rows: list[tuple[str, str, float]]) -> None:
    frame = pd.DataFrame(rows, columns=["period", "account", "amount"])
    con.register("f", frame.assign(source_file=file, source_line=range(50, 50 + len(frame))))
    con.execute("insert into raw.ledger_transactions by name select * from f")
    con.unregister("f")


YEAR_FILE = [("2025-01", "1930", -300.0), ("2025-01", "4000", 300.0),
             ("2025-03", "1930", 500.0), ("2025-03", "3000", -500.0)]


def test_a_year_file_whose_vouchers_take_ib_to_ub_passes(con):
    balances_of(con, "hb.se", [("IB", "1930", 1000.0, 10), ("UB", "1930", 1200.0, 12),
                               ("IB", "2010", -1000.0, 11), ("UB", "2010", -1000.0, 13)])
    vouchers(con, "hb.se", YEAR_FILE)
    assert flagged(con, "leverans.balances_carried") == []


def test_the_year_result_carried_to_equity_at_closing_is_no_difference(con):
    # result: costs 300 - revenue 500 = -200 (a surplus), carried to 2010 in the #UB
    balances_of(con, "hb.se", [("IB", "1930", 1000.0, 10), ("UB", "1930", 1200.0, 12),
                               ("IB", "2010", -1000.0, 11), ("UB", "2010", -1200.0, 13)])
    vouchers(con, "hb.se", YEAR_FILE)
    assert flagged(con, "leverans.balances_carried") == []


def test_each_account_whose_vouchers_miss_its_ub_is_an_issue(con):
    organisation(con)
    balances_of(con, "hb.se", [("IB", "1930", 1000.0, 10), ("UB", "1930", 1700.0, 12),
                               ("IB", "2010", -1000.0, 11), ("UB", "2010", -1000.0, 13),
                               ("IB", "1510", 0.0, 14), ("UB", "1510", 40.0, 15)])
    vouchers(con, "hb.se", YEAR_FILE)  # +500 on 1930 and +40 on 1510 are missing
    issues = flagged(con, "leverans.balances_carried")
    assert sorted(set(boards_of(con, issues))) == ["Barnnämnden", "Tekniska nämnden"]
    by_account = {i["message_sv"].split("konto ")[1][:4]: i for i in issues}
    assert sorted(by_account) == ["1510", "1930"] and len(issues) == 4  # 2 accounts x 2 boards
    assert by_account["1930"]["line"] == 12 and by_account["1510"]["line"] == 15
    assert by_account["1930"]["message_sv"] == (
        "hb.se: räkenskapsåret 2025-01 – 2025-12, konto 1930: ingående balans 1 000,00 + "
        "filens verifikationer 200,00 ger 1 200,00, men filens #UB är 1 700,00 (skillnad "
        "500,00). Filen kan vara ofullständig: ta ut den på nytt.")


def test_a_file_of_later_months_only_is_not_compared_with_the_year(con):
    balances_of(con, "hb_03.se", [("IB", "1930", 1000.0, 10), ("UB", "1930", 1700.0, 12)])
    vouchers(con, "hb_03.se", YEAR_FILE[2:])  # March only: its #UB is not its vouchers'
    assert flagged(con, "leverans.balances_carried") == []


def load_real(con, name: str) -> list[str]:
    path = SIE_DIR / name
    rows = ledger.read_sie_ledger(path, None, {f"{y}-{m:02d}" for y in range(1990, 2031)
                                               for m in range(1, 13)})
    periods = sorted(set(rows.frame()["period"]))
    with replacing(con, "ledger_transactions", "ledger", periods) as load:
        load.insert(rows.frame())
    with replacing(con, "account_balances", "account_balances") as load:
        load.insert(balances.read_sie_balances(path, set(), 1).frame())
    return periods


@pytest.mark.skipif(not SIE_DIR.is_dir(), reason=f"{SIE_DIR} not found")
@pytest.mark.parametrize("name, accounts", [
    ("jsisie__transaktioner_ovnbolag.se", []),
    ("jsisie__transaktioner_ovnbolag-bad-balance.se", ["1910"]),  # one #TRANS changed
    ("sie-parser-forsslund__SIE4_Exempelfil.SE", []),
    ("jsisie__MAMUT_SIE4_EXPORT.SE", []),
    ("jsisie__BL0001_typ4.SE", []),  # July-June
    ("jsisie__XE_SIE_4_20151125095119.SE", []),  # September-August, year -1 of 26 months
])
def test_real_files_carry_their_balances_or_are_flagged(con, name, accounts):
    periods = load_real(con, name)
    issues = [i for p in periods for i in flagged(con, "leverans.balances_carried", p)]
    assert sorted({i["message_sv"].split("konto ")[1][:4] for i in issues}) == accounts


def write_sie(path: Path, rar: tuple[str, str], balances: list[str],
              vouchers: list[tuple[str, list[tuple[str, str]]]]) -> Path:
    """A small SIE 4 file: #RAR 0, its balance lines, and vouchers (date, [(account, amount)])."""
    lines = ["#FLAGGA 0", '#PROGRAM "Test" 1', "#FORMAT PC8", "#GEN 20250515", "#SIETYP 4",
             '#FNAMN "Bolaget AB"', f"#RAR 0 {rar[0]} {rar[1]}", *balances]
    for number, (day, rows) in enumerate(vouchers, start=1):
        lines += [f'#VER A {number} {day} "Verifikation {number}"', "{",
                  *(f"   #TRANS {account} {{}} {amount}" for account, amount in rows), "}"]
    path.write_text("\n".join(lines) + "\n", encoding="cp437")
    return path


def load_file(con, path: Path, years: set[int]) -> list[str]:
    months = {f"{y}-{m:02d}" for y in range(min(years) - 1, max(years) + 1)
              for m in range(1, 13)}
    rows = ledger.read_sie_ledger(path, None, months)
    periods = sorted(set(rows.frame()["period"]))
    with replacing(con, "ledger_transactions", "ledger", periods) as load:
        load.insert(rows.frame())
    with replacing(con, "account_balances", "account_balances") as load:
        load.insert(balances.read_sie_balances(path, years, 1).frame())
    return periods


BROKEN_YEAR = [("20240510", [("1930", "-300.00"), ("5010", "300.00")]),
               ("20241120", [("1930", "1000.00"), ("3010", "-1000.00")]),
               ("20250305", [("1930", "-112.00"), ("6110", "112.00")])]


def test_a_broken_fiscal_year_is_compared_over_its_own_months(con, tmp_path):
    # May 2024 - April 2025, belonging to 2025: its #UB is #IB + May..April, not January..
    balances = ["#IB 0 1930 5000.00", "#IB 0 2010 -5000.00",
                "#UB 0 1930 5588.00", "#UB 0 2010 -5588.00"]
    whole = write_sie(tmp_path / "bolaget.se", ("20240501", "20250430"), balances, BROKEN_YEAR)
    periods = load_file(con, whole, {2025})
    assert periods[0] == "2024-05"
    assert [i for p in periods for i in flagged(con, "leverans.balances_carried", p)] == []


def test_a_broken_fiscal_year_missing_a_voucher_names_its_months(con, tmp_path):
    balances = ["#IB 0 1930 5000.00", "#IB 0 2010 -5000.00",
                "#UB 0 1930 5700.00", "#UB 0 2010 -5588.00"]  # 1930 without the -112.00
    short = write_sie(tmp_path / "bolaget.se", ("20240501", "20250430"), balances,
                      BROKEN_YEAR)
    periods = load_file(con, short, {2025})
    issues = flagged(con, "leverans.balances_carried", "2025-03")
    assert [i["message_sv"] for i in issues] == [
        "bolaget.se: räkenskapsåret 2024-05 – 2025-04, konto 1930: ingående balans 5 000,00 + "
        "filens verifikationer 588,00 ger 5 588,00, men filens #UB är 5 700,00 (skillnad "
        "112,00). Filen kan vara ofullständig: ta ut den på nytt."]
    assert issues[0]["line"] == 10
    assert "2024-05" in periods


def test_a_year_built_from_monthly_files_is_compared_with_the_year_files_ub(con):
    # twelve monthly files carry the vouchers; the year-end file only the balances
    for month in range(1, 13):
        if month != 7:  # July's delivery never came: the warehouse holds an empty July
            vouchers(con, f"hb_{month:02d}.se", [(f"2025-{month:02d}", "1930", 10.0),
                                                 (f"2025-{month:02d}", "3000", -10.0)])
    vouchers(con, "hb_07.se", [("2025-07", "4000", 0.0)])
    balances_of(con, "bokslut.se", [("IB", "1930", 100.0, 8), ("UB", "1930", 220.0, 9)])
    issues = flagged(con, "leverans.balances_carried", "2025-12")
    assert [i["message_sv"] for i in issues] == [
        "bokslut.se: räkenskapsåret 2025-01 – 2025-12, konto 1930: ingående balans 100,00 + "
        "lagrets verifikationer 110,00 ger 210,00, men filens #UB är 220,00 (skillnad 10,00). "
        "Balansräkningen i lagret stämmer inte med filens: kontrollera att varje månads "
        "leverans är hel."]
