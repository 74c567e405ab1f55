"""Transform area: the dbt project (dbt-duckdb) as Dagster assets; dbt tests become checks.

The arguments passed to dbt are built by `dbt_build_args`, a pure function with unit tests.
"""

import os
import shutil
import sys
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import dagster as dg
from dagster_dbt import DagsterDbtTranslator, DbtCliResource, DbtProject, dbt_assets

from pipelines.partitions import monthly
from pipelines.resources import WAREHOUSE_POOL, Warehouse

REPO = Path(__file__).resolve().parents[2]
DBT_DIR = REPO / "dbt_project"
DBT_TARGET = REPO / "warehouse" / "dbt_target"

dbt_project = DbtProject(project_dir=DBT_DIR, profiles_dir=DBT_DIR, target_path=DBT_TARGET)

def prepare_manifest() -> Path:
    """Parse the dbt project when its manifest is missing or older than a model file."""
    manifest = dbt_project.manifest_path
    sources = [p for p in DBT_DIR.rglob("*") if p.suffix in (".sql", ".yml", ".csv")
               and "target" not in p.parts]
    newest = max((p.stat().st_mtime for p in sources), default=0)
    if not manifest.exists() or manifest.stat().st_mtime < newest:
        from dbt.cli.main import dbtRunner

        result = dbtRunner().invoke(["parse", "--project-dir", str(DBT_DIR), "--profiles-dir",
                                     str(DBT_DIR), "--target-path", str(DBT_TARGET), "--quiet"])
        if not result.success:
            raise RuntimeError(f"dbt parse failed: {result.exception}")
    return manifest

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

def dbt_vars_for(partition_keys: list[str]) -> dict[str, str]:
    """The follow-up periods a run rebuilds, as dbt vars: the first and last month (YYYY-MM)
    of the partitions being materialised (one month, or a backfill range in one run)."""
    months = sorted(partition_keys)
    if not months:
        return {}
    return {"period_from": months[0], "period_to": months[-1]}


class Translator(DagsterDbtTranslator):
    """dbt sources are the ingest assets' raw tables: raw/<table>."""

    def get_asset_key(self, dbt_resource_props: Mapping[str, Any]) -> dg.AssetKey:
        if dbt_resource_props["resource_type"] == "source":
            return dg.AssetKey(["raw", dbt_resource_props["name"]])
        schema = dbt_resource_props.get("config", {}).get("schema") or "main"
        return dg.AssetKey([schema, dbt_resource_props["name"]])

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        return "transform"

@dbt_assets(manifest=prepare_manifest(), project=dbt_project,
            dagster_dbt_translator=Translator(), pool=WAREHOUSE_POOL,
            partitions_def=monthly, backfill_policy=dg.BackfillPolicy.single_run())
def warehouse_models(context: dg.AssetExecutionContext, dbt: DbtCliResource,
                     warehouse: Warehouse) -> Iterator:
    os.environ["UPPFOLJNING_WAREHOUSE"] = warehouse.path  # read by profiles.yml
    args = dbt_build_args(vars_=dbt_vars_for(list(context.partition_keys)))
    yield from dbt.cli(args, context=context).stream()

def dbt_executable() -> str:
    """dbt next to this Python (the project's virtual environment), else on PATH."""
    beside = Path(sys.executable).with_name("dbt")
    return str(beside) if beside.exists() else (shutil.which("dbt") or "dbt")

defs = dg.Definitions(
    assets=[warehouse_models],
    resources={"dbt": DbtCliResource(project_dir=dbt_project, profiles_dir=str(DBT_DIR),
                                     dbt_executable=dbt_executable())},
)
