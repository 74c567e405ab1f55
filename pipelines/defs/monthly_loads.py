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


def load_ledger(context: dg.AssetExecutionContext, settings: Settings,
                warehouse: Warehouse) -> dg.MaterializeResult:
    config = settings.load()
    months = months_of(context)
    databases = [s for s in config.sources.ledger if isinstance(s, DatabaseSource)]
    return store(warehouse, config, "ledger_transactions", "ledger",
                 deliveries.ledger_readings(config, months), months, databases)


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
    return store(warehouse, config, "hr_employee_months", "hr", readings, months,
                 months_without_export=", ".join(missing) or "-")


def build(partitions: Partitions) -> list[dg.AssetsDefinition]:
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

    return [ledger_transactions, hr_employee_months]
