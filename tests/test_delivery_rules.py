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


def test_a_file_missing_vouchers_is_flagged_with_its_first_account(con):
    organisation(con)
    balances_of(con, "hb.se", [("IB", "1930", 1000.0, 10), ("UB", "1930", 1700.0, 12),
                               ("IB", "2010", -1000.0, 11), ("UB", "2010", -1000.0, 13)])
    vouchers(con, "hb.se", YEAR_FILE)  # a voucher of +500 on 1930 is missing
    issues = flagged(con, "leverans.balances_carried")
    assert boards_of(con, issues) == ["Barnnämnden", "Tekniska nämnden"]
    assert issues[0]["line"] == 12
    assert issues[0]["message_sv"] == (
        "hb.se: verifikationerna för 2025 för inte filens #IB till dess #UB på 1 konton "
        "(första: konto 1930, #IB 1 000,00 + verifikationer 200,00 ger 1 200,00, men #UB är "
        "1 700,00). Filen kan vara ofullständig: ta ut den på nytt.")


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
])
def test_real_files_carry_their_balances_or_are_flagged(con, name, accounts):
    periods = load_real(con, name)
    issues = [i for p in periods for i in flagged(con, "leverans.balances_carried", p)]
    assert sorted({i["message_sv"].split("konto ")[1][:4] for i in issues}) == accounts
