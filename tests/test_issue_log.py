"""The issue log (quality.issue_log, issue 32): what the quality rules found stays after it
is corrected, with the delivery that corrected it.

On a tiny warehouse: a first run finds a voucher booked on an account the chart lacks, Ekonomi
re-delivers the month (a newer row in raw.deliveries) with the account corrected, and the
second run no longer finds it: the log shows the issue `åtgärdad` by that delivery."""

import datetime as dt
import json

import openpyxl
import pandas as pd
import pytest

from pipelines.quality.issue_log import (
    correction_sentences,
    corrections_of,
    found_and_corrected,
    identity,
    read_log,
)
from pipelines.quality.report import open_issues, write_excel
from pipelines.quality.run import run_suite, store
from pipelines.quality.suites import load_suites

KONTERING = next(s for s in load_suites() if s.suite == "kontering")
PERIOD = "2025-03"
FIRST_RUN = dt.datetime(2025, 4, 6, 9, 0)
REDELIVERED = dt.datetime(2025, 4, 7, 8, 0)
SECOND_RUN = dt.datetime(2025, 4, 7, 9, 0)
ACCOUNT_RULE = "kontering.account_exists"


@pytest.fixture
def con(tiny_warehouse):
    """The tiny kommun with a board (Barnnämnden) over its unit E1, and the month delivered."""
    tiny_warehouse.execute("insert into raw.org_units values ('N1', 'Barnnämnden', 'nämnd', "
                           "'1', date '2020-01-01', null, null, 'org.csv', 4)")
    tiny_warehouse.execute("update raw.org_units set parent_code = 'N1' where code = 'E1'")
    deliver(tiny_warehouse, "d1", dt.datetime(2025, 4, 5, 8, 0))
    return tiny_warehouse


def deliver(con, delivery_id: str, received: dt.datetime, period: str = PERIOD) -> None:
    """A delivery of the month's ledger file; the one before it is replaced."""
    con.execute("update raw.deliveries set status = 'replaced', replaced_at = ? where "
                "status = 'current' and period = ?", [received, period])
    con.execute("insert into raw.deliveries (delivery_id, source, period, file_name, "
                "delivered_path, content_hash, received_at, status) values (?, 'ledger', ?, "
                "'hb.se', 'ekonomi/hb.se', ?, ?, 'current')",
                [delivery_id, period, delivery_id, received])


def ledger(con, fee_account: str = "3111", first_line: int = 10) -> None:
    """The month's ledger: voucher LF 7 (a fee on `fee_account` and the bank), from line
    `first_line` (its #VER line one above)."""
    con.execute("delete from raw.ledger_transactions")
    frame = pd.DataFrame([(fee_account, "407", "85", -100), ("1930", None, None, 100)],
                         columns=["account", "activity_code", "counterpart", "amount"])
    frame = frame.assign(period=PERIOD, series="LF", voucher_number="7",
                         voucher_date=dt.date(2025, 3, 20), ansvar=["E1", None],
                         source_file="hb.se", source_line=[first_line, first_line + 1],
                         voucher_line=first_line - 1)
    frame.loc[frame["account"] == "1930", "activity_code"] = None
    con.register("frame", frame)
    con.execute("insert into raw.ledger_transactions by name select * from frame")
    con.unregister("frame")


def run(con, at: dt.datetime):
    return store(con, run_suite(con, KONTERING, PERIOD, run_at=at), [KONTERING], [PERIOD])


def log(con) -> list[dict]:
    return con.execute("select * from quality.issue_log order by issue_key").df().to_dict(
        "records")


def account_issue(con) -> dict:
    [issue] = [i for i in log(con) if i["rule"] == ACCOUNT_RULE]
    return issue


