"""A kommun small enough to compute by hand, asserted cell by cell.

    K Lillkommun
    ├── N1 ── S1 ── V1 ── E1, E2 (until 30 June)
    └── N2 ── S2 ── V2 ── E3, E2 (from 1 July)

January: E1 salary 100, E2 material 50, E1 buys meals from E3 for 30 (motpart 2).
July:    E2 material 20, E3 salary 10.
Budget a month: E1 salary 100, E2 material 50, E3 salary 10.
"""

from decimal import Decimal

import duckdb
import pytest
import yaml

from pipelines.runner import run_pipeline

pytestmark = pytest.mark.slow

ORG = """kod;benamning;niva;overordnad_kod;giltig_fran;giltig_till;verksamhetskod
K;Lillkommun;kommun;;2020-01-01;;
N1;Nämnd ett;nämnd;K;2020-01-01;;
N2;Nämnd två;nämnd;K;2020-01-01;;
S1;Sektor ett;sektor;N1;2020-01-01;;
S2;Sektor två;sektor;N2;2020-01-01;;
V1;Verksamhet ett;verksamhet;S1;2020-01-01;;
V2;Verksamhet två;verksamhet;S2;2020-01-01;;
E1;Enhet ett;enhet;V1;2020-01-01;;
E2;Enhet två;enhet;V1;2020-01-01;2025-06-30;
E2;Enhet två;enhet;V2;2025-07-01;;
E3;Enhet tre;enhet;V2;2020-01-01;;
"""
HEADER = """#FLAGGA 0
#FORMAT PC8
#SIETYP 4
#FNAMN "Lillkommun"
#RAR 0 20250101 20251231
#KONTO 1930 "Bank"
#KONTO 2440 "Leverantörsskulder"
#KONTO 3512 "Försäljning av måltider"
#KONTO 5011 "Månadsavlönade"
#KONTO 6412 "Köp av måltider"
#KONTO 6421 "Förbrukningsmaterial"
"""
JANUARY = HEADER + """#VER A 1 20250125 "Lön januari"
{
#TRANS 5011 {1 "E1"} 100.00
#TRANS 1930 {} -100.00
}
#VER A 2 20250115 "Material"
{
#TRANS 6421 {1 "E2" 21 "84"} 50.00
#TRANS 2440 {} -50.00
}
#VER I 1 20250128 "Måltider"
{
#TRANS 6412 {1 "E1" 21 "2"} 30.00
#TRANS 3512 {1 "E3" 21 "2"} -30.00
}
"""
JULY = HEADER + """#VER A 3 20250710 "Material"
{
#TRANS 6421 {1 "E2" 21 "84"} 20.00
#TRANS 2440 {} -20.00
}
#VER A 4 20250725 "Lön juli"
{
#TRANS 5011 {1 "E3"} 10.00
#TRANS 1930 {} -10.00
}
"""


def budget() -> str:
    lines = [HEADER.replace("#SIETYP 4", "#SIETYP 3")]
    for unit, account, sek in (("E1", "5011", 100), ("E2", "6421", 50), ("E3", "5011", 10)):
        lines += [f'#PBUDGET 0 2025{m:02d} {account} {{1 "{unit}"}} {sek}.00\n'
                  for m in range(1, 13)]
    return "".join(lines)


@pytest.fixture(scope="module")
def small_case(tmp_path_factory):
    root = tmp_path_factory.mktemp("lillkommun")
    (root / "org.csv").write_text(ORG, encoding="utf-8")
    (root / "ekonomi").mkdir()
    (root / "ekonomi" / "2025-01.se").write_bytes(JANUARY.encode("cp437"))
    (root / "ekonomi" / "2025-07.se").write_bytes(JULY.encode("cp437"))
    (root / "budget.se").write_bytes(budget().encode("cp437"))
    config = {
        "municipality": "Lillkommun", "fiscal_year": 2025,
        "sources": {
            "org_register": {"type": "csv", "path": "org.csv"},
            "ledger": [{"type": "sie", "path": "ekonomi/{period}.se"}],
            "budget": [{"type": "sie", "path": "budget.se", "version": "antagen"}],
        },
    }
    (root / "uppfoljning.yaml").write_text(yaml.safe_dump(config, allow_unicode=True))
    summary = run_pipeline(root / "uppfoljning.yaml")
    with duckdb.connect(str(summary.warehouse), read_only=True) as con:
        rows = con.execute(
            "SELECT period, org_unit_code, cost_category, outcome_ytd, budget_ytd, "
            "deviation_ytd, budget_annual, forecast_annual, parent_unit_code "
            "FROM marts.budget_follow_up").fetchall()
    return {(r[0], r[1], r[2]): r[3:] for r in rows}, summary


def cell(case, period, unit, category):
    """(outcome YTD, budget YTD, deviation YTD, annual budget, forecast, parent)."""
    values = case[0][(period, unit, category)]
    return tuple(Decimal(str(v)) if not isinstance(v, str) and v is not None else v
                 for v in values)


def test_run_passes_every_check(small_case):
    # but one: only January and July are delivered, and the other months of 2025 are long
    # past their data cut-off (the 12th of the month after each follow-up period)
    assert small_case[1].checks_failed == ["ledger_transactions_on_time"]


