"""Ingest area: delivered files into the warehouse's `raw` schema.

Ledger and HR are monthly partitions; a backfill over a range runs as one run. Each load
replaces its partitions' rows in one transaction, records its deliveries in the manifest
(`raw.deliveries`, files kept as delivered under the landing folder) and asserts rows read =
rows loaded + rows quarantined, shown as metadata.
"""

import os
from collections.abc import Callable
from pathlib import Path

import dagster as dg
import duckdb

from pipelines.config import Config, CsvSource, ExcelSource, SieSource
from pipelines.ingest import landing, loaders
from pipelines.ingest.raw_tables import replace_rows
from pipelines.partitions import monthly, months_of
from pipelines.resources import WAREHOUSE_POOL, Settings, Warehouse

DEMO_PSEUDONYM_KEY = b"exempelkommun-demo-key-not-for-real-data"
Loaded = list[tuple[landing.Delivery, loaders.Batch]]


def _combine(loads: Loaded) -> loaders.Batch:
    batch = loaders.Batch()
    for _, part in loads:
        batch.extend(part)
    batch.check_accounting()
    return batch


def _store(warehouse: Warehouse, config: Config, table: str, source: str, loads: Loaded,
           months: list[str] | None = None, **extra) -> dg.MaterializeResult:
    """Replace the load's rows, record its deliveries, all in one transaction."""
    batch = _combine(loads)
    outcome: dict[str, int] = {}

    def manifest(con: duckdb.DuckDBPyConnection) -> None:
        landing.ensure_manifest(con)
        for d, part in loads:
            status = landing.record(con, config.landing_path, d, part.read, part.loaded,
                                    len(part.quarantine))
            outcome[status] = outcome.get(status, 0) + 1

    with warehouse.connect() as con:
        replace_rows(con, table, batch.frame(), batch.quarantine_frame(), source, months,
                     on_commit=manifest)
    return dg.MaterializeResult(metadata={
        "rows_read": batch.read, "rows_loaded": batch.loaded,
        "rows_quarantined": len(batch.quarantine),
        "deliveries": ", ".join(f"{n} {s}" for s, n in sorted(outcome.items())) or "none",
        **({"months": ", ".join(months)} if months else {}), **extra})


def _unsupported(kind: str, src) -> dg.Failure:
    return dg.Failure(f"sources.{kind}: source type '{src.type}' cannot be loaded here")


@dg.asset(key_prefix="raw", group_name="ingest", pool=WAREHOUSE_POOL,
          description="Organisationsregistret: every unit with level, parent and validity.")
def org_units(settings: Settings, warehouse: Warehouse) -> dg.MaterializeResult:
    config = settings.load()
    src = config.sources.org_register
    if not isinstance(src, CsvSource):
        raise _unsupported("org_register", src)
    loads = [(landing.delivery("org_register", None, p),
              loaders.read_org_register(p, src.delimiter, src.encoding, src.columns))
             for p in config.files(src.path)]
    return _store(warehouse, config, "org_units", "org_register", loads)


@dg.asset(key_prefix="raw", group_name="ingest", pool=WAREHOUSE_POOL,
          description="Kontoplanen: accounts with names, types and booking rules.")
def accounts(settings: Settings, warehouse: Warehouse) -> dg.MaterializeResult:
    config = settings.load()
    src = config.sources.chart_of_accounts
    if src is None:  # no chart export: the accounts the SIE files declare
        paths = [p for s in config.sources.ledger if isinstance(s, SieSource)
                 for p in config.files(s.path)]
        loads = [(landing.delivery("accounts", None, paths[-1]), loaders.read_sie_chart(paths))
                 ] if paths else []
    elif isinstance(src, CsvSource):
        loads = [(landing.delivery("accounts", None, p),
                  loaders.read_chart(p, src.delimiter, src.encoding, src.columns))
                 for p in config.files(src.path)]
    else:
        raise _unsupported("chart_of_accounts", src)
    return _store(warehouse, config, "accounts", "accounts", loads)


@dg.asset(key_prefix="raw", group_name="ingest", pool=WAREHOUSE_POOL,
          description="Objekt: the names of projects, activity codes and counterparts "
                      "declared in the SIE files (#OBJEKT).")
def dimension_objects(settings: Settings, warehouse: Warehouse) -> dg.MaterializeResult:
    config = settings.load()
    paths = [p for s in config.sources.ledger + config.sources.budget
             if isinstance(s, SieSource) for p in config.files(s.path)]
    batch = loaders.read_sie_objects(paths)
    with warehouse.connect() as con:
        replace_rows(con, "dimension_objects", batch.frame(), batch.quarantine_frame(),
                     "dimension_objects")
    batch.check_accounting()
    return dg.MaterializeResult(metadata={"objects": len(batch.rows), "files": len(paths)})


