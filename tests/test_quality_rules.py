"""Single quality rules on tiny warehouses: what each rule flags, and what it lets pass."""

import datetime as dt

import pandas as pd
import pytest

from pipelines.quality.run import is_personal_identity_number, run_suite
from pipelines.quality.suites import load_suites

SUITES = {s.suite: s for s in load_suites()}


@pytest.fixture
def con(tiny_warehouse):
    return tiny_warehouse


def ledger(con, rows: list[tuple]) -> None:
    frame = pd.DataFrame(rows, columns=["account", "activity_code", "counterpart", "amount"])
    frame = frame.assign(period="2025-03", series="KF", voucher_number="1",
                         voucher_date=dt.date(2025, 3, 20), ansvar="E1",
                         source_file="hb.se", source_line=range(10, 10 + len(frame)),
                         voucher_line=9)
    frame.loc[frame["account"] == "1930", ["ansvar", "activity_code"]] = None
    con.register("f", frame)
    con.execute("insert into raw.ledger_transactions by name select * from f")


def flagged(con, suite: str, rule: str) -> list[tuple]:
    issues = run_suite(con, SUITES[suite], "2025-03", include_scans=True).issues
    return [(i["line"], i["message_sv"]) for i in issues if i["rule"] == rule]


def test_fees_may_only_be_booked_on_their_activities(con):
    ledger(con, [("3111", "407", "85", -100), ("3111", "512", "85", -50),
                 ("1930", None, None, 150)])
    [(line, message)] = flagged(con, "kontering", "kontering.account_activity_allowed")
    assert line == 11
    assert message.startswith("Konto 3111 får inte konteras på verksamhet 512")


def test_activity_code_only_on_result_accounts(con):
    ledger(con, [("3111", "407", "85", -100), ("1930", None, None, 100)])
    assert flagged(con, "kontering", "kontering.result_account_on_pl_row") == []
    con.execute("update raw.ledger_transactions set activity_code = '407' where account = '1930'")
    assert [line for line, _ in flagged(con, "kontering",
                                        "kontering.result_account_on_pl_row")] == [11]


def test_a_balanced_clean_voucher_raises_nothing(con):
    ledger(con, [("3111", "407", "85", -100), ("1930", None, None, 100)])
    errors = [i for s in SUITES.values() for i in run_suite(con, s, "2025-03").issues]
    assert errors == []


def test_personnummer_left_in_any_table_is_found(con):
    ledger(con, [("3111", "407", "85", -100), ("1930", None, None, 100)])
    con.execute("update raw.ledger_transactions set voucher_text = 'Faktura 212000-9999'")
    assert flagged(con, "hr", "hr.no_clear_personal_identity_number") == []  # an orgnr
    # a hex fingerprint may hold a run of ten digits: part of it, not a personnummer
    con.execute("update raw.ledger_transactions set voucher_text = 'id 3e6506171492fa'")
    assert flagged(con, "hr", "hr.no_clear_personal_identity_number") == []
    con.execute("update raw.ledger_transactions set voucher_text = 'Lön 19650617-1492 mars'")
    [(_, message)] = flagged(con, "hr", "hr.no_clear_personal_identity_number")
    assert message.startswith("raw.ledger_transactions.voucher_text innehåller 1 värden")


@pytest.mark.parametrize("text, is_pnr", [
    ("19650617-1492", True), ("650617-1492", True), ("196506171492", True),
    ("19650677-1492", False),  # day 77: not a date, not a samordningsnummer
    ("212000-9999", False),  # an organisation number: month 20
    ("19650617-1493", False),  # wrong check digit
])
def test_what_counts_as_a_personnummer(text, is_pnr):
    assert is_personal_identity_number(text) is is_pnr


