"""Ingest area: delivered files into the warehouse's `raw` schema.

Ledger and HR are monthly partitions; a backfill over a range runs as one run. Each load
replaces its partitions' rows in one transaction and asserts rows read = loaded + quarantined.
"""

import os
from pathlib import Path

import dagster as dg

from pipelines.config import Config, CsvSource, SieSource
from pipelines.ingest import loaders
from pipelines.ingest.raw_tables import replace_rows
from pipelines.partitions import monthly, months_of
from pipelines.resources import WAREHOUSE_POOL, Settings, Warehouse

DEMO_PSEUDONYM_KEY = b"exempelkommun-demo-key-not-for-real-data"

def _metadata(batch: loaders.Batch, **extra) -> dict:
    batch.check_accounting()
    return {"rows_read": batch.read, "rows_loaded": len(batch.rows),
            "rows_quarantined": len(batch.quarantine), **extra}

@dg.asset(key_prefix="raw", group_name="ingest", pool=WAREHOUSE_POOL,
          description="Organisationsregistret: every unit with level, parent and validity.")
def org_units(context: dg.AssetExecutionContext, settings: Settings,
              warehouse: Warehouse) -> dg.MaterializeResult:
    config = settings.load()
    src = config.sources.org_register
    if not isinstance(src, CsvSource):
        raise dg.Failure(f"org_register: source type '{src.type}' is not supported yet")
    batch = loaders.Batch()
    for path in config.files(src.path):
        part = loaders.read_org_register(path, src.delimiter, src.encoding, src.columns)
        batch.rows += part.rows
        batch.quarantine += part.quarantine
        batch.read += part.read
    with warehouse.connect() as con:
        replace_rows(con, "org_units", batch.frame(), batch.quarantine_frame(), "org_register")
    return dg.MaterializeResult(metadata=_metadata(batch))

def _ledger_files(config: Config, month: str) -> list[tuple[str, str | None]]:
    """(file, delivered period) for a month: monthly deliveries and whole-year files."""
    files = []
    for src in config.sources.ledger:
        if not isinstance(src, SieSource):
            raise dg.Failure(f"ledger: source type '{src.type}' is not supported yet")
        if "{period}" in src.path:
            files += [(str(p), month) for p in config.files(src.path, month)]
        else:
            files += [(str(p), None) for p in config.files(src.path)]
    return files

@dg.asset(key_prefix="raw", group_name="ingest", pool=WAREHOUSE_POOL,
          partitions_def=monthly, backfill_policy=dg.BackfillPolicy.single_run(),
          description="Huvudboken: every voucher row (#TRANS) per month, from SIE 4 files.")
def ledger_transactions(context: dg.AssetExecutionContext, settings: Settings,
                        warehouse: Warehouse) -> dg.MaterializeResult:
    config = settings.load()
    months = months_of(context)
    batch = loaders.Batch()
    seen: set[tuple[str, str | None]] = set()
    for month in months:
        for path, delivered in _ledger_files(config, month):
            if (path, delivered) in seen:
                continue
            seen.add((path, delivered))
            part = loaders.read_sie_ledger(Path(path), delivered, set(months))
            batch.rows += part.rows
            batch.quarantine += part.quarantine
            batch.read += part.read
    placeholders = ", ".join("?" for _ in months)
    with warehouse.connect() as con:
        replace_rows(con, "ledger_transactions", batch.frame(), batch.quarantine_frame(),
                     "ledger", f"period IN ({placeholders})", months)
    return dg.MaterializeResult(metadata=_metadata(batch, months=", ".join(months)))

@dg.asset(key_prefix="raw", group_name="ingest", pool=WAREHOUSE_POOL,
          description="Budgeten: #PBUDGET lines per version (antagen, reviderad).")
def budget_lines(context: dg.AssetExecutionContext, settings: Settings,
                 warehouse: Warehouse) -> dg.MaterializeResult:
    config = settings.load()
    batch = loaders.Batch()
    for src in config.sources.budget:
        if not isinstance(src, SieSource):
            raise dg.Failure(f"budget: source type '{src.type}' is not supported yet")
        for path in config.files(src.path):
            part = loaders.read_sie_budget(path, src.version or "")
            batch.rows += part.rows
            batch.quarantine += part.quarantine
            batch.read += part.read
    with warehouse.connect() as con:
        replace_rows(con, "budget_lines", batch.frame(), batch.quarantine_frame(), "budget")
    return dg.MaterializeResult(metadata=_metadata(batch))

def pseudonym_key(config: Config) -> bytes:
    key = os.environ.get(config.pseudonym_key_env)
    if key:
        return key.encode()
    if config.demo:
        return DEMO_PSEUDONYM_KEY
    raise dg.Failure(f"environment variable {config.pseudonym_key_env} is not set: HR data "
                     "cannot be pseudonymised without the municipality's secret key")

@dg.asset(key_prefix="raw", group_name="ingest", pool=WAREHOUSE_POOL,
          partitions_def=monthly, backfill_policy=dg.BackfillPolicy.single_run(),
          description="Personal: employee-months, personnummer replaced by a keyed pseudonym.")
def hr_employee_months(context: dg.AssetExecutionContext, settings: Settings,
                       warehouse: Warehouse) -> dg.MaterializeResult:
    config = settings.load()
    key = pseudonym_key(config)
    months = months_of(context)
    batch = loaders.Batch()
    missing: list[str] = []
    for month in months:
        files = []
        for src in config.sources.hr:
            if not isinstance(src, CsvSource):
                raise dg.Failure(f"hr: source type '{src.type}' is not supported yet")
            files += [(p, src) for p in config.files(src.path, month)]
        if not files:
            if len(months) == 1:
                raise dg.Failure(f"no HR export for {month} (sources.hr)")
            missing.append(month)  # a backfill over years before HR was delivered
            continue
        for path, src in files:
            part = loaders.read_hr_export(path, key, month, src.delimiter, src.encoding,
                                          src.decimal, src.columns)
            batch.rows += part.rows
            batch.quarantine += part.quarantine
            batch.read += part.read
    placeholders = ", ".join("?" for _ in months)
    with warehouse.connect() as con:
        replace_rows(con, "hr_employee_months", batch.frame(), batch.quarantine_frame(), "hr",
                     f"period IN ({placeholders})", months)
    return dg.MaterializeResult(metadata=_metadata(batch, months=", ".join(months)))

defs = dg.Definitions(assets=[org_units, ledger_transactions, budget_lines, hr_employee_months])
