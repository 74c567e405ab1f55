"""Materialise everything for the configured sources, in-process, as one run per range.

Used by `uppfoljning run` and `uppfoljning demo`. The run uses the Dagster instance in
DAGSTER_HOME when set (so `dagster dev` shows its history), else `<config dir>/.dagster`.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import dagster as dg
import pandas as pd

from pipelines.config import Config, load_config
from pipelines.partitions import follow_up_periods_in, months_through

REPO = Path(__file__).resolve().parents[1]
INSTANCE_TEMPLATE = REPO / "dagster_home" / "dagster.yaml"
RANGE_START = "dagster/asset_partition_range_start"
RANGE_END = "dagster/asset_partition_range_end"


class RunFailed(Exception):
    """A step of the run failed; the message names it."""


@dataclass
class RunSummary:
    config: Config
    months: list[str]
    warehouse: Path
    reports: Path
    materialisations: int
    checks_failed: list[str]
    log: Path
    step_seconds: dict[str, float]  # wall time of each step of the run
    packages: list[dict] = field(default_factory=list)  # reports.issued_packages of the run


def instance_for(config: Config) -> dg.DagsterInstance:
    """DAGSTER_HOME's instance when set, else one in `<config dir>/.dagster`."""
    if os.environ.get("DAGSTER_HOME"):
        return dg.DagsterInstance.get()
    home = config.base_dir / ".dagster"
    home.mkdir(parents=True, exist_ok=True)
    if not (home / "dagster.yaml").exists():
        shutil.copy(INSTANCE_TEMPLATE, home / "dagster.yaml")
    return dg.DagsterInstance.from_config(str(home))


def _step_seconds(instance: dg.DagsterInstance, run_id: str) -> dict[str, float]:
    """Wall time of each step, from the run's start and end events."""
    started: dict[str, float] = {}
    seconds: dict[str, float] = {}
    for entry in instance.all_logs(run_id):
        event = entry.dagster_event
        if event is None or event.step_key is None:
            continue
        if event.event_type_value == "STEP_START":
            started[event.step_key] = entry.timestamp
        elif event.event_type_value in ("STEP_SUCCESS", "STEP_FAILURE"):
            seconds[event.step_key] = entry.timestamp - started.get(event.step_key,
                                                                     entry.timestamp)
    return seconds


def _root_cause(error) -> str:
    """The innermost error's message: what went wrong, not Dagster's wrapper around it."""
    while getattr(error, "cause", None) is not None:
        error = error.cause
    lines = (error.message or "").strip().splitlines()
    if not lines:
        return error.cls_name or "unknown error"
    prefix = f"{error.cls_name}: "  # "dagster._core....Failure: message" -> "message"
    last = lines[-1]
    return last.split(prefix, 1)[1] if prefix in last else last


def run_pipeline(config_path: Path, through: str | None = None, log_level: str = "WARNING",
                 from_month: str | None = None, packages: bool = True) -> RunSummary:
    """One run over the months from `from_month` (default: January of the first year)
    through `through` (default: December of the fiscal year), then one run making the
    packages of each follow-up period among those months (`packages`)."""
    config = load_config(config_path)
    months = [m for m in months_through(config.years, through)
              if from_month is None or m >= from_month]
    if not months:
        raise RunFailed(f"no month of {config.years} lies between {from_month or 'the start'} "
                        f"and {through or 'the end'}")
    from pipelines.definitions import build_definitions  # parses dbt: only when running

    defs = build_definitions(str(Path(config_path).resolve()))
    job = defs.resolve_job_def("everything")
    log = config.warehouse_path.with_name("last_run.log")
    log.parent.mkdir(parents=True, exist_ok=True)
    # dbt's own output goes to the run log, not the user's terminal
    with instance_for(config) as instance, log.open("w", encoding="utf-8") as out, \
            contextlib.redirect_stdout(out):
        result = job.execute_in_process(
            instance=instance, raise_on_error=False,
            run_config={"loggers": {"console": {"config": {"log_level": log_level}}}},
            tags={RANGE_START: months[0], RANGE_END: months[-1]},
        )
        step_seconds = _step_seconds(instance, result.run_id)
    if not result.success:
        failures = [e for e in result.all_events if e.event_type_value == "STEP_FAILURE"]
        detail = "; ".join(f"{e.step_key}: {_root_cause(e.step_failure_data.error)}"
                           for e in failures if e.step_failure_data and e.step_failure_data.error)
        raise RunFailed(detail or "the run failed")
    materialised = len(result.get_asset_materialization_events())
    failed_checks = [
        e.asset_check_evaluation_data.check_name
        for e in result.all_events
        if e.event_type_value == "ASSET_CHECK_EVALUATION"
        and not e.asset_check_evaluation_data.passed
    ]
    summary = RunSummary(config, months, config.warehouse_path, config.reports_path,
                         materialised, failed_checks, log, step_seconds)
    # a package compares outcome with budget: the follow-up periods of the years with one
    periods = [p for p in follow_up_periods_in(months)
               if int(p[:4]) in budget_years(config)] if packages else []
    if periods:
        summary.packages = make_packages(defs, config, periods, log_level)
        summary.materialisations += len(periods)
    return summary


