"""Issue 31: no ratio, share or quotient of the dbt models may stop a build.

- dbt's unit tests (`dbt_project/models/**/_*__unit_tests.yml`): every model that divides,
  on small inputs made by hand (extreme, zero, negative and missing), run here with
  `dbt test --select test_type:unit` on a warehouse of their own. The pipeline's builds leave
  them out: dbt_project.yml enables them only with UPPFOLJNING_DBT_UNIT_TESTS=1.
- the reported case end to end: a balanced write-down of 250 000 kr in a month of the demo,
  on a unit whose capital costs were a hundredth of it, through `uppfoljning run`.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest
import yaml

from pipelines.defs.transform import (
    DBT_DIR,
    PERIOD_FROM,
    PERIOD_TO,
    dbt_executable,
    dbt_target_env,
    prepare_manifest,
)
from pipelines.engines.postgres import Server
from pipelines.ingest.raw_tables import ensure_raw_schema

ADMIN = Server(database="postgres")

UNIT_TEST_FILES = sorted(DBT_DIR.glob("models/**/_*__unit_tests.yml"))
UNIT_TESTS = {test["name"]: test["model"] for path in UNIT_TEST_FILES
              for test in yaml.safe_load(path.read_text(encoding="utf-8"))["unit_tests"]}

# a division in a model: one of the macros that divide, or `/` outside comments
DIVIDES = re.compile(r"\b(quotient|percentage|rounded_share|amount_ratio)\(|[^/*]/[^/*]")
# models that compare with a share of an amount without dividing (relative thresholds)
THRESHOLDS = {"deviations"}


def dbt(args: list[str], env: dict[str, str], folder: Path) -> subprocess.CompletedProcess:
    """dbt in its own process (it holds DuckDB's connection for the process's lifetime)."""
    return subprocess.run(
        [dbt_executable(), "--no-send-anonymous-usage-stats", *args, "--project-dir",
         str(DBT_DIR), "--profiles-dir", str(DBT_DIR), "--target-path", str(folder / "target"),
         "--log-path", str(folder / "logs")],
        env=env, capture_output=True, text=True, timeout=600)


def postgres_database(name: str):
    """A fresh database on the local PostgreSQL server, dropped afterwards (skipped where
    no server answers)."""
    try:
        import psycopg

        admin = psycopg.connect(host=ADMIN.host, port=ADMIN.port, user=ADMIN.user,
                                dbname=ADMIN.database, autocommit=True, connect_timeout=5)
    except Exception as e:  # noqa: BLE001 (any failure to connect means: no server here)
        pytest.skip(f"no PostgreSQL server answers on localhost ({e})")
    name = f"{name}_{os.getpid()}"
    admin.execute(f"drop database if exists {name}")
    admin.execute(f"create database {name}")
    try:
        yield Server(database=name)
    finally:
        admin.execute(f"drop database if exists {name} with (force)")
        admin.close()


@pytest.fixture(scope="module", params=["duckdb", pytest.param("postgres",
                                                               marks=pytest.mark.database)])
def unit_test_results(request, tmp_path_factory) -> dict[str, tuple[str, str]]:
    """Each unit test's status and message on the engine, run on an empty warehouse: the
    relations the tests read are built (empty) first, so that dbt knows their columns.
    (Spark gives the same results; its session takes minutes, so it is not run here.)"""
    folder = tmp_path_factory.mktemp(f"dbt_unit_tests_{request.param}")
    warehouse = folder / "unit_tests.duckdb"
    with duckdb.connect(str(warehouse)) as con:
        ensure_raw_schema(con)
    env = {**os.environ, "UPPFOLJNING_WAREHOUSE": str(warehouse),
           "UPPFOLJNING_DBT_UNIT_TESTS": "1", PERIOD_FROM: "", PERIOD_TO: ""}
    server = None
    if request.param == "postgres":
        databases = postgres_database("uppfoljning_unit_tests")
        server = next(databases)
        request.addfinalizer(lambda: next(databases, None))
        server.send_raw(warehouse)  # the raw tables, empty
    env |= dbt_target_env(server)
    # DuckDB builds the relations with --empty; PostgreSQL's --empty cannot alias a ref
    # (`... limit 0) _dbt_limit_subq_x as x`), and the empty raw tables make them empty anyway
    empty = ["--empty"] if server is None else []
    built = dbt(["build", *empty, "--exclude-resource-type", "test", "unit_test", "--quiet"],
                env, folder)
    assert built.returncode == 0, built.stdout[-3000:] + built.stderr[-3000:]
    tested = dbt(["test", "--select", "test_type:unit"], env, folder)
    results = json.loads((folder / "target" / "run_results.json").read_text(encoding="utf-8"))
    out = {r["unique_id"].rsplit(".", 1)[-1]: (r["status"], r["message"] or "")
           for r in results["results"] if r["unique_id"].startswith("unit_test.")}
    assert out, tested.stdout[-3000:] + tested.stderr[-3000:]
    return out


def test_every_model_that_divides_has_unit_tests():
    dividing = set()
    for path in (DBT_DIR / "models").rglob("*.sql"):
        sql = re.sub(r"\{#.*?#\}", "", path.read_text(encoding="utf-8"), flags=re.S)
        sql = re.sub(r"--[^\n]*", "", sql)
        if DIVIDES.search(sql):
            dividing.add(path.stem)
    assert dividing >= {"int_unit_amounts_cumulated", "goal_outcomes",
                        "staff_statistics", "forecasts", "int_employee_months_apportioned",
                        "int_staff_figures_aggregated"}
    assert dividing | THRESHOLDS <= set(UNIT_TESTS.values())


def test_the_pipelines_builds_leave_the_unit_tests_out():
    """The manifest Dagster builds from has them disabled: no run spends time on them."""
    manifest = json.loads(prepare_manifest().read_text(encoding="utf-8"))
    assert manifest["unit_tests"] == {}
    disabled = {node["name"] for nodes in manifest["disabled"].values() for node in nodes
                if node["resource_type"] == "unit_test"}
    assert disabled == set(UNIT_TESTS)


@pytest.mark.parametrize("name", sorted(UNIT_TESTS))
def test_unit_test_passes(name, unit_test_results):
    status, message = unit_test_results.get(name, ("not run", ""))
    assert status == "pass", f"{UNIT_TESTS[name]}::{name}: {status}\n{message}"


# --- the reported case: a write-down a hundred times last year's outcome ------------------

MONTH = "2025-08"
WRITE_DOWN = 250000


def query(warehouse: Path, sql: str, params=None) -> list[tuple]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute(sql, params or []).fetchall()


@pytest.mark.slow
def test_a_write_down_a_hundred_times_last_years_outcome_builds(demo_run, tmp_path):
    """`#TRANS 7921 … 250000.00` / `#TRANS 1229 {} -250000.00` made `uppfoljning run` exit 1
    (Conversion Error: the run rate 112.46 cast to decimal(19, 17)). Now the unit has no run
    rate and forecasts its outcome + the rest of its budget."""
    # a unit whose capital costs January-August last year were under 2 500 kr: the
    # write-down makes this year's more than a hundred times them
    [(unit, prior)] = query(demo_run.warehouse, """
        select org_unit_code, outcome_prior_ytd from marts.budget_follow_up
        where fiscal_year = 2025 and period = 8 and org_level = 'enhet'
            and cost_category = 'capital_costs' and outcome_prior_ytd between 1 and 2500
        order by org_unit_code limit 1""")
    assert (WRITE_DOWN + prior) / prior > 100
    root = demo_run.config.base_dir
    work = tmp_path / "kommun"
    shutil.copytree(root, work, ignore=shutil.ignore_patterns(".dagster"))
    august = work / "sources" / "ekonomi" / "2025" / f"huvudbok_{MONTH}.se"
    text = august.read_bytes().decode("cp437")
    # the unit's own depreciation row of the month gives the objects the voucher carries
    [objects] = set(re.findall(r'#TRANS 7921 (\{1 "' + unit + r'"[^}]*\})', text))
    august.write_bytes((text + (
        f'#VER AVS 9999 {MONTH.replace("-", "")}31 "Nedskrivning inventarier"\n{{\n'
        f"#TRANS 7921 {objects} {WRITE_DOWN}.00\n#TRANS 1229 {{}} -{WRITE_DOWN}.00\n}}\n"
    )).encode("cp437"))

    done = subprocess.run(
        [str(Path(sys.executable).with_name("uppfoljning")), "run", "--config",
         str(work / "uppfoljning.yaml"), "--from", MONTH],
        capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]

    warehouse = work / "warehouse" / "uppfoljning.duckdb"
    sql = """
        select period, f.outcome_ytd, f.outcome_prior_ytd, f.budget_ytd, f.budget_annual,
            f.forecast_annual, forecasts.forecast_baseline, amounts.run_rate
        from marts.budget_follow_up as f
        inner join marts.forecasts using (fiscal_year, period, org_level, org_unit_code,
                                          cost_category)
        inner join main.int_unit_amounts_cumulated as amounts
            using (fiscal_year, period, org_unit_code, cost_category)
        where fiscal_year = 2025 and period >= 8 and org_level = 'enhet'
            and org_unit_code = ? and cost_category = 'capital_costs'
        order by period"""
    before = {r[0]: r for r in query(demo_run.warehouse, sql, [unit])}
    after = query(warehouse, sql, [unit])
    assert [r[0] for r in after] == [8, 9, 10, 11, 12]
    for period, outcome, prior_ytd, budget_ytd, annual, forecast, baseline, run_rate in after:
        assert outcome == before[period][1] + WRITE_DOWN
        assert outcome / prior_ytd >= 100
        assert before[period][7] is not None  # the demo's unit had a run rate
        # no run rate: the budget rule, outcome + the rest of the year's budget
        assert run_rate is None
        assert baseline == forecast == outcome + annual - budget_ytd
    # the rest of the kommun is as it was: the write-down moved the kommun by its amount
    kommun = """select period, outcome_ytd from marts.budget_follow_up where fiscal_year = 2025
                and org_level = 'kommun' and cost_category = 'capital_costs' order by 1"""
    assert [(p, o - (WRITE_DOWN if p >= 8 else 0)) for p, o in query(warehouse, kommun)] \
        == query(demo_run.warehouse, kommun)
    assert isinstance(outcome, Decimal)