def book(con, rows: list[tuple[str, str, float]], ansvar: str = "E1") -> None:
    """(period, account, amount) rows, each its own voucher."""
    frame = pd.DataFrame(rows, columns=["period", "account", "amount"])
    frame = frame.assign(
        series="LF", voucher_number=[str(i) for i in range(1, len(frame) + 1)],
        voucher_date=[dt.date(int(p[:4]), int(p[5:]), 15) for p in frame["period"]],
        ansvar=ansvar, counterpart="84", source_file="hb.se",
        source_line=range(10, 10 + len(frame)), voucher_line=range(10, 10 + len(frame)))
    con.register("b", frame)
    con.execute("insert into raw.ledger_transactions by name select * from b")
    con.unregister("b")


def warnings(con, period: str, rule: str) -> list[str]:
    issues = run_suite(con, SUITES["periodisering"], period, include_scans=False).issues
    return [i["message_sv"] for i in issues if i["rule"] == rule and i["severity"] == "warn"]


def test_a_missing_salary_month_is_reported(con):
    book(con, [("2025-02", "5011", 30000), ("2025-04", "5011", 30000)])
    [message] = warnings(con, "2025-03", "periodisering.recurring_costs_present")
    assert message.startswith("Ansvar E1 saknar löner (50xx) i 2025-03")
    book(con, [("2025-03", "5011", 30000)])
    assert warnings(con, "2025-03", "periodisering.recurring_costs_present") == []


def test_a_spike_against_the_units_own_months_is_reported(con):
    book(con, [(f"2025-0{m}", "6421", 10000) for m in range(1, 6)] + [("2025-06", "6421", 250000)])
    [message] = warnings(con, "2025-06", "periodisering.spike")
    assert message.startswith("Ansvar E1 har 250000.00 kr på kontogrupp 64 i 2025-06")
    assert warnings(con, "2025-05", "periodisering.spike") == []


def test_a_large_invoice_at_the_bimonthly_close_is_reported(con):
    book(con, [(f"2025-0{m}", "6611", 20000) for m in range(1, 6)] + [("2025-06", "6611", 600000)])
    [message] = warnings(con, "2025-06", "periodisering.unperiodised_invoice")
    assert "på 600000.00 kr (konto 6611, ansvar E1)" in message
    assert warnings(con, "2025-05", "periodisering.unperiodised_invoice") == []  # odd month


def test_a_voucher_registered_after_the_cutoff_is_in_a_closed_period(con):
    con.execute("insert into raw.follow_up_calendar (period, data_cutoff) values "
                "('2025-04', date '2025-05-06')")
    book(con, [("2025-03", "6421", 100)])
    con.execute("update raw.ledger_transactions set registration_date = date '2025-05-05'")
    rule = "periodisering.booking_date_in_fiscal_year"
    assert flagged(con, "periodisering", rule) == []
    con.execute("update raw.ledger_transactions set registration_date = date '2025-05-07'")
    [(_, message)] = flagged(con, "periodisering", rule)
    assert "registrerades 2025-05-07, efter datauttaget 2025-05-06" in message


def test_a_row_without_a_voucher_is_named_by_its_file_and_line(con):
    """An export of supplier invoices has no series or number: the message once read
    "Rätta ansvaret på verifikation (saknas) (saknas)." on every row."""
    ledger(con, [("3111", "407", "85", -100), ("1930", None, None, 100)])
    con.execute("update raw.ledger_transactions set series = null, voucher_number = null, "
                "source_file = 'leverantorsfakturor.xlsx', ansvar = 'X9' "
                "where account = '3111'")
    [(line, message)] = flagged(con, "kontering", "kontering.ansvar_valid")
    assert line == 10
    assert message.endswith("Rätta ansvaret på raden 10 i leverantorsfakturor.xlsx.")
    assert "(saknas)" not in message
    con.execute("update raw.ledger_transactions set series = 'KF', voucher_number = '1'")
    [(_, message)] = flagged(con, "kontering", "kontering.ansvar_valid")
    assert message.endswith("Rätta ansvaret på verifikation KF 1.")
