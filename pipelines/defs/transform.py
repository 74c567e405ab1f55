"""Transform area: the dbt project (dbt-duckdb) as Dagster assets; dbt tests become checks.

The arguments passed to dbt are built by `dbt_build_args` and `dbt_vars_for`, pure functions
with unit tests. dbt writes nothing inside the installed project: the manifest Dagster reads
is parsed once per version of the project into the user's cache folder, and each run's
target, logs and partial-parse state go to `dbt/` beside the config's warehouse, so two
configs never share state and a read-only install works.
"""


import hashlib
import os
import shutil
import sys
import tempfile
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import dagster as dg
from dagster_dbt import DagsterDbtTranslator, DbtCliResource, DbtProject, dbt_assets

from pipelines.config import Config
from pipelines.partitions import Partitions
from pipelines.resources import WAREHOUSE_POOL, Warehouse

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


def dbt_build_args(select: str | None = None, vars_: Mapping[str, Any] | None = None
                   ) -> list[str]:
    """The dbt command of a materialisation: build (run + test) the selected models."""
    args = ["build"]
    if select:
        args += ["--select", select]
    if vars_:
        pairs = ", ".join(f"{k}: {v!r}" for k, v in sorted(vars_.items()))
        args += ["--vars", "{" + pairs + "}"]
    return args


def dbt_vars_for(partition_keys: list[str], also: list[str] = ()) -> dict[str, str]:
    """The follow-up periods a run rebuilds, as dbt vars: the first and last month (YYYY-MM)
    of the partitions being materialised (one month, or a backfill range in one run) and of
    the months a load changed beyond them (`also`: a file read whole, new or corrected)."""
    months = sorted({*partition_keys, *also})
    if not months:
        return {}
    return {"period_from": months[0], "period_to": months[-1]}


def months_to_rebuild(warehouse: Warehouse) -> list[str]:
    """What the loads noted for the next build (raw.months_to_rebuild)."""
    if not os.path.exists(warehouse.path):
        return []
    with warehouse.connect(read_only=True) as con:
        if not con.execute("select count(*) from information_schema.tables where "
                           "table_schema = 'raw' and table_name = 'months_to_rebuild'"
                           ).fetchone()[0]:
            return []
        return [m for (m,) in con.execute(
            "select distinct period from raw.months_to_rebuild").fetchall()]


class Translator(DagsterDbtTranslator):
    """dbt sources are the ingest assets' raw tables: raw/<table>."""

    def get_asset_key(self, dbt_resource_props: Mapping[str, Any]) -> dg.AssetKey:
        if dbt_resource_props["resource_type"] == "source":
            return dg.AssetKey(["raw", dbt_resource_props["name"]])
        schema = dbt_resource_props.get("config", {}).get("schema") or "main"
        return dg.AssetKey([schema, dbt_resource_props["name"]])

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        return "transform"


def dbt_executable() -> str:
    """dbt next to this Python (the project's virtual environment), else on PATH."""
    beside = Path(sys.executable).with_name("dbt")
    return str(beside) if beside.exists() else (shutil.which("dbt") or "dbt")


def build(partitions: Partitions, config: Config | None) -> dg.Definitions:
    """The dbt models over the config's months, writing their state beside its warehouse."""
    target = run_target(config)
    project = DbtProject(project_dir=DBT_DIR, profiles_dir=DBT_DIR, target_path=target)

    @dbt_assets(manifest=prepare_manifest(), project=project,
                dagster_dbt_translator=Translator(), pool=WAREHOUSE_POOL,
                partitions_def=partitions.monthly,
                backfill_policy=dg.BackfillPolicy.single_run())
    def warehouse_models(context: dg.AssetExecutionContext, dbt: DbtCliResource,
                         warehouse: Warehouse) -> Iterator:
        os.environ["UPPFOLJNING_WAREHOUSE"] = warehouse.path  # read by profiles.yml
        pending = months_to_rebuild(warehouse)
        args = dbt_build_args(vars_=dbt_vars_for(list(context.partition_keys), pending))
        yield from dbt.cli(args, context=context, target_path=target).stream()
        if pending:  # built: what the loads noted is done
            with warehouse.connect() as con:
                con.execute("delete from raw.months_to_rebuild where period in "
                            "(select unnest(?))", [pending])

    return dg.Definitions(
        assets=[warehouse_models],
        resources={"dbt": DbtCliResource(project_dir=project, profiles_dir=str(DBT_DIR),
                                         dbt_executable=dbt_executable())})
