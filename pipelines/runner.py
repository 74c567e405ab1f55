"""Materialise everything for the configured sources, in-process, as one run per range.

Used by `uppfoljning run` and `uppfoljning demo`. The run uses the Dagster instance in
DAGSTER_HOME when set (so `dagster dev` shows its history), else `<config dir>/.dagster`.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import shutil
import socket
from dataclasses import dataclass, field
from pathlib import Path

import dagster as dg
import pandas as pd
import yaml

from pipelines.config import Config, load_config
from pipelines.ingest.load_report import problem_deliveries
from pipelines.packages.staleness import stale_packages
from pipelines.partitions import RANGE_END, RANGE_START, follow_up_periods_in, months_through
from pipelines.quality.org_tree import register_problems
from pipelines.run_failures import RunFailed, failure_of, write_run_log

__all__ = ["INSTANCE_TEMPLATE", "RunFailed", "RunSummary", "failure_of", "instance_for",
           "read_warehouse", "run_pipeline", "run_reminders", "write_run_log"]

REPO = Path(__file__).resolve().parents[1]
INSTANCE_TEMPLATE = REPO / "dagster_home" / "dagster.yaml"


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
    failed_months: dict[str, list[str]] = field(default_factory=dict)  # check -> its months
    without_budget: list[str] = field(default_factory=list)  # years of the run, no budget
    # the inputs were those of the last run, which finished then: nothing was done
    unchanged_since: dt.datetime | None = None
    # the deliveries of the run's months refused or with rows in quarantine, and the
    # returned packages with rejected rows (load_report.problem_deliveries)
    deliveries: list = field(default_factory=list)
    # follow-up periods whose issued packages show figures the run has changed since
    # (packages.staleness): remade with `uppfoljning report`, never overwritten unasked
    stale_packages: list[str] = field(default_factory=list)


def instance_for(config: Config) -> dg.DagsterInstance:
    """DAGSTER_HOME's instance when set, else one in `<config dir>/.dagster`: its storage in
    files there, or in the PostgreSQL database of the config's `dagster` section."""
    if os.environ.get("DAGSTER_HOME"):
        return dg.DagsterInstance.get()
    home = config.base_dir / ".dagster"
    home.mkdir(parents=True, exist_ok=True)
    settings = home / "dagster.yaml"
    if config.dagster.storage == "postgres":
        wanted = instance_settings(config)
        if not settings.exists() or settings.read_text(encoding="utf-8") != wanted:
            settings.write_text(wanted, encoding="utf-8")
    elif not settings.exists():
        shutil.copy(INSTANCE_TEMPLATE, settings)
    return dg.DagsterInstance.from_config(str(home))


def instance_settings(config: Config) -> str:
    """dagster.yaml of an instance on PostgreSQL: the template's pools and telemetry, and
    the storage (dagster-postgres) with the password read from its environment variable
    (none where that is not set: a server that trusts the machine, or ~/.pgpass)."""
    server = config.dagster.postgres
    settings = yaml.safe_load(INSTANCE_TEMPLATE.read_text(encoding="utf-8"))
    # psycopg2, the driver dagster-postgres is written for (SQLAlchemy 2.1 would take
    # psycopg 3 for plain postgresql://, whose server-side binding breaks its NOTIFY)
    database = {"hostname": server.host, "port": server.port, "username": server.user,
                "db_name": server.database, "scheme": "postgresql+psycopg2"}
    if server.password_env in os.environ:
        database["password"] = {"env": server.password_env}
    settings["storage"] = {"postgres": {"postgres_db": database}}
    return ("# written by uppfoljning from the config's `dagster` section; edits are replaced\n"
            + yaml.safe_dump(settings, sort_keys=False))


PID_TAG = "uppfoljning/pid"  # the process a command-line run executes in


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process: alive
        return True
    return True


def release_dead_runs(instance: dg.DagsterInstance) -> list[str]:
    """Runs of this machine's command line whose process is gone (killed, the machine
    restarted) but whose records still say they run: marked failed, and the warehouse
    pool's slot they hold freed. Without this a run killed with kill -9 would hold the slot
    (limit 1) for ever and every later run would wait for it. No daemon does it for an
    in-process run. Returns the runs released."""
    released = []
    for run_id in instance.event_log_storage.get_concurrency_run_ids():
        run = instance.get_run_by_id(run_id)
        pid = (run.tags.get(PID_TAG) if run else None) or ""
        if run is not None and run.tags.get("uppfoljning/host") != socket.gethostname():
            continue
        if run is not None and (not pid.isdigit() or _alive(int(pid))):
            continue
        if run is not None and not run.is_finished:
            instance.report_run_failed(run, "the process running it is gone (killed)")
        instance.event_log_storage.free_concurrency_slots_for_run(run_id)
        released.append(run_id)
    return released


