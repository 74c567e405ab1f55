"""The controllers' contract: budget_follow_up and its companions on the demo municipality."""

import shutil
from decimal import Decimal

import duckdb
import pytest

from pipelines.defs.quality import reconciliation_differences

pytestmark = pytest.mark.slow

CONTRACT = ["fiscal_year", "period", "org_level", "org_unit_code", "org_unit_name",
            "parent_unit_code", "cost_category", "outcome_ytd", "budget_ytd", "deviation_ytd",
            "budget_annual", "forecast_annual", "forecast_deviation", "outcome_prior_ytd"]


def query(run, sql: str, params=None) -> list[tuple]:
    with duckdb.connect(str(run.warehouse), read_only=True) as con:
        return con.execute(sql, params or []).fetchall()


def test_budget_follow_up_has_the_contract_columns(demo_run):
    columns = [c for (c,) in query(demo_run, "SELECT column_name FROM information_schema.columns"
                                             " WHERE table_schema = 'marts' AND table_name = "
                                             "'budget_follow_up' ORDER BY ordinal_position")]
    assert set(CONTRACT) <= set(columns)
    levels = query(demo_run, "SELECT DISTINCT org_level FROM marts.budget_follow_up ORDER BY 1")
    assert [lv for (lv,) in levels] == ["enhet", "kommun", "nämnd", "sektor", "verksamhet"]


def test_kommun_total_is_the_ledger_and_internal_items_are_eliminated(demo_run):
    [(net,)] = query(demo_run, "SELECT outcome_ytd FROM marts.budget_follow_up WHERE "
                               "org_level = 'kommun' AND fiscal_year = 2025 AND period = 12 AND "
                               "cost_category = 'net'")
    [(ledger,)] = query(demo_run, "SELECT sum(amount) FROM raw.ledger_transactions WHERE "
                                  "period LIKE '2025-%' AND try_cast(account AS INT) "
                                  "BETWEEN 3000 AND 8999")
    assert net == ledger
    assert query(demo_run, "SELECT count(*) FROM marts.budget_follow_up WHERE org_level = "
                           "'kommun' AND cost_category = 'internal_items'") == [(0,)]
    below = query(demo_run, "SELECT count(*) FROM marts.budget_follow_up WHERE org_level = "
                            "'nämnd' AND cost_category = 'internal_items' AND outcome_ytd <> 0")
    assert below[0][0] > 0
    assert query(demo_run, "SELECT sum(outcome_ytd) FROM marts.budget_follow_up WHERE org_level"
                           " = 'nämnd' AND cost_category = 'internal_items' AND fiscal_year = "
                           "2025 AND period = 12") == [(0,)]


def test_unit_that_moved_is_restated_on_the_tree_at_period_end(demo_run):
    moved = query(demo_run, "SELECT org_unit_code FROM marts.org_units GROUP BY 1 "
                            "HAVING count(DISTINCT parent_unit_code) > 1")
    [(code,)] = moved
    parents = dict(query(demo_run, "SELECT period, parent_unit_code FROM marts.budget_follow_up "
                                   "WHERE org_unit_code = ? AND fiscal_year = 2025 AND "
                                   "cost_category = 'net'", [code]))
    assert parents[6] != parents[12]
    # at December the new parent holds the unit's whole year, January to June included
    [(in_new_parent,)] = query(
        demo_run, "SELECT outcome_ytd FROM marts.budget_follow_up WHERE fiscal_year = 2025 AND "
                  "period = 12 AND org_unit_code = ? AND cost_category = 'net'", [code])
    [(booked,)] = query(demo_run, "SELECT sum(amount) FROM raw.ledger_transactions WHERE ansvar "
                                  "= ? AND period LIKE '2025-%' AND try_cast(account AS INT) "
                                  "BETWEEN 3000 AND 8999", [code])
    assert in_new_parent == booked


def test_unknown_ansvar_is_kept_under_its_own_branch(demo_run):
    rows = query(demo_run, "SELECT org_level, org_unit_name FROM marts.budget_follow_up WHERE "
                           "org_unit_code = '119999' AND fiscal_year = 2025 AND period = 12 "
                           "AND cost_category = 'net'")
    assert rows == [("enhet", "Okänt ansvar 119999")]


def test_deviations_pass_their_thresholds_and_are_ranked(demo_run):
    rows = query(demo_run, "SELECT d.org_level, d.deviation_ytd, d.budget_ytd, "
                           "d.forecast_deviation, d.budget_annual, d.deviation_kind, "
                           "t.min_deviation_sek, t.min_deviation_share FROM marts.deviations d "
                           "JOIN seeds.deviation_thresholds t USING (org_level) "
                           "WHERE fiscal_year = 2025 AND period = 8")
    assert rows
    for _level, dev, budget, fdev, annual, kind, sek, share in rows:
        share = Decimal(str(share))
        if "ytd" in kind:
            assert abs(dev) >= sek and (budget == 0 or abs(dev) >= share * abs(budget))
        if "forecast" in kind:
            fdev = Decimal(str(fdev))
            assert abs(fdev) >= sek and (annual == 0 or abs(fdev) >= share * abs(annual))
    ranks = query(demo_run, "SELECT org_level, list(deviation_rank ORDER BY deviation_rank) "
                            "FROM marts.deviations WHERE fiscal_year = 2025 AND period = 8 "
                            "GROUP BY 1")
    for _, ranked in ranks:
        assert ranked == list(range(1, len(ranked) + 1))