def _ledger_reader(src, month: str | None, months: set[str]
                   ) -> Callable[[Path], loaders.Batch]:
    if isinstance(src, SieSource):
        return lambda p: loaders.read_sie_ledger(p, month, months)
    if isinstance(src, CsvSource):
        return lambda p: loaders.read_table_ledger(p, "csv", month, months, src.delimiter,
                                                   src.encoding, src.decimal,
                                                   columns=src.columns)
    if isinstance(src, ExcelSource):
        return lambda p: loaders.read_table_ledger(p, "excel", month, months, sheet=src.sheet,
                                                   columns=src.columns)
    raise _unsupported("ledger", src)


def ledger_deliveries(config: Config, months: list[str]
                      ) -> list[tuple[Path, str | None, Callable[[Path], loaders.Batch]]]:
    """(file, delivered period, reader) for a range of months: each month's delivery, and
    files that are not monthly (split by voucher date) once."""
    wanted = set(months)
    out, seen = [], set()
    for src in config.sources.ledger:
        if "{period}" in getattr(src, "path", ""):
            for month in months:
                for p in config.files(src.path, month):
                    out.append((p, month, _ledger_reader(src, month, wanted)))
        elif hasattr(src, "path"):
            for p in config.files(src.path):
                if p not in seen:
                    seen.add(p)
                    out.append((p, None, _ledger_reader(src, None, wanted)))
        else:
            raise _unsupported("ledger", src)
    return out


@dg.asset(key_prefix="raw", group_name="ingest", pool=WAREHOUSE_POOL,
          partitions_def=monthly, backfill_policy=dg.BackfillPolicy.single_run(),
          description="Huvudboken: every voucher row per month (SIE 4, CSV or Excel exports).")
def ledger_transactions(context: dg.AssetExecutionContext, settings: Settings,
                        warehouse: Warehouse) -> dg.MaterializeResult:
    config = settings.load()
    months = months_of(context)
    loads = [(landing.delivery("ledger", month, p), read(p))
             for p, month, read in ledger_deliveries(config, months)]
    return _store(warehouse, config, "ledger_transactions", "ledger", loads, months)


@dg.asset(key_prefix="raw", group_name="ingest", pool=WAREHOUSE_POOL,
          description="Budgeten: lines per version (antagen, reviderad); annual lines "
                      "periodised to months by their periodisation key.")
def budget_lines(settings: Settings, warehouse: Warehouse) -> dg.MaterializeResult:
    config = settings.load()
    loads: Loaded = []
    for src in config.sources.budget + config.sources.investment_budget:
        for p in config.files(src.path):
            if isinstance(src, SieSource):
                batch = loaders.read_sie_budget(p, src.version or "")
            elif isinstance(src, CsvSource | ExcelSource):
                kind = "csv" if isinstance(src, CsvSource) else "excel"
                batch = loaders.read_annual_budget(
                    p, kind, src.version or "", config.fiscal_year,
                    getattr(src, "delimiter", ";"), getattr(src, "encoding", "utf-8"),
                    getattr(src, "decimal", ","), getattr(src, "sheet", 0), src.columns)
            else:
                raise _unsupported("budget", src)
            loads.append((landing.delivery("budget", None, p), batch))
    return _store(warehouse, config, "budget_lines", "budget", loads)


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
    months = months_of(context)
    key = pseudonym_key(config) if config.sources.hr else b""
    loads: Loaded = []
    missing: list[str] = []
    for month in months:
        files = []
        for src in config.sources.hr:
            if not isinstance(src, CsvSource):
                raise _unsupported("hr", src)
            files += [(p, src) for p in config.files(src.path, month)]
        if not files:
            if len(months) == 1 and config.sources.hr:
                raise dg.Failure(f"no HR export for {month} (sources.hr)")
            missing.append(month)  # a backfill over years before HR was delivered
            continue
        for p, src in files:
            loads.append((landing.delivery("hr", month, p), loaders.read_hr_export(
                p, key, month, src.delimiter, src.encoding, src.decimal, src.columns)))
    if missing:
        context.log.warning(f"no HR export for {', '.join(missing)}")
    return _store(warehouse, config, "hr_employee_months", "hr", loads, months,
                  months_without_export=", ".join(missing) or "-")


defs = dg.Definitions(assets=[org_units, accounts, dimension_objects, ledger_transactions,
                             budget_lines, hr_employee_months])
