"""The board's document waits for the units' comments: before the tidplan's last day for
them a period's packages are drafts (their workbooks go out to the units), and the day after,
with nothing else changed, a run makes them again as the board's documents."""

import datetime as dt

import duckdb
import pytest

from pipelines import run_state
from pipelines.packages import gate
from pipelines.packages.publish import ISSUED_DDL


@pytest.fixture
def con():
    con = duckdb.connect()
    con.execute("create schema raw; create schema reports")
    con.execute("create table raw.comment_deadlines (period varchar, level varchar, "
                "deadline date, source_file varchar, source_line integer)")
    con.execute("insert into raw.comment_deadlines values "
                "('2025-08', 'aktiviteter', '2025-08-15', 't.yaml', 1), "
                "('2025-08', 'enhet', '2025-09-08', 't.yaml', 2), "
                "('2025-08', 'sektor', '2025-09-15', 't.yaml', 3), "
                "('2025-08', 'styrtal', '2025-09-22', 't.yaml', 4)")
    return con


def test_the_units_comment_until_the_last_of_their_deadlines(con):
    assert gate.comments_due(con, "2025-08", dt.date(2025, 9, 5)) == dt.date(2025, 9, 15)
    assert gate.comments_due(con, "2025-08", dt.date(2025, 9, 15)) == dt.date(2025, 9, 15)
    assert gate.comments_due(con, "2025-08", dt.date(2025, 9, 16)) is None  # goals: not these
    assert gate.comments_due(con, "2025-10", dt.date(2025, 9, 16)) is None  # none in the plan


def test_a_draft_waiting_for_comments_is_made_again_once_their_day_has_passed(con, monkeypatch):
    con.execute(f"create table reports.issued_packages ({ISSUED_DDL})")
    con.execute("insert into reports.issued_packages values ('p1', '2025-08', '12', 'BUN', "
                "false, ?, 'a.xlsx', 'a.pdf', '2025-09-06 08:00')",
                [f"{gate.COMMENTS}: enheterna kommenterar sina avvikelser till och med "
                 "2025-09-15 enligt tidplanen"])

    class Day(dt.date):
        today_is = dt.date(2025, 9, 10)

        @classmethod
        def today(cls):
            return cls.today_is

    monkeypatch.setattr(gate.dt, "date", Day)
    assert not run_state._comments_closed_since(con, ["2025-07", "2025-08"])
    Day.today_is = dt.date(2025, 9, 16)
    assert run_state._comments_closed_since(con, ["2025-07", "2025-08"])
    assert not run_state._comments_closed_since(con, ["2025-09", "2025-10"])
