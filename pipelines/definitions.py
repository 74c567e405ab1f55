"""The one Dagster entry point: the per-area modules (each `defs/<area>.py` returns its own
`dg.Definitions`) merged, with resources by environment, built lazily (`defs`).

The partitions come from the config (`first_year` … `fiscal_year`): its months, and the
follow-up periods of exactly those years. Without a config (a first look at the graph) they
are those of the current year.

Every job, the UI's own asset launches included, runs its steps in the run's process
(`in_process_executor`): the steps that touch the warehouse run one at a time anyway (DuckDB
has one writer; the pool `duckdb_warehouse` has limit 1), and a process per step cost more
than the steps' work (a one-month run 209 s, of which the steps 31 s).
"""

from __future__ import annotations

import os
import warnings

import dagster as dg

from pipelines.config import Config, config_path_from_env, load_config
from pipelines.defs import (
    ingest,
    monthly_loads,
    opendata,
    quality,
    reports,
    timeliness,
    transform,
)
from pipelines.partitions import default_years, partitions_for
from pipelines.resources import resources_for_env
from pipelines.schedules import comment_reminders_job, monthly_load_job
from pipelines.tidplan_schedules import automations

# The rule families' checks are partitioned by month (pipelines/defs/quality.py), which
# Dagster 1.13 calls a preview: said once here, not on every load of the UI.
warnings.filterwarnings("ignore", message="Specifying a partitions_def on an AssetCheckSpec",
                        category=dg.PreviewWarning)

def build_definitions(config_path: str | None = None) -> dg.Definitions:
    path = config_path or str(config_path_from_env())
    config: Config | None = load_config(path) if os.path.exists(path) else None
    partitions = partitions_for(config.years if config else default_years())
    schedules, sensors = automations(config)  # ticking on the tidplan's days
    return dg.Definitions.merge(
        ingest.build(), monthly_loads.build(partitions), transform.build(partitions, config),
        quality.build(partitions), reports.build(partitions), opendata.build(partitions),
        timeliness.build(),
        dg.Definitions(jobs=[monthly_load_job, comment_reminders_job],
                       schedules=schedules, sensors=sensors,
                       resources=resources_for_env(path, config=config),
                       executor=dg.in_process_executor),
    )


@dg.definitions
def defs() -> dg.Definitions:
    """What the code location loads (workspace.yaml, `dg dev`): built when Dagster loads it,
    not when the module is imported (a test or the CLI imports it without a config)."""
    return build_definitions()
