"""Transform area: the dbt project (dbt-duckdb; dbt-postgres or dbt-spark by the config's
engine) as Dagster assets; dbt tests become checks.

The arguments passed to dbt are built by `dbt_build_args` and `dbt_env_for`, pure functions
with unit tests. dbt writes nothing inside the installed project: the manifest Dagster reads
is parsed once per version of the project into the user's cache folder, and each run's
target, logs and partial-parse state go to `dbt/` beside the config's warehouse, so two
configs never share state and a read-only install works.
"""


import hashlib
import json
import os
import shutil
import sys
import tempfile
from collections.abc import Iterator
from functools import cached_property
from importlib import metadata
from pathlib import Path

import dagster as dg
from dagster_dbt import DbtCliResource, DbtProject, dbt_assets
from packaging import version

from pipelines.config import Config
from pipelines.defs.dbt_translation import (
    Translator,
    event_key,
    with_table_metadata,
)
from pipelines.engines import BuildEngine
from pipelines.packages.staleness import (
    note_changed_figures,
    stale_packages,
    stale_packages_line,
)
from pipelines.partitions import Partitions, months_made_stale
from pipelines.quality.org_tree import register_problems
from pipelines.resources import WAREHOUSE_POOL, Settings, Warehouse
from pipelines.warehouse_tables import has_table

REPO = Path(__file__).resolve().parents[2]
DBT_DIR = REPO / "dbt_project"
PROJECT_SUFFIXES = (".sql", ".yml", ".yaml", ".csv", ".py")


def project_fingerprint(project_dir: Path = DBT_DIR) -> str:
    """A hash of the dbt project's files: a new version of the project is parsed anew."""
    h = hashlib.sha256()
    for path in sorted(p for p in project_dir.rglob("*") if p.suffix in PROJECT_SUFFIXES
                       and not {"target", "logs", "dbt_packages"} & set(p.parts)):
        h.update(str(path.relative_to(project_dir)).encode())
        h.update(path.read_bytes())
    return h.hexdigest()[:16]


def cache_dir() -> Path:
    """The user's cache folder for Uppföljning (XDG), else the system's temporary folder."""
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    fallback = Path(tempfile.gettempdir()) / f"uppfoljning-{os.getuid()}"
    for folder in (base / "uppfoljning", fallback):
        try:
            folder.mkdir(parents=True, exist_ok=True)
            if os.access(folder, os.W_OK):
                return folder
        except OSError:
            continue
    raise RuntimeError("no writable cache folder for dbt's manifest (set XDG_CACHE_HOME)")


def prepare_manifest() -> Path:
    """The manifest of this version of the dbt project, parsed into the cache when missing."""
    target = cache_dir() / f"dbt-{project_fingerprint()}"
    manifest = target / "manifest.json"
    if not manifest.exists():
        from dbt.cli.main import dbtRunner

        before = os.environ.get("UPPFOLJNING_WAREHOUSE")  # parse opens no warehouse, but
        os.environ["UPPFOLJNING_WAREHOUSE"] = str(target / "parse.duckdb")  # say where
        try:
            result = dbtRunner().invoke([
                "--no-send-anonymous-usage-stats", "parse", "--project-dir", str(DBT_DIR),
                "--profiles-dir", str(DBT_DIR), "--target-path", str(target), "--log-path",
                str(target / "logs"), "--quiet"])
        finally:
            if before is None:
                os.environ.pop("UPPFOLJNING_WAREHOUSE", None)
            else:
                os.environ["UPPFOLJNING_WAREHOUSE"] = before
        if not result.success:
            raise RuntimeError(f"dbt parse failed: {result.exception}")
    return manifest


def run_target(config: Config | None) -> Path:
    """Where a run's dbt target, logs and partial-parse state go: beside the warehouse."""
    if config is None:
        return cache_dir() / "dbt-run"
    return config.warehouse_path.parent / "dbt"