def test_a_corrected_issue_stays_in_the_log_with_the_delivery_that_corrected_it(con):
    ledger(con, "9999")
    changes = run(con, FIRST_RUN)
    assert changes.new >= 1 and changes.resolved == 0
    found = account_issue(con)
    assert (found["status"], found["file"], found["line"], found["series"],
            found["voucher_number"]) == ("öppen", "hb.se", 10, "LF", "7")
    assert found["first_seen"] == found["last_seen"] == FIRST_RUN and found["runs"] == 1
    assert found["message_sv"].startswith("Konto 9999 finns inte i kontoplanen")

    deliver(con, "d2", REDELIVERED)  # Ekonomi's corrected re-delivery of the month
    ledger(con, "3111")
    changes = run(con, SECOND_RUN)
    assert open_issues(con).empty  # quality.issues: nothing left
    corrected = account_issue(con)  # ... but the log keeps what was found
    assert changes.new == 0 and changes.resolved == len(log(con))
    assert (corrected["status"], corrected["resolved_at"], corrected["resolved_delivery_id"],
            corrected["resolved_file_name"], corrected["resolved_received_at"]) == (
        "åtgärdad", SECOND_RUN, "d2", "hb.se", REDELIVERED)
    assert corrected["first_seen"] == corrected["last_seen"] == FIRST_RUN
    assert (corrected["file"], corrected["line"], corrected["unit"]) == ("hb.se", 10, "E1")


def test_a_rerun_on_unchanged_data_adds_nothing_and_moves_only_last_seen(con):
    ledger(con, "9999")
    run(con, FIRST_RUN)
    before = log(con)
    changes = run(con, FIRST_RUN + dt.timedelta(hours=1))
    after = log(con)
    assert (changes.new, changes.resolved, changes.reopened) == (0, 0, 0)
    assert len(after) == len(before)
    for old, new in zip(before, after, strict=True):
        assert new["last_seen"] == FIRST_RUN + dt.timedelta(hours=1)
        assert new["runs"] == old["runs"] + 1
        moved = {"last_seen", "runs"}
        assert {k: v for k, v in new.items() if k not in moved} == \
            {k: v for k, v in old.items() if k not in moved}
    # a corrected issue stays as it was on later runs
    deliver(con, "d2", REDELIVERED)
    ledger(con, "3111")
    run(con, SECOND_RUN)
    corrected = log(con)
    run(con, SECOND_RUN + dt.timedelta(days=1))
    assert log(con) == corrected


def test_an_issue_seen_again_after_its_correction_is_reopened(con):
    ledger(con, "9999")
    run(con, FIRST_RUN)
    deliver(con, "d2", REDELIVERED)
    ledger(con, "3111")
    run(con, SECOND_RUN)
    deliver(con, "d3", SECOND_RUN + dt.timedelta(days=1))  # the error delivered again
    ledger(con, "9999")
    changes = run(con, SECOND_RUN + dt.timedelta(days=1, hours=1))
    assert changes.reopened >= 1 and changes.new == 0
    issue = account_issue(con)
    assert (issue["status"], issue["reopened"], issue["runs"]) == ("öppen", 1, 2)
    assert issue["first_seen"] == FIRST_RUN
    assert issue["resolved_at"] is pd.NaT and issue["resolved_delivery_id"] is None


def test_the_key_survives_lines_that_move_in_a_corrected_file(con):
    """A row removed above the voucher moves its lines: still the same issue (its voucher
    and its row in the voucher), seen again, not a new one."""
    ledger(con, "9999", first_line=10)
    run(con, FIRST_RUN)
    ledger(con, "9999", first_line=7)
    changes = run(con, SECOND_RUN)
    assert changes.new == 0 and changes.resolved == 0
    issue = account_issue(con)
    assert (issue["line"], issue["runs"], issue["identity"]) == (
        7, 2, "fil=hb.se;ver=LF 7;rad_i_ver=1")


def test_a_rule_skipped_for_lack_of_reference_data_corrects_nothing(con):
    ledger(con, "9999")
    run(con, FIRST_RUN)
    con.execute("delete from raw.accounts")  # no chart: account_exists is skipped
    run(con, SECOND_RUN)
    assert account_issue(con)["status"] == "öppen"


def test_what_identifies_an_issue():
    def detail(**values) -> str:
        return json.dumps(values)

    hr_row = {"rule": "hr.unit_valid", "file": "personal_2025-01.csv", "line": 300,
              "detail": detail(person_key="ab12", unit_code="131299", line="300")}
    assert identity(hr_row, row_rule=True) == "fil=personal_2025-01.csv;person=ab12"
    spike = {"rule": "periodisering.spike", "detail": detail(
        ansvar="121106", account_group="51", period="2024-07", amount="222544.39")}
    assert identity(spike, row_rule=False) == "ansvar=121106;account_group=51"
    balance = {"rule": "kontering.voucher_balances", "file": "hb.se", "line": 790,
               "series": "LF", "voucher_number": "5505", "detail": detail(difference="7400")}
    assert identity(balance, row_rule=False) == "fil=hb.se;ver=LF 5505"
    invoice_row = {"rule": "kontering.account_exists", "file": "lf.xlsx", "line": 12,
                   "detail": detail(account="9999")}  # an export without vouchers
    assert identity(invoice_row, row_rule=True) == "fil=lf.xlsx;rad=12"