def budget_years(config: Config) -> set[int]:
    """The years the warehouse holds a budget for."""
    import duckdb

    with duckdb.connect(str(config.warehouse_path), read_only=True) as con:
        return {y for (y,) in con.execute(
            "select distinct fiscal_year from raw.budget_lines").fetchall()}


def make_packages(defs: dg.Definitions, config: Config, periods: list[str],
                  log_level: str = "WARNING") -> list[dict]:
    """Materialise the follow-up packages of `periods`, one run each; what was issued."""
    import duckdb

    job = defs.resolve_job_def("packages")
    with instance_for(config) as instance:
        for period in periods:
            _run_period(job, instance, period, f"paket {period}", log_level)
    with duckdb.connect(str(config.warehouse_path), read_only=True) as con:
        marks = ", ".join("?" for _ in periods)
        return con.execute(
            f"select period, board, scope_name, published, blockers, workbook, pdf "
            f"from reports.issued_packages where period in ({marks}) "
            f"qualify row_number() over (partition by period, board order by issued_at desc) "
            f"= 1 order by period, board nulls last", periods).df().to_dict("records")


def _run_period(job, instance: dg.DagsterInstance, period: str, what: str, log_level: str,
                tags: dict[str, str] | None = None) -> None:
    """One in-process run of a follow-up period's job; RunFailed names what failed."""
    result = job.execute_in_process(
        instance=instance, partition_key=period, raise_on_error=False, tags=tags,
        run_config={"loggers": {"console": {"config": {"log_level": log_level}}}})
    if not result.success:
        failures = [e for e in result.all_events if e.event_type_value == "STEP_FAILURE"]
        raise RunFailed(f"{what}: " + "; ".join(
            _root_cause(e.step_failure_data.error) for e in failures
            if e.step_failure_data and e.step_failure_data.error))


def run_reminders(config_path: Path, period: str, day: dt.date,
                  log_level: str = "WARNING") -> tuple[Path, pd.DataFrame]:
    """What the reminder schedule runs, for one period and day: the returned packages and
    goal reports loaded, then the reminders written. (The list's path, who was reminded.)"""
    import duckdb

    from pipelines.definitions import build_definitions
    from pipelines.packages.reminders import FOLDER
    from pipelines.schedules import REMINDER_DAY_TAG

    config = load_config(config_path)
    defs = build_definitions(str(Path(config_path).resolve()))
    with instance_for(config) as instance:
        _run_period(defs.resolve_job_def("reminders"), instance, period,
                    f"påminnelser {period}", log_level, {REMINDER_DAY_TAG: day.isoformat()})
    with duckdb.connect(str(config.warehouse_path), read_only=True) as con:
        reminded = con.execute("select unit_code, what, deadline, outstanding "
                               "from reports.comment_reminders where period = ? and "
                               "reminded_on = ? order by deadline, unit_code",
                               [period, day]).df()
    out = config.reports_path / FOLDER / period / f"paminnelser_{day.isoformat()}.xlsx"
    return out, reminded