def test_forecasts_end_in_the_outcome_and_measure_their_error(demo_run):
    rows = query(demo_run, "SELECT forecast_annual, outcome_ytd, forecast_error FROM "
                           "marts.forecasts WHERE fiscal_year = 2025 AND period = 12 AND "
                           "org_level = 'enhet'")
    assert rows and all(f == o and e == 0 for f, o, e in rows)
    [(complete, errors)] = query(demo_run, "SELECT bool_and(is_year_complete), "
                                           "count(forecast_error) FROM marts.forecasts WHERE "
                                           "fiscal_year = 2025 AND period = 4")
    assert complete and errors > 0


def test_investments_follow_the_ledger_per_project(demo_run):
    by_project = dict(query(demo_run, "SELECT project_code, outcome_ytd FROM "
                                      "marts.investment_follow_up WHERE fiscal_year = 2025 AND "
                                      "period = 12"))
    booked = dict(query(demo_run, "SELECT project, sum(amount) FROM raw.ledger_transactions "
                                  "WHERE project IS NOT NULL AND period LIKE '2025-%' GROUP BY 1"))
    assert by_project == {k: by_project[k] for k in booked} and booked == {
        k: v for k, v in by_project.items() if v}
    names = query(demo_run, "SELECT count(*) FROM marts.investment_follow_up WHERE project_name "
                            "IS NULL")
    assert names == [(0,)]


def test_reconciliation_finds_a_tampered_mart(demo_run, tmp_path):
    copy = tmp_path / "copy.duckdb"
    shutil.copy(demo_run.warehouse, copy)
    with duckdb.connect(str(copy)) as con:
        assert reconciliation_differences(con) == []
        con.execute("UPDATE marts.ledger_transactions SET amount = amount + 1 WHERE "
                    "account = '6421' AND period = '2025-03' AND source_line = (SELECT "
                    "min(source_line) FROM marts.ledger_transactions WHERE account = '6421' "
                    "AND period = '2025-03')")
        differences = reconciliation_differences(con)
    assert len(differences) == 1
    assert differences[0].startswith("2025-03 konto 6421: huvudbok")


def test_dbt_docs_generate_is_the_data_dictionary(demo_run, tmp_path):
    """In its own process, as dbt holds its DuckDB connection for the process's lifetime."""
    import os
    import subprocess

    from pipelines.defs.transform import DBT_DIR, dbt_executable

    result = subprocess.run(
        [dbt_executable(), "--no-send-anonymous-usage-stats", "docs", "generate",
         "--project-dir", str(DBT_DIR), "--profiles-dir", str(DBT_DIR), "--target-path",
         str(tmp_path), "--log-path", str(tmp_path), "--quiet"],
        env={**os.environ, "UPPFOLJNING_WAREHOUSE": str(demo_run.warehouse)},
        capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    assert (tmp_path / "catalog.json").exists() and (tmp_path / "index.html").exists()


def test_unit_opening_later_in_the_year_belongs_to_its_parent_all_year(demo_run):
    [(code, parent)] = query(demo_run, "SELECT org_unit_code, min(parent_unit_code) FROM "
                                       "marts.org_units WHERE org_level = 'enhet' GROUP BY 1 "
                                       "HAVING year(min(valid_from)) = 2025")
    rows = query(demo_run, "SELECT period, parent_unit_code, budget_annual FROM "
                           "marts.budget_follow_up WHERE fiscal_year = 2025 AND "
                           "org_unit_code = ? AND cost_category = 'net' ORDER BY period", [code])
    assert [p for p, _, _ in rows] == list(range(1, 13))
    assert {par for _, par, _ in rows} == {parent}
    assert all(annual > 0 for _, _, annual in rows)
    # the unknown branch holds only ansvar that the register does not know at all
    unknown = query(demo_run, "SELECT DISTINCT f.org_unit_code FROM marts.budget_follow_up f "
                              "WHERE f.org_level = 'enhet' AND f.parent_unit_code = '(okänt)'")
    known = {c for (c,) in query(demo_run, "SELECT org_unit_code FROM marts.org_units")}
    assert unknown and not {c for (c,) in unknown} & known


def test_a_closed_unit_forecasts_nothing_more_than_its_outcome(demo_run):
    [(code, closed_on)] = query(demo_run, """
        SELECT code, max(valid_to) FROM raw.org_units WHERE level = 'enhet' GROUP BY code
        HAVING count(valid_to) = count(*) AND max(valid_to) < DATE '2025-12-31'""")
    assert closed_on.month == 3  # the demo's school that closes on 31 March
    rows = query(demo_run, "SELECT period, outcome_ytd, forecast_baseline FROM marts.forecasts "
                           "WHERE fiscal_year = 2025 AND org_unit_code = ? "
                           "AND cost_category = 'net' ORDER BY period", [code])
    before = [r for r in rows if r[0] < 3]
    after = [r for r in rows if r[0] >= 3]
    assert after and all(outcome == forecast for _, outcome, forecast in after)
    assert any(outcome != forecast for _, outcome, forecast in before)
