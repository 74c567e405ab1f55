"""Source freshness (issue 35): every source table says how old its newest delivery may be,
from raw.deliveries (the day the platform received the file) or the day a unit sent its
return, and `dbt source freshness` tells a data engineer which source is late.

The thresholds follow the tidplan: the ledger, its balances and objects and the HR export
come every month (warn after 35 days, error after 70); the units' returns every follow-up
period (70 / 130); goal reports every tertial (130 / 250); budget, goals, Kolada, the org
register, the chart, the tidplan and KF's year-end decisions every year (400 / 760). A source
with no rows at all is an error to dbt: nothing has come (the returns, before the first
follow-up's packages have come back).
"""

from __future__ import annotations

import json
import os
import shutil

import duckdb
import pytest
from test_ratios import dbt

from pipelines.defs.transform import dbt_target_env

pytestmark = pytest.mark.slow


def test_every_source_table_has_a_freshness_rule():
    from test_dbt_structure import manifest

    missing = sorted(f"{s['source_name']}.{s['name']}" for s in manifest()["sources"].values()
                     if not ((s.get("freshness") or {}).get("warn_after") or {}).get("count"))
    assert missing == []


def test_a_late_ledger_warns_and_a_missing_hr_month_errors(demo_run, tmp_path):
    warehouse = tmp_path / "uppfoljning.duckdb"
    shutil.copy(demo_run.warehouse, warehouse)
    with duckdb.connect(str(warehouse)) as con:
        # everything came ten days ago, but the ledger 50 days and the HR export 80
        con.execute("update raw.deliveries set received_at = now()::timestamp - "
                    "(case source when 'ledger' then 50 when 'hr' then 80 else 10 end) "
                    "* interval 1 day")
        # and one return of each kind ten days ago (the demo's run has none: a source with
        # no rows at all is an error to dbt, nothing has come)
        for table in ("deviation_comments", "submitted_forecasts"):
            con.execute(f"insert into raw.{table} (fiscal_year, period, org_unit_code, "
                        "cost_category, submitted_at, source_file, source_line) values "
                        "(2025, 8, 'E1', 'net', now()::timestamp - interval 10 day, 'x', 1)")
        con.execute("insert into raw.returned_goal_statuses (goal_id, period, status, "
                    "submitted_on, source_file, source_line) values "
                    "('M1', 8, 'uppfylls', current_date - 10, 'x', 1)")
    env = {**os.environ, "UPPFOLJNING_WAREHOUSE": str(warehouse)} | dbt_target_env(None)
    checked = dbt(["source", "freshness", "--output", str(tmp_path / "sources.json")], env,
                  tmp_path)
    assert (tmp_path / "sources.json").exists(), checked.stdout[-3000:] + checked.stderr[-2000:]
    results = json.loads((tmp_path / "sources.json").read_text(encoding="utf-8"))["results"]
    status = {r["unique_id"].split(".", 2)[-1]: r["status"] for r in results}
    assert status.pop("ledger.ledger_transactions") == "warn"
    assert status.pop("chart.dimension_objects") == "warn"  # the objects come with the ledger
    assert status.pop("hr.hr_employee_months") == "error"
    assert set(status.values()) == {"pass"}, status
    assert checked.returncode == 1  # an error stops a script that runs it
