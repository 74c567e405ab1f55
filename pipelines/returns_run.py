"""What the units returned, loaded without running everything again: the Dagster job
`monthly_load` over the returned packages and what reads them, the packages of the periods
that read them included."""

from __future__ import annotations

import contextlib
import os
import socket
from pathlib import Path


def load_returns(config_path: Path, periods: list[str]):
    """What the units returned, loaded without running everything again: the returned
    packages, the models that read them (forecasts, budget_follow_up, deviations,
    goal_follow_up, for the years of `periods`), the packages and open data of the periods
    that read those months (defs/reports.py decides), the load report and the read copy.
    A runner.RunSummary; RunFailed names what failed."""
    import dagster as dg

    from pipelines import runner
    from pipelines.config import load_config
    from pipelines.definitions import build_definitions
    from pipelines.defs.keys import raw_key
    from pipelines.ingest.load_report import problem_deliveries
    from pipelines.packages.staleness import stale_packages
    from pipelines.partitions import months_through
    from pipelines.schedules import REMINDERS

    cfg = load_config(config_path)
    months = [m for m in months_through(cfg.years, periods[-1]) if m >= periods[0]]
    log = cfg.warehouse_path.with_name("last_run.log")
    selection = dg.AssetSelection.assets(*map(raw_key, (
        "deviation_comments", "submitted_forecasts", "returned_goal_statuses"))).downstream()
    with runner.instance_for(cfg) as instance, log.open("w", encoding="utf-8") as out, \
            contextlib.redirect_stdout(out), contextlib.redirect_stderr(out):
        defs = build_definitions(str(Path(config_path).resolve()))
        runner.release_dead_runs(instance)
        result = defs.resolve_job_def("monthly_load").execute_in_process(
            instance=instance, raise_on_error=False, run_config=runner.QUIET,
            asset_selection=list((selection - REMINDERS).resolve(defs.resolve_asset_graph())),
            tags={runner.RANGE_START: months[0], runner.RANGE_END: months[-1],
                  runner.PID_TAG: str(os.getpid()), "uppfoljning/host": socket.gethostname()})
        runner.write_run_log(instance, result.run_id, out)
    if not result.success:
        raise runner.failure_of(result)
    failed = [e.asset_check_evaluation_data.check_name for e in result.all_events
              if e.event_type_value == "ASSET_CHECK_EVALUATION"
              and not e.asset_check_evaluation_data.passed]
    summary = runner.RunSummary(cfg, months, cfg.warehouse_path, cfg.reports_path,
                                len(result.get_asset_materialization_events()), failed, log, {})
    with runner.read_warehouse(cfg) as con:
        summary.packages = runner.packages_made(con, result)
        summary.deliveries = problem_deliveries(con, months)
        summary.stale_packages = stale_packages(con)
    return summary
