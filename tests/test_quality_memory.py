"""The quality step's memory is bounded by a chunk of rows, not by the size of a month: the
month's slice reaches Great Expectations in DataFrames of at most `chunk_rows` rows, and
the results and issues are those of validating the month in one piece (issue 31, item 11)."""

import datetime as dt

import duckdb
import pandas as pd
import pytest

from pipelines.quality.run import run_suite, slice_chunks
from pipelines.quality.suites import load_suites

PERIOD = "2025-03"
RUN_AT = dt.datetime(2026, 1, 1)
FILES = {"hb_a.se": 2000, "hb_b.se": 1500}  # 3,500 rows: in file and line order
# positions in that order, in the first, second and last chunk of 1,000 rows (their edges too)
# (even: an income row on 3111 with ansvar and motpart; odd: its bank row on 1930)
DEFECTS = {0: "kontering.account_exists", 999: "kontering.result_account_on_pl_row",
           1000: "kontering.ansvar_valid", 2500: "kontering.required_dimensions",
           3499: "kontering.account_exists"}


def file_and_line(position: int) -> tuple[str, int]:
    first = FILES["hb_a.se"]
    return ("hb_a.se", 10 + position) if position < first else ("hb_b.se", 10 + position - first)


@pytest.fixture
def con(tiny_warehouse):
    con = tiny_warehouse
    rows = []
    for position in range(sum(FILES.values())):  # balanced vouchers of two rows each
        file, line = file_and_line(position)
        income = position % 2 == 0
        row = {"account": "3111" if income else "1930", "ansvar": "E1" if income else None,
               "counterpart": "85" if income else None, "activity_code": None,
               "amount": -100 if income else 100, "source_file": file, "source_line": line,
               "voucher_number": str(position // 2 + 1), "voucher_line": line - line % 2}
        rule = DEFECTS.get(position)
        if rule == "kontering.account_exists":
            row["account"] = "9999"
        elif rule == "kontering.ansvar_valid":
            row["ansvar"] = "X9"
        elif rule == "kontering.required_dimensions":
            row["counterpart"] = None
        elif rule == "kontering.result_account_on_pl_row":
            row["activity_code"] = "407"
        rows.append(row)
    frame = pd.DataFrame(rows[::-1]).assign(  # stored in another order than the slice's
        period=PERIOD, series="LF", voucher_date=dt.date(2025, 3, 20))
    con.register("month", frame)
    con.execute("insert into raw.ledger_transactions by name select * from month")
    con.unregister("month")
    return con


@pytest.fixture
def handed_to_gx(monkeypatch) -> list[int]:
    """The number of rows of every DataFrame a Great Expectations checkpoint validates."""
    import great_expectations as gx

    sizes: list[int] = []
    run = gx.Checkpoint.run

    def recording(self, batch_parameters=None, *args, **kwargs):
        sizes.append(len(batch_parameters["dataframe"]))
        return run(self, batch_parameters, *args, **kwargs)

    monkeypatch.setattr(gx.Checkpoint, "run", recording)
    return sizes


def test_a_month_reaches_gx_in_chunks_and_gives_what_one_piece_gives(con, handed_to_gx):
    kontering = next(s for s in load_suites() if s.suite == "kontering")
    row_rules = {r.id for r in kontering.rules if r.expectation is not None}

    chunked = run_suite(con, kontering, PERIOD, run_at=RUN_AT, chunk_rows=1000)
    assert handed_to_gx == [1000, 1000, 1000, 500]

    handed_to_gx.clear()
    whole = run_suite(con, kontering, PERIOD, run_at=RUN_AT, chunk_rows=None)
    assert handed_to_gx == [3500]
    assert chunked.results == whole.results
    assert chunked.issues == whole.issues

    # every flagged row, in every chunk, with its file and line
    flagged = {(i["rule"], i["file"], i["line"]) for i in chunked.issues
               if i["rule"] in row_rules}
    assert flagged == {(rule, *file_and_line(p)) for p, rule in DEFECTS.items()}
    last = next(i for i in chunked.issues if i["line"] == file_and_line(3499)[1]
                and i["file"] == "hb_b.se")
    assert last["message_sv"] == ("Konto 9999 finns inte i kontoplanen. Rätta konteringen på "
                                  "verifikation LF 1750.")
    counts = {r["rule"]: (r["element_count"], r["unexpected_count"]) for r in chunked.results
              if r["rule"] in row_rules}
    assert counts == {"kontering.account_exists": (3500, 2), "kontering.ansvar_valid": (3500, 1),
                      "kontering.no_summary_or_blocked_account": (3500, 0),
                      "kontering.required_dimensions": (3500, 1),
                      "kontering.result_account_on_pl_row": (3500, 1)}


@pytest.mark.parametrize("rows, chunk_rows, sizes", [
    (3500, 1000, [1000, 1000, 1000, 500]),
    (3000, 1000, [1000, 1000, 1000]),  # an exact multiple: the third chunk is the last
    (7000, 3000, [3000, 3000, 1000]),  # more than DuckDB's vector of 2,048 rows
    (10, None, [10]),  # None: the whole month in one
    (0, 1000, []),
])
def test_the_slice_comes_in_order_in_chunks_indexed_from_zero(rows, chunk_rows, sizes):
    con = duckdb.connect()
    chunks = list(slice_chunks(con, "select range as n from range($rows) order by n desc",
                               {"rows": rows}, chunk_rows))
    assert [len(c) for c, _, _ in chunks] == sizes
    assert [first for _, first, _ in chunks] == [1 + sum(sizes[:i]) for i in range(len(sizes))]
    assert [last for _, _, last in chunks] == [i == len(sizes) - 1 for i in range(len(sizes))]
    assert all(list(c.index) == list(range(len(c))) for c, _, _ in chunks)
    values = [n for c, _, _ in chunks for n in c["n"]]
    assert values == list(range(rows - 1, -1, -1))