def _run_tags() -> dict[str, str]:
    return {PID_TAG: str(os.getpid()), "uppfoljning/host": socket.gethostname()}


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


QUIET = {"loggers": {"console": {"config": {"log_level": "CRITICAL"}}}}


def run_pipeline(config_path: Path, through: str | None = None,
                 from_month: str | None = None, packages: bool = True,
                 force: bool = False) -> RunSummary:
    """One run of the job `monthly_load` over the months from `from_month` (default: January
    of the first year) through `through` (default: December of the fiscal year): the load,
    the models, the checks and, with `packages`, the packages and open data of the periods
    the job decides (defs/reports.py: those that read the months and are due). Dagster's log
    goes to `last_run.log` beside the warehouse; what failed is raised as RunFailed.

    When nothing it reads has changed since the last run over the same months (run_state:
    the files, the config, the program), it does nothing and says since when
    (`unchanged_since`); `force` runs anyway."""
    config = load_config(config_path)
    months = [m for m in months_through(config.years, through)
              if from_month is None or m >= from_month]
    if not months:
        raise RunFailed([f"ingen månad av åren {config.years[0]}–{config.years[-1]} "
                         f"(first_year–fiscal_year) ligger mellan {from_month or 'början'} "
                         f"och {through or 'slutet'}"], bad_input=True)
    from pipelines import run_state

    fingerprint = run_state.fingerprint(config, config_path, months, packages)
    log = config.warehouse_path.with_name("last_run.log")
    if not force and config.warehouse_path.exists():
        with read_warehouse(config) as con:
            since = run_state.unchanged_since(con, config, fingerprint, months)
            refused = problem_deliveries(con, months) if since is not None else []
        if since is not None:  # a refusal still open is said again: nothing has changed it
            return RunSummary(config, months, config.warehouse_path, config.reports_path, 0,
                              [], log, {}, unchanged_since=since,
                              deliveries=[d for d in refused if d.refusal])
    result, step_seconds = _execute(config, config_path, months, packages, log)
    if not result.success:
        raise failure_of(result)
    failed_months = _failed_checks(result)
    if "org_tree_is_valid" in failed_months:  # nothing was built from the broken tree
        with read_warehouse(config) as con:
            problems = register_problems(con)
        raise RunFailed([f"organisationsregistret: {p}" for p in problems[:10]]
                        + ["modellerna och paketen byggs inte förrän organisationsregistret "
                           "är rättat"], bad_input=True)
    summary = RunSummary(config, months, config.warehouse_path, config.reports_path,
                         len(result.get_asset_materialization_events()), list(failed_months),
                         log, step_seconds)
    summary.failed_months = failed_months
    # a package compares outcome with budget: said for the years of the run without one
    with_budget = budget_years(config)
    summary.without_budget = sorted({p[:4] for p in follow_up_periods_in(months)
                                     if int(p[:4]) not in with_budget}) if packages else []
    with read_warehouse(config) as con:
        summary.packages = packages_made(con, result)
        summary.deliveries = problem_deliveries(con, months)
        summary.stale_packages = stale_packages(con)
    with write_warehouse(config) as con:
        run_state.record(con, fingerprint, months, packages)
    return summary


def _execute(config: Config, config_path: Path, months: list[str], packages: bool, log: Path):
    """The job `monthly_load` over the months, in this process; its output, dbt's and
    Dagster's, goes to the run log, not the user's terminal. The result, and the seconds of
    each step."""
    from pipelines.definitions import build_definitions  # parses dbt: only when running

    free_warehouse(config)
    log.parent.mkdir(parents=True, exist_ok=True)
    with instance_for(config) as instance, log.open("w", encoding="utf-8") as out, \
            contextlib.redirect_stdout(out), contextlib.redirect_stderr(out):
        defs = build_definitions(str(Path(config_path).resolve()))
        release_dead_runs(instance)
        job = defs.resolve_job_def("monthly_load")
        result = job.execute_in_process(
            instance=instance, raise_on_error=False, run_config=QUIET,
            asset_selection=None if packages else without_packages(defs),
            tags={RANGE_START: months[0], RANGE_END: months[-1], **_run_tags()})
        write_run_log(instance, result.run_id, out)
        return result, _step_seconds(instance, result.run_id)


def _failed_checks(result) -> dict[str, list[str]]:
    """The checks that failed in the run, each with the months it failed (or none)."""
    failed: dict[str, list[str]] = {}
    for e in result.all_events:
        if e.event_type_value == "ASSET_CHECK_EVALUATION" \
                and not e.asset_check_evaluation_data.passed:
            data = e.asset_check_evaluation_data
            failed.setdefault(data.check_name, []).extend(
                [data.partition] if data.partition else [])
    return failed


