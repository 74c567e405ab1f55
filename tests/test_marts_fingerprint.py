"""The marts of the demo, row for row, against a fingerprint taken before the dbt project's
refactors of issue 35 (`tests/fixtures/marts_fingerprint.json`): a change of structure that
changes a figure, a row or a column fails here, naming the mart.

A change that is meant to change the marts updates the fingerprint in the same commit:

    python tests/test_marts_fingerprint.py <warehouse of a demo run>  > tests/fixtures/...

Each mart's fingerprint is its row count and the MD5 of its rows as text, sorted; DOUBLE
columns (percentages, shares) are rounded to six decimals first, so that the last bit of a
quotient on another CPU does not count as a change.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import duckdb
import pytest

FINGERPRINT = Path(__file__).with_name("fixtures") / "marts_fingerprint.json"


def fingerprint(con: duckdb.DuckDBPyConnection) -> dict[str, list]:
    out = {}
    tables = [t for (t,) in con.execute(
        "select table_name from information_schema.tables where table_schema = 'marts' "
        "order by 1").fetchall()]
    for table in tables:
        columns = [f'round("{c}", 6)' if kind in ("DOUBLE", "FLOAT", "REAL") else f'"{c}"'
                   for c, kind in con.execute(
                       "select column_name, data_type from information_schema.columns "
                       "where table_schema = 'marts' and table_name = ? order by ordinal_position",
                       [table]).fetchall()]
        rows, digest = con.execute(
            f"with t as (select {', '.join(columns)} from marts.{table}), "
            "r as (select t::varchar as line from t) "
            "select count(*), md5(coalesce(string_agg(line, chr(10) order by line), '')) "
            "from r").fetchone()
        out[table] = [rows, digest]
    return out


@pytest.mark.slow
def test_the_demos_marts_are_unchanged_row_for_row(demo_run):
    expected = json.loads(FINGERPRINT.read_text(encoding="utf-8"))
    with duckdb.connect(str(demo_run.warehouse), read_only=True) as con:
        actual = fingerprint(con)
    changed = {t: (expected.get(t), actual.get(t)) for t in expected.keys() | actual.keys()
               if expected.get(t) != actual.get(t)}
    assert not changed, f"marts changed (expected, now): {changed}"


if __name__ == "__main__":
    with duckdb.connect(sys.argv[1], read_only=True) as con:
        print(json.dumps(fingerprint(con), indent=1, sort_keys=True))
