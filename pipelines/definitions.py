"""The one Dagster entry point: the per-area modules merged, with resources by environment."""

from __future__ import annotations

import dagster as dg

from pipelines.defs import ingest, quality, reports, transform
from pipelines.resources import resources_for_env
from pipelines.schedules import (
    PER_FOLLOW_UP,
    comment_reminders_job,
    deadline_reminders,
    follow_up_packages_job,
    follow_up_run,
    monthly_load,
    monthly_load_job,
    new_delivery,
    packages_after_load,
)

# Everything monthly for a range of months in one run: what `uppfoljning run` and backfills
# execute; the runner then makes the packages of each follow-up period in the range.
everything_job = dg.define_asset_job("everything",
                                     selection=dg.AssetSelection.all() - PER_FOLLOW_UP)


def build_definitions(config_path: str | None = None) -> dg.Definitions:
    return dg.Definitions.merge(
        ingest.defs, transform.defs, quality.defs, reports.defs,
        dg.Definitions(jobs=[monthly_load_job, everything_job, follow_up_packages_job,
                             comment_reminders_job],
                       schedules=[follow_up_run, monthly_load, deadline_reminders],
                       sensors=[packages_after_load, new_delivery],
                       resources=resources_for_env(config_path)),
    )


defs = build_definitions()
