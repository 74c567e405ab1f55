"""Schedules. The monthly load runs after the ledger is closed for the month; the packages
of a follow-up period after its even month.

The dates will come from the municipality's tidplan (goals issue); until then the documented
defaults: the monthly load on the 6th of each month loads the previous month, and on the
12th of the month after each even month (March, May, July, September, November, January)
the packages of that period are made.
"""


import datetime as dt

import dagster as dg

PACKAGES = dg.AssetSelection.assets(dg.AssetKey("follow_up_packages"))
monthly_load_job = dg.define_asset_job(
    "monthly_load",
    selection=dg.AssetSelection.groups("ingest", "transform", "quality", "reports") - PACKAGES)
follow_up_packages_job = dg.define_asset_job("follow_up_packages", selection=PACKAGES)


def previous_month(day: dt.date) -> str:
    first = day.replace(day=1) - dt.timedelta(days=1)
    return f"{first.year}-{first.month:02d}"


@dg.schedule(job=monthly_load_job, cron_schedule="0 6 6 * *",
             execution_timezone="Europe/Stockholm")
def monthly_load(context: dg.ScheduleEvaluationContext) -> dg.RunRequest:
    month = previous_month(context.scheduled_execution_time.date())
    return dg.RunRequest(run_key=month, partition_key=month)


@dg.schedule(job=follow_up_packages_job, cron_schedule="0 7 12 1,3,5,7,9,11 *",
             execution_timezone="Europe/Stockholm")
def follow_up_packages(context: dg.ScheduleEvaluationContext) -> dg.RunRequest:
    period = previous_month(context.scheduled_execution_time.date())
    return dg.RunRequest(run_key=period, partition_key=period)
