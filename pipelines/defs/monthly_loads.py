"""Ingest area, the monthly loads: the ledger (huvudbok) and HR's employee-months.

Their partitions are the months of the configured years (`build(partitions)`); a range (a
backfill) runs as one run. A delivery named with `{period}` is that month's: all its rows
load into it. Any other file is read whole on every load, each row into its own month, and
a row of a month outside the configured years is quarantined with a rule that says so, so
that rows read = loaded + quarantined holds for every file, whatever months the run covers.
"""


import os

import dagster as dg

from pipelines.config import Config, DatabaseSource
from pipelines.defs.ingest import store
from pipelines.defs.keys import raw_key
from pipelines.defs.ownership import EKONOMI, HR, INGEST_KINDS, PSEUDONYMISED
from pipelines.errors import InputError
from pipelines.ingest import deliveries
from pipelines.partitions import Partitions, months_of
from pipelines.resources import WAREHOUSE_POOL, Settings, Warehouse

DEMO_PSEUDONYM_KEY = b"exempelkommun-demo-key-not-for-real-data"


def month_by_month(context: dg.AssetExecutionContext, warehouse: Warehouse, table: str,
                   source: str, result: dg.MaterializeResult) -> dg.MaterializeResult:
    """What each month of the run holds, on that month's materialisation: its rows loaded
    and quarantined (rows read: both), its deliveries and refusals. What the whole run read
    is the run's (its log), not every month's: a month of a twelve-month run shows its own."""
    months = months_of(context)
    with warehouse.connect(read_only=True) as con:
        loaded = dict(con.execute(
            f"select period, count(*) from raw.{table} where period in (select unnest(?)) "
            "group by 1", [months]).fetchall())
        quarantined = dict(con.execute(
            "select period, count(*) from raw.quarantine where source = ? and period in "
            "(select unnest(?)) group by 1", [source, months]).fetchall())
        delivered = {(period, status): names for period, status, names in con.execute(
            "select period, status, string_agg(file_name, ', ' order by file_name) from "
            "raw.deliveries where source = ? and period in (select unnest(?)) and "
            "(status = 'current' or (status = 'refused' and replaced_at is null)) group by 1, 2",
            [source, months]).fetchall()}
    for month in months:
        rows, bad = loaded.get(month, 0), quarantined.get(month, 0)
        context.add_asset_metadata({
            "rows_read": rows + bad, "rows_loaded": rows, "rows_quarantined": bad,
            "leveranser": delivered.get((month, "current"), "inga månadsfiler (filer lästa hela "
                                                           "eller en databas)"),
            **({"avvisade": delivered[(month, "refused")]}
               if (month, "refused") in delivered else {})}, partition_key=month)
    run = dict(result.metadata or {})
    context.log.info("Körningen: " + ", ".join(f"{k} {v.value if hasattr(v, 'value') else v}"
                                              for k, v in run.items()))
    also = run.get("also_rebuilt")
    also = also.value if hasattr(also, "value") else also
    # a file read whole that changed months outside the run: the next build and quality run
    # take them too (raw.months_to_rebuild, raw.months_to_recheck), said where one sees it
    return dg.MaterializeResult(metadata={
        "ändrade månader utanför körningen": also} if also else None)


def load_ledger(context: dg.AssetExecutionContext, settings: Settings,
                warehouse: Warehouse) -> dg.MaterializeResult:
    config = settings.load()
    months = months_of(context)
    databases = [s for s in config.sources.ledger if isinstance(s, DatabaseSource)]
    result = store(warehouse, config, "ledger_transactions", "ledger",
                   deliveries.ledger_readings(config, months), months, databases)
    return month_by_month(context, warehouse, "ledger_transactions", "ledger", result)


def pseudonym_key(config: Config) -> bytes:
    key = os.environ.get(config.pseudonym_key_env)
    if key:
        return key.encode()
    if config.demo:
        return DEMO_PSEUDONYM_KEY
    raise InputError(f"miljövariabeln {config.pseudonym_key_env} är inte satt: "
                     "personuppgifterna kan inte pseudonymiseras utan kommunens hemliga nyckel")


def load_hr(context: dg.AssetExecutionContext, settings: Settings,
            warehouse: Warehouse) -> dg.MaterializeResult:
    config = settings.load()
    months = months_of(context)
    key = pseudonym_key(config) if config.sources.hr else b""
    readings, missing = deliveries.hr_readings(config, months, key)
    if missing and len(months) == 1 and config.sources.hr:
        raise InputError(f"sources.hr: ingen personalexport för {missing[0]}")
    if missing:  # a backfill over years before HR was delivered
        context.log.warning(f"ingen personalexport för {', '.join(missing)}")
    result = store(warehouse, config, "hr_employee_months", "hr", readings, months,
                   months_without_export=", ".join(missing) or "-")
    return month_by_month(context, warehouse, "hr_employee_months", "hr", result)


def build(partitions: Partitions) -> dg.Definitions:
    """The monthly loads over the config's months."""

    @dg.asset(key=raw_key("ledger_transactions"), group_name="ingest", pool=WAREHOUSE_POOL,
              partitions_def=partitions.monthly, backfill_policy=dg.BackfillPolicy.single_run(),
              owners=[EKONOMI], kinds={"python", "duckdb", "sqlalchemy"},
              description="Huvudboken: every voucher row per month (SIE 4, CSV or Excel "
                          "exports, an ERP database).")
    def ledger_transactions(context: dg.AssetExecutionContext, settings: Settings,
                            warehouse: Warehouse) -> dg.MaterializeResult:
        return load_ledger(context, settings, warehouse)

    @dg.asset(key=raw_key("hr_employee_months"), group_name="ingest", pool=WAREHOUSE_POOL,
              partitions_def=partitions.monthly, backfill_policy=dg.BackfillPolicy.single_run(),
              owners=[HR], kinds=INGEST_KINDS, tags=PSEUDONYMISED,
              description="Personal: employee-months, personnummer replaced by a keyed "
                          "pseudonym.")
    def hr_employee_months(context: dg.AssetExecutionContext, settings: Settings,
                           warehouse: Warehouse) -> dg.MaterializeResult:
        return load_hr(context, settings, warehouse)

    return dg.Definitions(assets=dg.with_source_code_references(
        [ledger_transactions, hr_employee_months]))