def write_warehouse(config: Config):
    """The warehouse opened for writing, waiting (lock_wait_seconds) while another process
    holds it; then one line naming it (RunFailed)."""
    from pipelines.read_copy import WarehouseLocked, connect_waiting

    config.warehouse_path.parent.mkdir(parents=True, exist_ok=True)
    try:
        return connect_waiting(str(config.warehouse_path), False, config.lock_wait_seconds,
                               settings=config.engine.duckdb_settings())
    except WarehouseLocked as locked:
        raise RunFailed([str(locked)]) from None


def free_warehouse(config: Config) -> None:
    """A run starts: wait (lock_wait_seconds) while another process holds the warehouse
    file, then one line naming it (readers belong on the published copy, read_copy.py); and
    forget the last run's record, so that none says the warehouse is current until this
    run has succeeded."""
    from pipelines import run_state

    if not config.warehouse_path.exists():
        return
    with write_warehouse(config) as con:
        run_state.forget(con)


def read_warehouse(config: Config):
    """The warehouse opened read-only, waiting (lock_wait_seconds) while another run writes
    it, as every step does: two runs started together both finish."""
    from pipelines.read_copy import connect_waiting

    return connect_waiting(str(config.warehouse_path), True, config.lock_wait_seconds,
                           settings=config.engine.duckdb_settings())


def budget_years(config: Config) -> set[int]:
    """The years the warehouse holds a budget for."""

    with read_warehouse(config) as con:
        return {y for (y,) in con.execute(
            "select distinct fiscal_year from raw.budget_lines").fetchall()}


def without_packages(defs: dg.Definitions) -> list[dg.AssetKey]:
    """The job `monthly_load` without what it makes for the boards (`run --no-packages`)."""
    from pipelines.schedules import FOR_BOARDS, REMINDERS

    graph = defs.resolve_asset_graph()
    return sorted((dg.AssetSelection.all() - REMINDERS - FOR_BOARDS).resolve(graph)
                  & graph.materializable_asset_keys)


def packages_made(con, result) -> list[dict]:
    """What the run's `follow_up_packages` issued (the periods it decided to make, each a
    materialisation with its counts): each board's latest package of those periods."""
    from pipelines.packages.publish import latest_issued

    periods = sorted({e.partition for e in result.get_asset_materialization_events()
                      if e.asset_key == dg.AssetKey("follow_up_packages")
                      and "published" in e.materialization.metadata})
    return latest_issued(con, periods).to_dict("records") if periods else []


def _run_period(job, instance: dg.DagsterInstance, period: str, what: str,
                tags: dict[str, str] | None = None, log: Path | None = None) -> None:
    """One in-process run of a follow-up period's job, its log appended to `log`;
    RunFailed names what failed."""
    with open(log or os.devnull, "a", encoding="utf-8") as out, \
            contextlib.redirect_stdout(out), contextlib.redirect_stderr(out):
        release_dead_runs(instance)
        result = job.execute_in_process(instance=instance, partition_key=period,
                                        raise_on_error=False, run_config=QUIET,
                                        tags={**(tags or {}), **_run_tags()})
        write_run_log(instance, result.run_id, out)
    if not result.success:
        raise failure_of(result, what)


def run_reminders(config_path: Path, period: str, day: dt.date) -> tuple[Path, pd.DataFrame]:
    """What the reminder schedule runs, for one period and day: the returned packages and
    goal reports loaded, then the reminders written. (The list's path, who was reminded.)"""

    from pipelines.definitions import build_definitions
    from pipelines.packages.reminders import FOLDER
    from pipelines.schedules import REMINDER_DAY_TAG

    config = load_config(config_path)
    log = config.warehouse_path.with_name("last_run.log")
    with instance_for(config) as instance:
        with open(log, "w", encoding="utf-8") as out, contextlib.redirect_stdout(out), \
                contextlib.redirect_stderr(out):
            defs = build_definitions(str(Path(config_path).resolve()))
        if period not in follow_up_periods_in(months_through(config.years, None)):
            raise RunFailed([f"{period} är ingen uppföljningsperiod av åren "
                             f"{config.years[0]}–{config.years[-1]} (first_year–fiscal_year)"],
                            bad_input=True)
        _run_period(defs.resolve_job_def("reminders"), instance, period,
                    f"påminnelser {period}", {REMINDER_DAY_TAG: day.isoformat()}, log)
    with read_warehouse(config) as con:
        reminded = con.execute("select unit_code, what, deadline, outstanding "
                               "from reports.comment_reminders where period = ? and "
                               "reminded_on = ? order by deadline, unit_code",
                               [period, day]).df()
    out = config.reports_path / FOLDER / period / f"paminnelser_{day.isoformat()}.xlsx"
    return out, reminded
