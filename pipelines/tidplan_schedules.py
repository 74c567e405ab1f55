"""The tidplan's schedules with the tidplan's own days as their ticks, so that the Dagster UI
shows the next data cut-off, the next reminder day and the next day of board documents
instead of "every morning" (issue 34).

Dagster takes a list of cron strings: one per day of the year the tidplan names (day and
month, every year; a tick on a day of a year whose tidplan names another day skips, saying
so). Without a config, or with a tidplan that cannot be read, each schedule stays on its
every-morning cron, and its tick says what is wrong. What a tick does is the schedule's own
function in pipelines/schedules.py; only when it is evaluated changes here.

`automations: true` in the config starts the schedules and sensors switched on.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Callable, Iterable

import dagster as dg

from pipelines.config import Config
from pipelines.defs.timeliness import deliveries_on_time
from pipelines.delivery_sensor import new_delivery_sensor
from pipelines.packages.reminders import reminder_days
from pipelines.schedules import (
    TZ,
    board_documents,
    comment_deadlines,
    comments_closed_days,
    cutoff_days,
    deadline_reminders,
    follow_up_run,
    monthly_load,
)


def cron_days(days: Iterable[dt.date], hour: int, minute: int) -> list[str]:
    """One cron string per (month, day) of `days`, at hour:minute."""
    return [f"{minute} {hour} {day} {month} *"
            for month, day in sorted({(d.month, d.day) for d in days})]


def _reminder_days(config: Config) -> Iterable[dt.date]:
    return reminder_days(comment_deadlines(config), config.reminders.days_before,
                         config.reminders.days_after)


# each tidplan schedule and the days it is due on
DAYS: list[tuple[dg.ScheduleDefinition, Callable[[Config], Iterable[dt.date]]]] = [
    (follow_up_run, cutoff_days),
    (board_documents, comments_closed_days),
    (deadline_reminders, _reminder_days),
]


def _status(config: Config | None) -> dg.DefaultScheduleStatus:
    running = config is not None and config.automations
    return dg.DefaultScheduleStatus.RUNNING if running else dg.DefaultScheduleStatus.STOPPED


def _copied(schedule: dg.ScheduleDefinition, cron: str | list[str],
            status: dg.DefaultScheduleStatus) -> dg.ScheduleDefinition:
    """`schedule` with another cron and default status; its tick is its own."""
    return dg.ScheduleDefinition(
        name=schedule.name, cron_schedule=cron, job=schedule.job,
        execution_fn=schedule._execution_fn,  # noqa: SLF001  (the schedule's own tick)
        execution_timezone=TZ, description=schedule.description, default_status=status)


def on_tidplan(schedule: dg.ScheduleDefinition, days: Callable[[Config], Iterable[dt.date]],
               config: Config | None) -> dg.ScheduleDefinition:
    """`schedule` ticking on the tidplan's days of `config` (at the hour and minute of its
    every-morning cron), switched on where the config says so."""
    minute, hour = (int(x) for x in str(schedule.cron_schedule).split()[:2])
    crons: str | list[str] = str(schedule.cron_schedule)
    if config is not None:
        with contextlib.suppress(ValueError):  # the tick says what is wrong with the tidplan
            crons = cron_days(days(config), hour, minute) or crons
    return _copied(schedule, crons, _status(config))


def automations(config: Config | None) -> tuple[list[dg.ScheduleDefinition],
                                                list[dg.SensorDefinition]]:
    """Every schedule and sensor of the definitions, from the config's tidplan."""
    status = _status(config)
    sensor_status = (dg.DefaultSensorStatus.RUNNING if status == dg.DefaultScheduleStatus.RUNNING
                     else dg.DefaultSensorStatus.STOPPED)
    schedules = [on_tidplan(schedule, days, config) for schedule, days in DAYS]
    schedules += [_copied(schedule, str(schedule.cron_schedule), status)
                  for schedule in (monthly_load, deliveries_on_time)]
    return schedules, [new_delivery_sensor(sensor_status)]
