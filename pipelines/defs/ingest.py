"""Ingest area: delivered files into the warehouse's `raw` schema.

Each load replaces its scope in one transaction, records its deliveries in the manifest
(`raw.deliveries`, files kept as delivered under the landing folder) and asserts rows read =
rows loaded + rows quarantined, shown as metadata: the protocol is the readers'
(pipelines/ingest/store.py), `store` here runs it on the warehouse for an asset. This module
holds the loads of the whole sources (organisation, chart, budget, goals, tidplan, returned
packages); the monthly loads of the ledger and HR are in `monthly_loads.py`.
"""

import dagster as dg

from pipelines.config import Config, DatabaseSource, SieSource
from pipelines.defs.keys import raw_key
from pipelines.defs.ownership import EKONOMI, INGEST_KINDS
from pipelines.ingest import deliveries, loaders
from pipelines.ingest.deliveries import Reading
from pipelines.ingest.raw_tables import Replacement, replacing
from pipelines.ingest.store import store_deliveries
from pipelines.packages import returns
from pipelines.resources import WAREHOUSE_POOL, Settings, Warehouse
from pipelines.warehouse_tables import has_table


def store(warehouse: Warehouse, config: Config, table: str, source: str,
          readings: list[Reading], months: list[str] | None = None,
          databases: list[DatabaseSource] = (), **extra) -> dg.MaterializeResult:
    """The load protocol (pipelines/ingest/store.py) on the warehouse, as the asset's
    materialisation."""
    with warehouse.connect() as con:
        return dg.MaterializeResult(metadata=store_deliveries(
            con, config, table, source, readings, months, databases, **extra))


@dg.asset(key=raw_key("org_units"), group_name="ingest", pool=WAREHOUSE_POOL,
          owners=[EKONOMI], kinds=INGEST_KINDS,
          description="Organisationsregistret: every unit with level, parent and validity.")
def org_units(settings: Settings, warehouse: Warehouse) -> dg.MaterializeResult:
    config = settings.load()
    return store(warehouse, config, "org_units", "org_register",
                 deliveries.org_register_readings(config))


@dg.asset(key=raw_key("accounts"), group_name="ingest", pool=WAREHOUSE_POOL,
          owners=[EKONOMI], kinds=INGEST_KINDS,
          description="Kontoplanen: accounts with names, types and booking rules.")
def accounts(settings: Settings, warehouse: Warehouse) -> dg.MaterializeResult:
    config = settings.load()
    return store(warehouse, config, "accounts", "accounts", deliveries.chart_readings(config))


@dg.asset(key=raw_key("account_balances"), group_name="ingest", pool=WAREHOUSE_POOL,
          owners=[EKONOMI], kinds=INGEST_KINDS,
          description="Ingående och utgående balanser: the year balances of the accounts "
                      "(#IB, #UB, #RES) the SIE ledger files state, for the balansräkning.")
def account_balances(settings: Settings, warehouse: Warehouse) -> dg.MaterializeResult:
    config = settings.load()
    return store(warehouse, config, "account_balances", "account_balances",
                 deliveries.balance_readings(config))


@dg.asset(key=raw_key("dimension_objects"), group_name="ingest", pool=WAREHOUSE_POOL,
          owners=[EKONOMI], kinds=INGEST_KINDS,
          description="Objekt: the names of projects, activity codes and counterparts "
                      "declared in the SIE files (#OBJEKT).")
def dimension_objects(settings: Settings, warehouse: Warehouse) -> dg.MaterializeResult:
    config = settings.load()
    paths = list(dict.fromkeys(p for s in config.sources.ledger + config.sources.budget
                               if isinstance(s, SieSource) for p in config.files(s.path)))
    batch = loaders.read_sie_objects(paths)
    with warehouse.connect() as con, replacing(con, "dimension_objects",
                                               "dimension_objects") as load:
        load.insert(batch.frame())
    return dg.MaterializeResult(metadata={"objects": len(batch.rows), "files": len(paths)})


@dg.asset(key=raw_key("follow_up_calendar"), group_name="ingest", pool=WAREHOUSE_POOL,
          owners=[EKONOMI], kinds=INGEST_KINDS,
          description="Tidplanen: the follow-up periods with their data cut-off and meeting "
                      "dates, from the municipality's tidplan file.")
def follow_up_calendar(settings: Settings, warehouse: Warehouse) -> dg.MaterializeResult:
    config = settings.load()
    return store(warehouse, config, "follow_up_calendar", "tidplan",
                 deliveries.tidplan_readings(config))


@dg.asset(key=raw_key("comment_deadlines"), group_name="ingest", pool=WAREHOUSE_POOL,
          owners=[EKONOMI], kinds=INGEST_KINDS,
          description="Tidplanen's comment deadlines per follow-up period and level "
                      "(enhet, verksamhet, sektor) or kind of goal (aktiviteter, delmål ...).")
def comment_deadlines(settings: Settings, warehouse: Warehouse) -> dg.MaterializeResult:
    config = settings.load()
    # its quarantine apart from the calendar's: each load replaces only its own
    return store(warehouse, config, "comment_deadlines", "comment_deadlines",
                 deliveries.tidplan_readings(config, deadlines=True))


@dg.asset(key=raw_key("goals"), group_name="ingest", pool=WAREHOUSE_POOL,
          owners=[EKONOMI], kinds=INGEST_KINDS,
          description="Mål och styrtal: KF's strategic areas and styrtal, the financial goals, "
                      "nämndmål with styrtal, delmål and aktiviteter, each with its parent.")