def test_found_and_corrected_per_period_and_board_for_the_documents(con):
    ledger(con, "9999")
    run(con, FIRST_RUN)
    deliver(con, "d2", REDELIVERED)
    ledger(con, "3111")
    run(con, SECOND_RUN)
    rows = found_and_corrected(con)
    errors = len(log(con))
    assert rows.to_dict("records") == [{
        "period": PERIOD, "board": "Barnnämnden", "severity": "error", "status": "åtgärdad",
        "issues": errors, "resolved_delivery_id": "d2", "resolved_file_name": "hb.se",
        "resolved_received_at": pd.Timestamp(REDELIVERED),
        "resolved_at": pd.Timestamp(SECOND_RUN)}]
    assert correction_sentences(rows) == [
        f"{errors} fel i mars rättades i leveransen den 2025-04-07"]
    assert found_and_corrected(con, through="2025-02").empty


def test_the_board_document_says_what_was_corrected_and_when(con):
    """A board's document (and the kommun's) says the errors of its year that a later
    delivery corrected; another board's says nothing of them, nor does a period before."""
    ledger(con, "9999")
    run(con, FIRST_RUN)
    deliver(con, "d2", REDELIVERED)
    ledger(con, "3111")
    run(con, SECOND_RUN)
    errors = len(log(con))
    said = [f"{errors} fel i mars rättades i leveransen den 2025-04-07"]
    assert corrections_of(con, "2025-04", "Barnnämnden") == said
    assert corrections_of(con, "2025-04") == said  # the kommun's: every board's
    assert corrections_of(con, "2025-04", "Socialnämnden") == []
    assert corrections_of(con, "2026-04") == []  # another year's document


def test_the_report_shows_what_was_found_and_corrected(con, tmp_path):
    ledger(con, "9999")
    run(con, FIRST_RUN)
    deliver(con, "d2", REDELIVERED)
    ledger(con, "3111")
    run(con, SECOND_RUN)
    path = write_excel(open_issues(con), tmp_path / "datakvalitet.xlsx", read_log(con))
    book = openpyxl.load_workbook(path)
    assert book.sheetnames == ["Sammanställning", "Datakvalitet", "Åtgärdade",
                                "Hittade och rättade"]
    resolved = list(book["Åtgärdade"].values)
    header = resolved[0]
    row = dict(zip(header, [r for r in resolved if ACCOUNT_RULE in r][0], strict=True))
    assert (row["Nämnd"], row["Fil"], row["Rad"], row["Verifikation"],
            row["Rättad i leveransen"]) == ("Barnnämnden", "hb.se", 10, "7", "hb.se")
    assert row["Vad som var fel"].startswith("Konto 9999 finns inte i kontoplanen")
    [_, summary] = list(book["Hittade och rättade"].values)
    assert summary == (PERIOD, "Barnnämnden", "fel", len(log(con)), len(log(con)), 0,
                       "hb.se (2025-04-07)")


@pytest.mark.slow
def test_the_demos_first_run_logs_every_injected_defect_open(demo_run):
    """What the demo's first run found is in the log, open, at its file and line: what the
    second run (after Ekonomi's re-deliveries) marks corrected."""
    import csv
    from pathlib import Path

    import duckdb

    defects = list(csv.DictReader((demo_run.config.base_dir / "sources" / "defects.csv").open(
        encoding="utf-8")))
    with duckdb.connect(str(demo_run.warehouse), read_only=True) as db:
        rows = db.execute("select rule, file, line, status, runs from quality.issue_log "
                          "where severity = 'error'").fetchall()
    logged = {(rule, file, line): (status, runs) for rule, file, line, status, runs in rows}
    assert len(rows) == len(defects)
    assert all(logged.get((d["rule"], Path(d["file"]).name, int(d["line"])))
               == ("öppen", 1) for d in defects)