def test_january_on_the_january_tree(small_case):
    assert cell(small_case, 1, "E2", "other_costs") == (50, 50, 0, 600, 600, "V1")
    assert cell(small_case, 1, "V1", "other_costs")[:3] == (50, 50, 0)
    assert cell(small_case, 1, "V1", "internal_items")[:2] == (30, 0)
    assert cell(small_case, 1, "V1", "net")[:3] == (180, 150, -30)
    assert cell(small_case, 1, "N2", "internal_items")[:2] == (-30, 0)
    assert cell(small_case, 1, "N2", "net")[:3] == (-30, 10, 40)
    # internal items are eliminated at kommun level: 30 bought, 30 sold
    assert cell(small_case, 1, "K", "net")[:3] == (150, 160, 10)
    assert (1, "K", "internal_items") not in small_case[0]


def test_july_restates_the_moved_unit_for_the_whole_year(small_case):
    # E2 now belongs to V2 and brings its January material with it
    assert cell(small_case, 7, "E2", "other_costs") == (70, 350, 280, 600, 320, "V2")
    assert cell(small_case, 7, "V2", "other_costs")[:3] == (70, 350, 280)
    assert (7, "V1", "other_costs") not in small_case[0]
    assert cell(small_case, 7, "N1", "net")[:3] == (130, 700, 570)
    assert cell(small_case, 7, "N2", "net")[:3] == (50, 420, 370)
    assert cell(small_case, 7, "K", "net")[:4] == (180, 1120, 940, 1920)


def test_june_is_still_on_the_old_tree(small_case):
    assert cell(small_case, 6, "E2", "other_costs")[5] == "V1"
    assert cell(small_case, 6, "V1", "other_costs")[:2] == (50, 300)
    assert (6, "V2", "other_costs") not in small_case[0]


def test_forecast_without_last_year_is_outcome_plus_the_rest_of_the_budget(small_case):
    # E1 salary: 100 booked through July, 5 months of budget left: 100 + 500
    assert cell(small_case, 7, "E1", "personnel")[4] == 600
    # E3 salary: 10 booked, 5 x 10 left
    assert cell(small_case, 7, "E3", "personnel")[4] == 60
    # December: the forecast is the outcome
    assert cell(small_case, 12, "K", "net")[4] == cell(small_case, 12, "K", "net")[0] == 180


def test_rerunning_a_corrected_month_rebuilds_that_follow_up_period(small_case, tmp_path):
    import shutil

    summary = small_case[1]
    root = tmp_path / "lillkommun"
    shutil.copytree(summary.config.base_dir, root, ignore=shutil.ignore_patterns(".dagster"))
    corrected = JULY + '#VER A 5 20250730 "Rättelse"\n{\n#TRANS 6421 {1 "E2" 21 "84"} 5.00\n' \
                       '#TRANS 2440 {} -5.00\n}\n'
    (root / "ekonomi" / "2025-07.se").write_bytes(corrected.encode("cp437"))
    july = run_pipeline(root / "uppfoljning.yaml", from_month="2025-07", through="2025-07")
    assert july.months == ["2025-07"]

    def net(period: int) -> Decimal:
        with duckdb.connect(str(july.warehouse), read_only=True) as con:
            return con.execute("SELECT outcome_ytd FROM marts.budget_follow_up WHERE period = ?"
                               " AND org_unit_code = 'K' AND cost_category = 'net'",
                               [period]).fetchone()[0]

    assert net(7) == 185
    # the later months' year to date, which July's correction makes stale, rebuilt with it
    assert net(8) == net(12) == 185


def test_the_run_reports_each_steps_time(small_case):
    steps = small_case[1].step_seconds
    assert {"raw_ledger_transactions", "reference_models", "monthly_models",
            "quality__issues"} <= set(steps)
    assert all(seconds >= 0 for seconds in steps.values())
    assert steps["monthly_models"] > 0


def test_a_broken_org_register_builds_nothing_and_fails_nothing_that_did_not_run(
        small_case, tmp_path):
    """E3's parent is no unit: the run ends with that, in Swedish; the models were not built
    (the marts keep what they had) and Dagster shows them as not run, not as failed."""
    import shutil

    import dagster as dg

    from pipelines.runner import RunFailed

    root = tmp_path / "lillkommun"
    shutil.copytree(small_case[1].config.base_dir, root)
    (root / "org.csv").write_text(ORG.replace("E3;Enhet tre;enhet;V2", "E3;Enhet tre;enhet;V9"),
                                  encoding="utf-8")
    warehouse = root / small_case[1].warehouse.relative_to(small_case[1].config.base_dir)
    with duckdb.connect(str(warehouse), read_only=True) as con:
        before = con.execute("select count(*), sum(outcome_ytd) from marts.budget_follow_up"
                             ).fetchone()
    with pytest.raises(RunFailed) as failed:
        run_pipeline(root / "uppfoljning.yaml")
    assert failed.value.bad_input
    assert failed.value.problems[0] == (
        "organisationsregistret: E3: överordnad enhet V9 finns inte medan enheten gäller")
    with duckdb.connect(str(warehouse), read_only=True) as con:
        assert con.execute("select count(*), sum(outcome_ytd) from marts.budget_follow_up"
                           ).fetchone() == before
    with dg.DagsterInstance.from_config(str(root / ".dagster")) as instance:
        [run] = instance.get_runs(limit=1)
        failures = instance.all_logs(run.run_id, of_type=dg.DagsterEventType.STEP_FAILURE)
        marts = [e for e in instance.all_logs(
            run.run_id, of_type=dg.DagsterEventType.ASSET_MATERIALIZATION)
            if e.dagster_event.asset_key.path[0] == "marts"]
    assert run.status == dg.DagsterRunStatus.SUCCESS and failures == [] and marts == []