def dbt_build_args(select: str | None = None) -> list[str]:
    """The dbt command of a materialisation: build (run + test) the selected models."""
    args = ["build"]
    if select:
        args += ["--select", select]
    return args


PERIOD_FROM, PERIOD_TO = "UPPFOLJNING_PERIOD_FROM", "UPPFOLJNING_PERIOD_TO"


def dbt_env_for(partition_keys: list[str], also: list[str] = ()) -> dict[str, str]:
    """The follow-up periods a build rebuilds, as the environment of dbt (the macro
    rebuild_window reads it): the first and last month (YYYY-MM) of `partition_keys` and
    `also`. The monthly models pass the window their months make stale
    (partitions.months_made_stale). Empty strings rebuild every period. Not --vars:
    changed vars make dbt parse the whole project anew."""
    months = sorted({*partition_keys, *also})
    return {PERIOD_FROM: months[0] if months else "", PERIOD_TO: months[-1] if months else ""}


def months_to_rebuild(warehouse: Warehouse) -> list[str]:
    """What the loads noted for the next build (raw.months_to_rebuild)."""
    if not os.path.exists(warehouse.path):
        return []
    with warehouse.connect(read_only=True) as con:
        if not has_table(con, "raw", "months_to_rebuild"):
            return []
        return [m for (m,) in con.execute(
            "select distinct period from raw.months_to_rebuild").fetchall()]


def dbt_executable() -> str:
    """dbt next to this Python (the project's virtual environment), else on PATH."""
    beside = Path(sys.executable).with_name("dbt")
    return str(beside) if beside.exists() else (shutil.which("dbt") or "dbt")


class DbtCli(DbtCliResource):
    """dbt-core as installed beside this Python: its version read from the package instead of
    starting `dbt --version` (3 s of every run); dbt found elsewhere is asked as usual."""

    @cached_property
    def _cli_version(self) -> version.Version:
        if Path(self.dbt_executable).parent == Path(sys.executable).parent:
            return version.parse(metadata.version("dbt-core"))
        return super()._cli_version


# what a month means for a model: the ledger's and HR's months flow through it
MONTHLY_MODELS = "source:ledger.ledger_transactions+ source:hr.hr_employee_months+"


def run_dbt(context: dg.AssetExecutionContext, dbt: DbtCliResource, warehouse: Warehouse,
            target: Path, months: list[str], cautious: bool,
            translator: Translator) -> Iterator:
    """`dbt build` of the selected models, its events with row counts, column types and
    column lineage.
    `cautious`: a test runs only with all its models selected (the reference models leave
    the tests that also read monthly models to the monthly build)."""
    engine = warehouse.build_target()
    os.environ.update({"UPPFOLJNING_WAREHOUSE": warehouse.path,  # read by profiles.yml
                       "UPPFOLJNING_DUCKDB_MEMORY_LIMIT": warehouse.memory_limit,
                       "UPPFOLJNING_DUCKDB_THREADS": str(warehouse.threads),
                       "DBT_INDIRECT_SELECTION": "cautious" if cautious else "eager",
                       **dbt_env_for(months),  # the rebuild window, for rebuild_window
                       **dbt_target_env(engine)})
    with warehouse.connect():  # a holder of the file: wait for it here, not fail in dbt
        pass
    if engine is not None:
        sent = engine.send_raw(Path(warehouse.path), warehouse.duckdb_settings())
        context.log.info(f"raw tables sent to {engine.target}: {sent or 'none changed'}")
    events = list(dbt.cli(dbt_build_args(), context=context, target_path=target).stream())
    if engine is not None:  # the marts and seeds this build made, into the warehouse
        relations = translator.relations
        built = [relations[key] for key in (event_key(e, context) for e in events)
                 if key in relations]
        engine.copy_back(Path(warehouse.path), built, warehouse.duckdb_settings())
    # after dbt: it held the write lock. A month's row counts only on monthly models: a
    # reference model run within a range run (the tidplan's mart has a period) has none
    partitioned = context.assets_def.partitions_def is not None and (
        context.has_partition_key or context.has_partition_key_range)
    yield from with_table_metadata(events, warehouse, context, translator, target,
                                   list(context.partition_keys) if partitioned else [])


