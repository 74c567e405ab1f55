"""The same models on PostgreSQL: the demo run with `engine.kind: postgres` gives every mart
of the embedded run row for row, money exact, with the raw layer and its accounting unchanged.

Needs the PostgreSQL server on localhost (skipped with the reason where none answers).
"""

from __future__ import annotations

import os
import shutil
from collections import Counter
from decimal import Decimal
from types import SimpleNamespace

import dagster as dg
import duckdb
import pytest
import yaml

from pipelines.config import DagsterInstance, Engine
from pipelines.defs.transform import dbt_target_env
from pipelines.engines.comparison import mart_columns, rows_on_one_side
from pipelines.engines.postgres import Server, _duckdb_type, postgres_columns
from pipelines.runner import instance_for, instance_settings, run_pipeline

ADMIN = Server(database="postgres")


def fresh_databases(*names: str):
    """Fresh databases on the local server, dropped afterwards."""
    try:
        import psycopg

        admin = psycopg.connect(host=ADMIN.host, port=ADMIN.port, user=ADMIN.user,
                                dbname=ADMIN.database, autocommit=True, connect_timeout=5)
    except Exception as e:  # noqa: BLE001 (any failure to connect means: no server here)
        pytest.skip(f"no PostgreSQL server answers on localhost ({e})")
    names = [f"{name}_{os.getpid()}" for name in names]
    for name in names:
        admin.execute(f"drop database if exists {name}")
        admin.execute(f"create database {name}")
    yield [Server(database=name) for name in names]
    for name in names:
        admin.execute(f"drop database if exists {name} with (force)")
    admin.close()


@pytest.fixture(scope="module")
def databases():
    """The database dbt builds in, and the one the Dagster instance keeps its runs in."""
    yield from fresh_databases("uppfoljning_test", "uppfoljning_test_dagster")


@pytest.fixture(scope="module")
def database(databases):
    return databases[0]


@pytest.fixture(scope="module")
def postgres_run(demo_run, databases, tmp_path_factory):
    """The demo run with dbt on PostgreSQL and the Dagster instance's storage there too."""
    database, instance = databases
    root = tmp_path_factory.mktemp("postgres_run")
    shutil.copytree(demo_run.config.base_dir / "sources", root / "sources")
    config = yaml.safe_load((demo_run.config.base_dir / "uppfoljning.yaml").read_text("utf-8"))
    config["engine"] = {"kind": "postgres", "postgres": {
        "host": database.host, "port": database.port, "user": database.user,
        "database": database.database}}
    config["dagster"] = {"storage": "postgres", "postgres": {"database": instance.database}}
    path = root / "uppfoljning.yaml"
    path.write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
    return run_pipeline(path, packages=False)


@pytest.mark.slow
@pytest.mark.database
def test_every_mart_is_the_embedded_runs_row_for_row(demo_run, postgres_run):
    # the same marts, columns and types; the same rows, every column, money exact
    assert mart_columns(postgres_run.warehouse) == mart_columns(demo_run.warehouse)
    differ = rows_on_one_side(demo_run.warehouse, postgres_run.warehouse)
    assert differ == dict.fromkeys(differ, (0, 0))


@pytest.mark.slow
@pytest.mark.database
def test_the_servers_own_rows_are_exact(demo_run, postgres_run, database):
    # read on the server itself, not through the copy back: the same decimals
    query = ("select fiscal_year, period, org_unit_code, cost_category, outcome_ytd, "
             "budget_ytd, forecast_annual from marts.budget_follow_up")
    with database.connect() as pg:
        server = Counter(tuple(v.normalize() if isinstance(v, Decimal) else v for v in row)
                         for row in pg.execute(query).fetchall())
    with duckdb.connect(str(demo_run.warehouse), read_only=True) as con:
        embedded = Counter(tuple(v.normalize() if isinstance(v, Decimal) else v for v in row)
                           for row in con.execute(query).fetchall())
    assert server == embedded
    assert all(isinstance(row[4], Decimal) for row in server)


