"""Ingest area, the monthly loads: the ledger (huvudbok) and HR's employee-months.

Their partitions are the months of the configured years (`build(partitions)`); a range (a
backfill) runs as one run. A delivery named with `{period}` is that month's: all its rows
load into it. Any other file is read whole on every load, each row into its own month, and
a row of a month outside the configured years is quarantined with a rule that says so, so
that rows read = loaded + quarantined holds for every file, whatever months the run covers.
"""


import os
from collections.abc import Callable
from pathlib import Path

import dagster as dg

from pipelines.config import Config, CsvSource, DatabaseSource, ExcelSource, SieSource
from pipelines.defs.ingest import Reading, store, unsupported
from pipelines.errors import InputError
from pipelines.ingest import database, landing, ledger, loaders
from pipelines.ingest.batch import Batch, Sink
from pipelines.partitions import Partitions, months_of, months_through
from pipelines.resources import WAREHOUSE_POOL, Settings, Warehouse

DEMO_PSEUDONYM_KEY = b"exempelkommun-demo-key-not-for-real-data"


def is_monthly(src) -> bool:
    """A delivery per month: the path names the month."""
    return "{period}" in getattr(src, "path", "")


def configured_months(config: Config) -> set[str]:
    return set(months_through(config.years, None))


def _ledger_reader(src, month: str | None, months: set[str], path: Path
                   ) -> Callable[[Sink | None], Batch]:
    if isinstance(src, SieSource):
        return lambda sink: ledger.read_sie_ledger(path, month, months, sink)
    if isinstance(src, CsvSource):
        return lambda sink: ledger.read_table_ledger(
            path, "csv", month, months, src.delimiter, src.encoding, src.decimal,
            columns=src.columns, sink=sink, code_and_name=src.code_and_name)
    if isinstance(src, ExcelSource):
        return lambda sink: ledger.read_table_ledger(
            path, "excel", month, months, sheet=src.sheet, columns=src.columns, sink=sink,
            code_and_name=src.code_and_name)
    raise unsupported("ledger", src)


def ledger_deliveries(config: Config, months: list[str]) -> list[Reading]:
    """Each month's delivery, and every file that is not monthly (read whole) once."""
    every_month = configured_months(config)
    out, seen = [], set()
    for src in config.sources.ledger:
        if isinstance(src, DatabaseSource):
            continue  # extracted and loaded by store
        if is_monthly(src):
            for month in months:
                for p in config.files(src.path, month):
                    out.append((landing.delivery("ledger", month, p),
                                _ledger_reader(src, month, {month}, p)))
        elif hasattr(src, "path"):
            for p in config.files(src.path):
                if p not in seen:
                    seen.add(p)
                    out.append((landing.delivery("ledger", None, p),
                                _ledger_reader(src, None, every_month, p)))
        else:
            raise unsupported("ledger", src)
    return out


def load_ledger(context: dg.AssetExecutionContext, settings: Settings,
                warehouse: Warehouse) -> dg.MaterializeResult:
    config = settings.load()
    months = months_of(context)
    databases = [s for s in config.sources.ledger if isinstance(s, DatabaseSource)]
    return store(warehouse, config, "ledger_transactions", "ledger",
                 ledger_deliveries(config, months), months, databases)


def pseudonym_key(config: Config) -> bytes:
    key = os.environ.get(config.pseudonym_key_env)
    if key:
        return key.encode()
    if config.demo:
        return DEMO_PSEUDONYM_KEY
    raise InputError(f"miljövariabeln {config.pseudonym_key_env} är inte satt: "
                     "personuppgifterna kan inte pseudonymiseras utan kommunens hemliga nyckel")


def _hr_reader(src, key: bytes, month: str | None, months: set[str], path: Path
               ) -> Callable[[Sink | None], Batch]:
    return lambda sink: loaders.read_hr_export(
        path, key, month, getattr(src, "delimiter", ";"), getattr(src, "encoding", "utf-8"),
        getattr(src, "decimal", ","), src.columns, sink, kind=src.type,
        sheet=getattr(src, "sheet", 0), months=months, code_and_name=src.code_and_name)


def hr_deliveries(config: Config, months: list[str], key: bytes
                  ) -> tuple[list[Reading], list[str]]:
    """The HR readings of the months, and the months no monthly export or table covers."""
    every_month = configured_months(config)
    readings: list[Reading] = []
    monthly_files = [s for s in config.sources.hr if is_monthly(s)]
    tables = [s for s in config.sources.hr if isinstance(s, DatabaseSource)]
    whole = [s for s in config.sources.hr if not is_monthly(s) and s not in tables]
    for src in config.sources.hr:
        if not isinstance(src, CsvSource | ExcelSource | DatabaseSource):
            raise unsupported("hr", src)
    missing = []
    for month in months:
        files = [(p, src) for src in monthly_files for p in config.files(src.path, month)]
        if not files and not tables and not whole:
            missing.append(month)
        for p, src in files:
            readings.append((landing.delivery("hr", month, p),
                             _hr_reader(src, key, month, {month}, p)))
        for src in tables:  # pseudonymised as the rows come out of the database
            period_column = {**loaders.HR_COLUMNS, **src.columns}["period"]
            readings.append((None, lambda sink, src=src, month=month, col=period_column:
                             loaders.read_hr_rows(
                database.month_rows(src, col, month), database.source_name(src), key, month,
                ".", src.columns, sink)))
    for src in whole:
        readings += [(landing.delivery("hr", None, p), _hr_reader(src, key, None, every_month, p))
                     for p in config.files(src.path)]
    return readings, missing


def load_hr(context: dg.AssetExecutionContext, settings: Settings,
            warehouse: Warehouse) -> dg.MaterializeResult:
    config = settings.load()
    months = months_of(context)
    key = pseudonym_key(config) if config.sources.hr else b""
    readings, missing = hr_deliveries(config, months, key)
    if missing and len(months) == 1 and config.sources.hr:
        raise InputError(f"sources.hr: ingen personalexport för {missing[0]}")
    if missing:  # a backfill over years before HR was delivered
        context.log.warning(f"ingen personalexport för {', '.join(missing)}")
    return store(warehouse, config, "hr_employee_months", "hr", readings, months,
                 months_without_export=", ".join(missing) or "-")


def build(partitions: Partitions) -> list[dg.AssetsDefinition]:
    """The monthly loads over the config's months."""

    @dg.asset(key_prefix="raw", group_name="ingest", pool=WAREHOUSE_POOL,
              partitions_def=partitions.monthly, backfill_policy=dg.BackfillPolicy.single_run(),
              description="Huvudboken: every voucher row per month (SIE 4, CSV or Excel "
                          "exports, an ERP database).")
    def ledger_transactions(context: dg.AssetExecutionContext, settings: Settings,
                            warehouse: Warehouse) -> dg.MaterializeResult:
        return load_ledger(context, settings, warehouse)

    @dg.asset(key_prefix="raw", group_name="ingest", pool=WAREHOUSE_POOL,
              partitions_def=partitions.monthly, backfill_policy=dg.BackfillPolicy.single_run(),
              description="Personal: employee-months, personnummer replaced by a keyed "
                          "pseudonym.")
    def hr_employee_months(context: dg.AssetExecutionContext, settings: Settings,
                           warehouse: Warehouse) -> dg.MaterializeResult:
        return load_hr(context, settings, warehouse)

    return [ledger_transactions, hr_employee_months]