def goal_hierarchy(settings: Settings, warehouse: Warehouse) -> dg.MaterializeResult:
    config = settings.load()
    return store(warehouse, config, "goals", "goals", deliveries.goal_readings(config))


@dg.asset(key=raw_key("goal_statuses"), group_name="ingest", pool=WAREHOUSE_POOL,
          owners=[EKONOMI], kinds=INGEST_KINDS, deps=[goal_hierarchy],
          description="Status and comment per goal and tertial, as units and boards report "
                      "them (uppnått, delvis uppnått, ej uppnått, ej påbörjad); a report of a "
                      "goal the goals file does not hold is quarantined.")
def goal_statuses(settings: Settings, warehouse: Warehouse) -> dg.MaterializeResult:
    config = settings.load()
    known = None  # without a goals file, any goal id is taken as reported
    if config.sources.goals is not None:
        with warehouse.connect(read_only=True) as con:
            if has_table(con, "raw", "goals"):
                known = set(con.execute("select fiscal_year, goal_id from raw.goals"
                                        ).fetchall())
    return store(warehouse, config, "goal_statuses", "goal_statuses",
                 deliveries.goal_status_readings(config, known))


@dg.asset(key=raw_key("kpi_outcomes"), group_name="ingest", pool=WAREHOUSE_POOL,
          owners=[EKONOMI], kinds=INGEST_KINDS,
          description="Styrtal outcomes from Kolada (kpi, kommun, år, kön, värde).")
def kpi_outcomes(settings: Settings, warehouse: Warehouse) -> dg.MaterializeResult:
    config = settings.load()
    return store(warehouse, config, "kpi_outcomes", "kpi_outcomes",
                 deliveries.kpi_readings(config))


@dg.asset(key=raw_key("balance_requirement_decisions"), group_name="ingest", pool=WAREHOUSE_POOL,
          owners=[EKONOMI], kinds=INGEST_KINDS,
          description="KF's year-end decisions for the balanskravsutredning: realisation gains "
                      "and losses excepted, allocations to and from the "
                      "resultatutjämningsreserv.")
def balance_requirement_decisions(settings: Settings, warehouse: Warehouse
                                  ) -> dg.MaterializeResult:
    config = settings.load()
    return store(warehouse, config, "balance_requirement_decisions",
                 "balance_requirement_decisions", deliveries.decision_readings(config))


@dg.asset(key=raw_key("budget_lines"), group_name="ingest", pool=WAREHOUSE_POOL,
          owners=[EKONOMI], kinds=INGEST_KINDS,
          description="Budgeten: lines per version (antagen, reviderad); annual lines "
                      "periodised to months by their periodisation key.")
def budget_lines(settings: Settings, warehouse: Warehouse) -> dg.MaterializeResult:
    config = settings.load()
    return store(warehouse, config, "budget_lines", "budget", deliveries.budget_readings(config))


RETURNS = {"group_name": "ingest", "owners": [EKONOMI], "kinds": {"python", "duckdb", "excel"}}


@dg.multi_asset(
    specs=[dg.AssetSpec(raw_key("deviation_comments"), **RETURNS,
                        description="Kommentarer, orsaker och åtgärder from returned packages."),
           dg.AssetSpec(raw_key("submitted_forecasts"), **RETURNS,
                        description="Helårsprognoser submitted in returned packages (SEK)."),
           dg.AssetSpec(raw_key("returned_goal_statuses"), **RETURNS,
                        description="Status and comment per goal reported in the Mål sheet of "
                                    "returned tertial packages.")],
    pool=WAREHOUSE_POOL)
def returned_packages(context: dg.AssetExecutionContext, settings: Settings,
                      warehouse: Warehouse):
    """Every workbook in <landing>/returer/: a package of ours has its good rows loaded and
    each bad row quarantined with its bad cells named (sheet, cell, rule); a file that is
    not one of our packages, or is for another period or board, is refused whole
    (pipelines/packages/returns.py)."""
    config = settings.load()
    folder = config.landing_path / returns.RETURNS_FOLDER
    with warehouse.connect() as con, replacing(con, "deviation_comments", "returns") as load:
        got = returns.read_returns(folder, con)
        con.execute("DELETE FROM raw.submitted_forecasts")
        con.execute("DELETE FROM raw.returned_goal_statuses")
        load.insert(got.comments)
        Replacement(con, "submitted_forecasts").insert(got.forecasts)
        Replacement(con, "returned_goal_statuses").insert(got.goal_statuses)
        load.quarantine(got.quarantine)
    rejected = [f for f in got.files if not f.accepted]
    for f in got.files:
        if f.errors:
            context.log.warning(f"{f.path.name}: " + ("avvisad - " if not f.accepted else
                                                      "rader i karantän - ")
                                + "; ".join(f.errors[:10]))
    common = {"files": len(got.files), "files_rejected": len(rejected),
              "files_with_bad_rows": sum(f.accepted and bool(f.errors) for f in got.files),
              "rows_quarantined": len(got.quarantine)}
    for key, frame in (("deviation_comments", got.comments),
                       ("submitted_forecasts", got.forecasts),
                       ("returned_goal_statuses", got.goal_statuses)):
        yield dg.MaterializeResult(asset_key=raw_key(key),
                                   metadata={**common, "rows_loaded": len(frame)})


ASSETS = [org_units, accounts, account_balances, dimension_objects, follow_up_calendar,
          comment_deadlines, goal_hierarchy, goal_statuses, kpi_outcomes,
          balance_requirement_decisions, budget_lines, returned_packages]


def build() -> dg.Definitions:
    """The loads of the registers and the files read whole (not by month)."""
    return dg.Definitions(assets=dg.with_source_code_references(ASSETS))