@pytest.mark.slow
@pytest.mark.database
def test_the_raw_layer_and_its_accounting_stay_in_the_warehouse(demo_run, postgres_run,
                                                                 database):
    count = "select source, rule, count(*) from raw.quarantine group by 1, 2 order by 1, 2"
    with duckdb.connect(str(demo_run.warehouse), read_only=True) as a, \
            duckdb.connect(str(postgres_run.warehouse), read_only=True) as b:
        assert a.execute(count).fetchall() == b.execute(count).fetchall()
        ledger = "select count(*), sum(amount) from raw.ledger_transactions"
        rows = b.execute(ledger).fetchone()
        assert rows == a.execute(ledger).fetchone()
    with database.connect() as pg:  # and the server built from the same rows
        assert pg.execute(ledger).fetchone() == rows


@pytest.mark.slow
@pytest.mark.database
def test_the_runs_are_recorded_on_the_shared_instance(postgres_run, databases, monkeypatch):
    monkeypatch.delenv("DAGSTER_HOME", raising=False)
    settings = yaml.safe_load(
        (postgres_run.config.base_dir / ".dagster" / "dagster.yaml").read_text("utf-8"))
    db = settings["storage"]["postgres"]["postgres_db"]
    assert db["db_name"] == databases[1].database
    # the password is never in the file: a reference to its variable, where that is set
    assert db.get("password", {"env": "PGPASSWORD"}) == {"env": "PGPASSWORD"}
    assert settings["concurrency"]["pools"]["default_limit"] == 1  # the template's pools
    with instance_for(postgres_run.config) as instance:
        assert type(instance.run_storage).__name__ == "PostgresRunStorage"
        runs = instance.get_runs()
        assert runs and all(run.is_success for run in runs)
        # what a webserver on another machine would show: the run's materialisations
        assert instance.get_latest_materialization_event(
            dg.AssetKey(["marts", "budget_follow_up"])) is not None
    with databases[1].connect() as pg:  # in that database, not in files beside the config
        assert pg.execute("select count(*) from runs").fetchone()[0] == len(runs)


# --- the pieces, without a server ---------------------------------------------------------


def test_raw_columns_in_postgresql_types():
    columns = postgres_columns("ledger_transactions")
    assert "amount numeric(18, 2)" in columns.replace("NOT NULL", "").replace("  ", " ")
    assert "VARCHAR" not in columns and "DOUBLE" not in columns


def test_loose_numerics_keep_the_scale_of_their_values():
    assert _duckdb_type("numeric", None, 2) == "DECIMAL(38, 2)"
    assert _duckdb_type("numeric", 18, 2) == "DECIMAL(18, 2)"
    assert _duckdb_type("double precision", None, None) == "DOUBLE"


def test_dbt_builds_where_the_config_says():
    assert dbt_target_env(None) == {"UPPFOLJNING_DBT_TARGET": "local"}
    env = dbt_target_env(Server(host="db.kommun.se", database="uppf", password="hemligt"))
    assert env["UPPFOLJNING_DBT_TARGET"] == "postgres"
    assert (env["PGHOST"], env["PGDATABASE"], env["PGPASSWORD"]) == (
        "db.kommun.se", "uppf", "hemligt")


def test_the_instance_reads_the_password_from_the_environment(tmp_path, monkeypatch):
    config = SimpleNamespace(dagster=DagsterInstance(storage="postgres", postgres={
        "database": "dagster", "password_env": "DAGSTER_PG"}))
    monkeypatch.delenv("DAGSTER_PG", raising=False)
    assert "password" not in instance_settings(config)
    monkeypatch.setenv("DAGSTER_PG", "hemligt")
    written = instance_settings(config)
    assert "hemligt" not in written
    assert yaml.safe_load(written)["storage"]["postgres"]["postgres_db"]["password"] == {
        "env": "DAGSTER_PG"}


def test_a_postgres_engine_names_its_database():
    with pytest.raises(ValueError, match="engine.postgres"):
        Engine(kind="postgres")
    assert Engine(kind="postgres", postgres={"database": "uppf"}).postgres.port == 5432
