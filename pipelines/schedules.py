"""Schedules and sensors, from the municipality's own calendar: the tidplan (ekonomisk tidplan).

- `follow_up_run`: on a follow-up period's data cut-off (datauttag)
  in the tidplan, it loads the period's two months in one run, and that run makes the
  period's packages (defs/reports.py decides which periods a run makes). A period the
  tidplan does not name is loaded on the documented default, the 12th of the month after it.
- `monthly_load` (the 6th of each month): the previous month, so the marts follow the ledger
  between follow-ups.
- `new_delivery` (sensor, pipelines/delivery_sensor.py): a ledger or HR file that lands or
  changes for a month loads that month, once every changed file of the month has stopped
  changing and is whole; it says which files it waits for and why.
- `board_documents`: the day after a follow-up period's last day
  for the units' comments, the period's load again, so the board documents it makes carry
  what the units returned (packages.gate holds them back as drafts until then).
- `deadline_reminders`: a few days before each comment deadline of
  the tidplan, and the day after it, loads the returned packages and goal reports and lists
  who has still not commented or reported (pipelines/packages/reminders.py).

Here each tidplan schedule ticks every morning and decides on the tick; the definitions use
them with the tidplan's days as their ticks (pipelines/tidplan_schedules.py), so the UI
shows the next one. The tidplan and the config are read when a tick is evaluated.
"""

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import dagster as dg

from pipelines.config import Config, ConfigError, config_path_from_env, load_config
from pipelines.defs.keys import raw_key
from pipelines.defs.opendata import OPEN_DATA_RELEASE
from pipelines.defs.reports import REMINDER_DAY_TAG
from pipelines.ingest.goals import read_comment_deadlines
from pipelines.ingest.loaders import read_tidplan
from pipelines.packages.reminders import reminder_days
from pipelines.partitions import FOLLOW_UP_MONTHS, RANGE_END, RANGE_START

PACKAGES = dg.AssetSelection.assets(dg.AssetKey("follow_up_packages"))
REMINDERS = dg.AssetSelection.assets(dg.AssetKey("comment_reminders"))
OPEN_DATA = dg.AssetSelection.assets(OPEN_DATA_RELEASE)
# what a run makes for people after the load: not run by `uppfoljning run --no-packages`
FOR_BOARDS = PACKAGES | OPEN_DATA
monthly_load_job = dg.define_asset_job(
    "monthly_load",
    selection=dg.AssetSelection.all() - REMINDERS,
    description="Load and build one or more months, in one run for a range: the deliveries "
                "(ledger, HR, registers), the dbt models, the quality checks, the load "
                "report, the packages and open data of every follow-up period that reads "
                "the months and is due, and the published copy. What `uppfoljning run` and "
                "a backfill execute, and the schedules follow_up_run (a follow-up period's "
                "two months on the tidplan's data cut-off), board_documents and "
                "monthly_load_on_the_6th and the sensor new_delivery start.")
# what the units have sent in since the last load, then the reminders
comment_reminders_job = dg.define_asset_job(
    "reminders",
    description="Read what the units have returned, then write the reminders of a follow-up "
                "period for what is still missing: started by deadline_reminders.",
    selection=REMINDERS | (
    dg.AssetSelection.assets(*map(raw_key, ["deviation_comments", "submitted_forecasts",
                                            "returned_goal_statuses", "goal_statuses",
                                            "comment_deadlines"]))))

PERIOD_TAG = "uppfoljning/follow_up_period"
DEFAULT_CUTOFF_DAY = 12  # of the month after the period, where the tidplan names no date
TZ = "Europe/Stockholm"


def previous_month(day: dt.date) -> str:
    first = day.replace(day=1) - dt.timedelta(days=1)
    return f"{first.year}-{first.month:02d}"


def _config() -> Config | None:
    path = config_path_from_env()
    if not path.exists():
        return None
    try:
        return load_config(path)
    except ConfigError:
        return None


def tidplan_files(config: Config) -> list[Path]:
    if config.sources.tidplan is None:
        return []
    return [p for year in config.years
            for p in config.files(config.sources.tidplan.path, f"{year}-01")]


def cutoff_days(config: Config) -> dict[dt.date, str]:
    """Data cut-off day -> follow-up period, for every period of the config's years: the
    tidplan's datauttag, else the 12th of the month after the period."""
    days: dict[dt.date, str] = {}
    named: set[str] = set()
    for path in dict.fromkeys(tidplan_files(config)):
        for row in read_tidplan(path).rows:
            if row["data_cutoff"]:
                days[row["data_cutoff"]] = row["period"]
                named.add(row["period"])
    for year in config.years:
        for month in FOLLOW_UP_MONTHS:
            period = f"{year}-{month:02d}"
            if period not in named:
                after = dt.date(year + (month == 12), month % 12 + 1, DEFAULT_CUTOFF_DAY)
                days[after] = period
    return days


def load_request(period: str) -> dg.RunRequest:
    """One run over the period's two months, tagged with the period for the packages."""
    first = previous_month(dt.date(int(period[:4]), int(period[5:7]), 1))
    return dg.RunRequest(run_key=f"follow-up-{period}", tags={
        RANGE_START: first, RANGE_END: period, PERIOD_TAG: period})


