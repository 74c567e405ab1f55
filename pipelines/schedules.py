"""Schedules. The monthly load runs after the ledger is closed for the month.

The bimonthly follow-up schedule comes from the municipality's tidplan (goals issue); until
then the monthly load on the 6th of each month loads the previous month (documented default).
"""


import datetime as dt

import dagster as dg

monthly_load_job = dg.define_asset_job(
    "monthly_load", selection=dg.AssetSelection.groups("ingest", "transform", "reports"))


def previous_month(day: dt.date) -> str:
    first = day.replace(day=1) - dt.timedelta(days=1)
    return f"{first.year}-{first.month:02d}"


@dg.schedule(job=monthly_load_job, cron_schedule="0 6 6 * *",
             execution_timezone="Europe/Stockholm")
def monthly_load(context: dg.ScheduleEvaluationContext) -> dg.RunRequest:
    month = previous_month(context.scheduled_execution_time.date())
    return dg.RunRequest(run_key=month, partition_key=month)