def tree_is_broken(context: dg.AssetExecutionContext, warehouse: Warehouse) -> bool:
    """Whether the organisation register is broken (org_tree_is_valid says how): then no
    model is built, and its assets show as not run, their data unchanged."""
    if not os.path.exists(warehouse.path):
        return False
    with warehouse.connect(read_only=True) as con:
        problems = register_problems(con)
    if problems:
        context.log.error("Organisationsträdet är trasigt, modellerna byggs inte: "
                          + "; ".join(problems[:5]))
    return bool(problems)


def dbt_target_env(engine: BuildEngine | None) -> dict[str, str]:
    """The profile's target (profiles.yml) and what it reads: the warehouse file's, or a
    server's connection, or a Spark session's folders."""
    if engine is None:
        return {"UPPFOLJNING_DBT_TARGET": "local"}
    return {"UPPFOLJNING_DBT_TARGET": engine.target, **engine.environment(DBT_DIR)}


def build(partitions: Partitions, config: Config | None) -> dg.Definitions:
    """The dbt models: those the ledger's and HR's months flow through, partitioned by the
    config's months; the reference models (seeds, dimensions, budget, goals) unpartitioned.
    Their state is written beside the config's warehouse."""
    target = run_target(config)
    project = DbtProject(project_dir=DBT_DIR, profiles_dir=DBT_DIR, target_path=target)
    manifest = json.loads(prepare_manifest().read_text(encoding="utf-8"))  # read once
    translator = Translator(manifest)

    @dbt_assets(manifest=manifest, project=project, dagster_dbt_translator=translator,
                select=MONTHLY_MODELS, name="monthly_models", pool=WAREHOUSE_POOL,
                partitions_def=partitions.monthly,
                backfill_policy=dg.BackfillPolicy.single_run())
    def monthly_models(context: dg.AssetExecutionContext, dbt: DbtCliResource,
                       warehouse: Warehouse, settings: Settings) -> Iterator:
        if tree_is_broken(context, warehouse):
            return
        pending = months_to_rebuild(warehouse)
        if pending:
            context.log.info("Bygger också om månaderna som en fil läst hel ändrade: "
                             + ", ".join(sorted(pending)) + " (raw.months_to_rebuild)")
        # what the run's months and the loads' notes make stale, not only those months:
        # their years to date and the next year's comparisons (months_made_stale)
        window = months_made_stale([*context.partition_keys, *pending])
        yield from run_dbt(context, dbt, warehouse, target, window, cautious=False,
                           translator=translator)
        with warehouse.connect() as con:
            if pending:  # built: what the loads noted is done
                con.execute("delete from raw.months_to_rebuild where period in "
                            "(select unnest(?))", [pending])
            note_changed_figures(con, window)
            stale = stale_packages(con)
        if stale:
            context.log.warning(stale_packages_line(stale, settings.config_path))

    @dbt_assets(manifest=manifest, project=project, dagster_dbt_translator=translator,
                exclude=MONTHLY_MODELS, name="reference_models", pool=WAREHOUSE_POOL)
    def reference_models(context: dg.AssetExecutionContext, dbt: DbtCliResource,
                         warehouse: Warehouse) -> Iterator:
        if tree_is_broken(context, warehouse):
            return
        yield from run_dbt(context, dbt, warehouse, target, [], cautious=True,
                           translator=translator)

    return dg.Definitions(
        assets=dg.with_source_code_references([reference_models, monthly_models]),
        resources={"dbt": DbtCli(project_dir=project, profiles_dir=str(DBT_DIR),
                                 dbt_executable=dbt_executable())})