T = TypeVar("T")


def _tidplan_tick(context: dg.ScheduleEvaluationContext, read: Callable[[Config], T]
                  ) -> tuple[Config, dt.date, T] | dg.SkipReason:
    """A tidplan schedule's tick: (the config, the tick's day, what `read` takes from the
    config's tidplan), or why it skips: no config, or a tidplan that cannot be read (the
    tick says which and where)."""
    config = _config()
    if config is None:
        return dg.SkipReason(f"no config at {config_path_from_env()}")
    try:
        found = read(config)
    except ValueError as e:
        return dg.SkipReason(f"the tidplan cannot be read: {e}")
    return config, context.scheduled_execution_time.date(), found


@dg.schedule(job=monthly_load_job, cron_schedule="0 7 * * *", execution_timezone=TZ,
             description="Every morning at 07:00: on a follow-up period's data cut-off "
                         "(datauttag) in the tidplan, one run of monthly_load over the period's "
                         "two months, tagged with the period (no date in the tidplan: the "
                         f"{DEFAULT_CUTOFF_DAY}th of the month after).")
def follow_up_run(context: dg.ScheduleEvaluationContext):
    tick = _tidplan_tick(context, cutoff_days)
    if isinstance(tick, dg.SkipReason):
        return tick
    _, day, days = tick
    period = days.get(day)
    if period is None:
        return dg.SkipReason(f"{day} is no data cut-off in the tidplan")
    return load_request(period)


@dg.schedule(job=monthly_load_job, cron_schedule="0 6 6 * *", execution_timezone=TZ,
             name="monthly_load_on_the_6th",
             description="The 6th of each month at 06:00: the month before, so the marts "
                         "follow the ledger between follow-ups (skipped outside the "
                         "configured years).")
def monthly_load(context: dg.ScheduleEvaluationContext):
    month = previous_month(context.scheduled_execution_time.date())
    config = _config()
    if config is not None and int(month[:4]) not in config.years:
        return dg.SkipReason(f"{month} is outside the configured years "
                             f"{config.years[0]}–{config.years[-1]} (first_year–fiscal_year)")
    return dg.RunRequest(run_key=month, partition_key=month)


def comments_closed_days(config: Config) -> dict[dt.date, list[str]]:
    """The day after each follow-up period's last day for the units' comments on their
    deviations (the latest of the tidplan's enhet, verksamhet and sektor deadlines) -> the
    periods whose board documents are due that day."""
    from pipelines.packages.gate import COMMENT_LEVELS

    last: dict[str, dt.date] = {}
    for period, deadline in comment_deadlines(config, COMMENT_LEVELS):
        last[period] = max(deadline, last.get(period, deadline))
    days: dict[dt.date, list[str]] = {}
    for period, deadline in sorted(last.items()):
        days.setdefault(deadline + dt.timedelta(days=1), []).append(period)
    return days


@dg.schedule(job=monthly_load_job, cron_schedule="15 7 * * *", execution_timezone=TZ,
             description="Every morning at 07:15: the day after a follow-up period's last day "
                         "for the units' comments (the tidplan's deadlines for enhet, "
                         "verksamhet and sektor), one run of monthly_load over the period's "
                         "months, tagged with the period, so that what the units returned is "
                         "loaded and the board documents are made with it.")
def board_documents(context: dg.ScheduleEvaluationContext):
    tick = _tidplan_tick(context, comments_closed_days)
    if isinstance(tick, dg.SkipReason):
        return tick
    _, day, days = tick
    periods = days.get(day)
    if not periods:
        return dg.SkipReason(f"{day} is no day after a comment deadline in the tidplan")
    return [dg.RunRequest(run_key=f"board-documents-{period}", tags=load_request(period).tags)
            for period in periods]


def comment_deadlines(config: Config, levels: tuple[str, ...] | None = None
                      ) -> list[tuple[str, dt.date]]:
    """(period, deadline) of every comment deadline in the config's tidplan files (of the
    org `levels` only, when given)."""
    return [(row["period"], row["deadline"]) for path in dict.fromkeys(tidplan_files(config))
            for row in read_comment_deadlines(path).rows
            if levels is None or row["level"] in levels]


@dg.schedule(job=comment_reminders_job, cron_schedule="30 7 * * *", execution_timezone=TZ,
             description="Every morning at 07:30: on the reminder days around the tidplan's "
                         "comment deadlines (reminders.days_before/days_after), the reminders "
                         "of the periods concerned.")
def deadline_reminders(context: dg.ScheduleEvaluationContext):
    tick = _tidplan_tick(context, comment_deadlines)
    if isinstance(tick, dg.SkipReason):
        return tick
    config, day, deadlines = tick
    periods = reminder_days(deadlines, config.reminders.days_before,
                            config.reminders.days_after).get(day)
    if not periods:
        return dg.SkipReason(f"{day} is no reminder day in the tidplan")
    return [dg.RunRequest(run_key=f"reminders-{period}-{day}", partition_key=period,
                          tags={REMINDER_DAY_TAG: day.isoformat()})
            for period in sorted(periods)]
