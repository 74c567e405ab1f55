"""Freshness by the tidplan: is the ledger's and HR's month in by its data cut-off?

Two checks, on the ledger's and HR's loads, run every morning by the job `delivery_watch`
(schedule `deliveries_on_time`) and after every load: a month whose cut-off in the tidplan
has passed and of which the warehouse holds no row fails the check, with the month, the day
it was due and how late it is (pipelines/quality/timeliness.py). Non-blocking: what is
loaded is right; what is missing is late.
"""

from __future__ import annotations

import datetime as dt
import os

import dagster as dg

from pipelines.defs.keys import raw_key
from pipelines.quality.timeliness import overdue_months
from pipelines.resources import WAREHOUSE_POOL, Settings, Warehouse
from pipelines.schedules import TZ, cutoff_days
from pipelines.warehouse_tables import has_table

WHAT = {"ledger_transactions": "Huvudboken", "hr_employee_months": "Personalexporten"}


def _check(table: str) -> dg.AssetChecksDefinition:
    @dg.asset_check(asset=raw_key(table), name=f"{table}_on_time", pool=WAREHOUSE_POOL,
                    description=f"{WHAT[table]}: every month whose data cut-off in the tidplan "
                                "has passed is in the warehouse (the 12th of the month after "
                                "a follow-up period where the tidplan names no day).")
    def on_time(settings: Settings, warehouse: Warehouse) -> dg.AssetCheckResult:
        config = settings.load()
        if table == "hr_employee_months" and not config.sources.hr:
            return dg.AssetCheckResult(passed=True, metadata={"Resultat": "Ingen personalkälla."})
        try:
            cutoffs = cutoff_days(config)
        except ValueError as e:
            return dg.AssetCheckResult(passed=False, metadata={
                "Resultat": f"Tidplanen kan inte läsas: {e}"})
        held: set[str] = set()  # nothing loaded yet: every month due is late
        if os.path.exists(warehouse.path):
            with warehouse.connect(read_only=True) as con:
                if has_table(con, "raw", table):
                    held = {m for (m,) in con.execute(
                        f"select distinct period from raw.{table}").fetchall()}
        today = dt.datetime.now(dt.UTC).astimezone().date()
        late = overdue_months(cutoffs, held, config.years, today)
        return dg.AssetCheckResult(
            passed=not late, severity=dg.AssetCheckSeverity.ERROR,
            metadata={"försenade månader": len(late),
                      "Resultat": "\n".join(o.message(WHAT[table], today) for o in late)
                      or f"Varje månad som skulle vara inläst till {today} är inläst."})

    return on_time


CHECKS = [_check(table) for table in WHAT]
delivery_watch_job = dg.define_asset_job(
    "delivery_watch", selection=dg.AssetSelection.checks(*CHECKS),
    description="Whether every month due by the tidplan is loaded (the checks *_on_time).")
deliveries_on_time = dg.ScheduleDefinition(
    name="deliveries_on_time", job=delivery_watch_job, cron_schedule="0 8 * * *",
    execution_timezone=TZ,
    description="Every morning at 08:00: is every month whose data cut-off has passed in the "
                "warehouse? (delivery_watch)")


def build() -> dg.Definitions:
    return dg.Definitions(asset_checks=CHECKS, jobs=[delivery_watch_job])
