"""A data engineer backfills two past years in one run: ledger, HR, marts and packages."""

import duckdb
import pytest
import yaml
from sie_helpers import parse_sie

from pipelines.demo.generator import generate
from pipelines.runner import instance_for, run_pipeline

pytestmark = pytest.mark.slow

YEARS = (2024, 2025)


@pytest.fixture(scope="module")
def backfill(tmp_path_factory):
    """Two demo years as a kommun's archive holds them (monthly files for both years), run
    from January of the first through April of the second."""
    root = tmp_path_factory.mktemp("backfill")
    for year in YEARS:
        generate(root / "sources", size="small", seed=5, year=year, clean=True)
    config = {
        "municipality": "Exempelkommun", "fiscal_year": 2025, "first_year": 2024,
        "demo": True,
        "sources": {
            "org_register": {"type": "csv",
                             "path": "sources/organisation/organisationsregister.csv"},
            "chart_of_accounts": {"type": "csv", "path": "sources/organisation/kontoplan.csv"},
            "ledger": [{"type": "sie", "path": "sources/ekonomi/{year}/huvudbok_{period}.se"}],
            "budget": [{"type": "sie", "path": "sources/budget/{year}/budget_{year}_antagen.se",
                        "version": "antagen"}],
            "hr": [{"type": "csv", "path": "sources/personal/{year}/personal_{period}.csv"}],
            "tidplan": {"path": "sources/tidplan/tidplan_{year}.yaml"},
        },
    }
    path = root / "uppfoljning.yaml"
    path.write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
    return run_pipeline(path, through="2025-04")


def query(run, sql):
    with duckdb.connect(str(run.warehouse), read_only=True) as con:
        return con.execute(sql).fetchall()


def test_the_months_of_both_years_load_in_one_run(backfill):
    assert backfill.months[0] == "2024-01" and backfill.months[-1] == "2025-04"
    with instance_for(backfill.config) as instance:
        runs = instance.get_run_records()
    jobs = sorted(r.dagster_run.job_name for r in runs)
    # one run over 16 months, the packages of the eight periods due included
    assert jobs == ["monthly_load"]


def test_both_years_are_in_the_marts(backfill):
    root = backfill.config.base_dir / "sources" / "ekonomi" / "2024"
    ledger_2024 = sum(t.amount for m in range(1, 13)
                      for _, t in parse_sie(root / f"huvudbok_2024-{m:02d}.se").trans()
                      if 3000 <= int(t.account) <= 8999)
    [(outcome,)] = query(backfill, "SELECT outcome_ytd FROM marts.budget_follow_up WHERE "
                                   "fiscal_year = 2024 AND period = 12 AND org_level = 'kommun' "
                                   "AND cost_category = 'net'")
    internal = query(backfill, "SELECT coalesce(sum(amount), 0) FROM raw.ledger_transactions "
                               "WHERE period LIKE '2024-%' AND counterpart IN ('1','2','3','4') "
                               "AND try_cast(account AS INTEGER) BETWEEN 3000 AND 8999")[0][0]
    assert outcome + internal == ledger_2024  # internal items are eliminated at kommun level
    periods = dict(query(backfill, "SELECT fiscal_year, max(period) FROM "
                                   "marts.staff_statistics GROUP BY 1"))
    assert periods == {2024: 12, 2025: 4}


def test_packages_for_every_follow_up_period_of_the_range(backfill):
    folders = sorted(p.name for p in (backfill.reports / "paket").iterdir())
    assert folders == ["2024-02", "2024-04", "2024-06", "2024-08", "2024-10", "2024-12",
                       "2025-02", "2025-04"]
    for folder in folders:
        assert len(list((backfill.reports / "paket" / folder).rglob("*.xlsx"))) == 7
