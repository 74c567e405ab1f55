"""Ingest area: delivered files into the warehouse's `raw` schema.

Each load replaces its scope in one transaction, records its deliveries in the manifest
(`raw.deliveries`, files kept as delivered under the landing folder) and asserts rows read =
rows loaded + rows quarantined, shown as metadata. This module holds the loads of the whole
sources (organisation, chart, budget, goals, tidplan, returned packages) and `store`, which
every load uses; the monthly loads of the ledger and HR are in `monthly_loads.py`.
"""

from collections.abc import Callable

import dagster as dg

from pipelines.config import Config, CsvSource, DatabaseSource, ExcelSource, SieSource
from pipelines.errors import InputError
from pipelines.ingest import database, goals, landing, ledger, loaders, year_end
from pipelines.ingest.batch import Batch, Sink
from pipelines.ingest.raw_tables import Replacement, replacing
from pipelines.packages import returns
from pipelines.resources import WAREHOUSE_POOL, Settings, Warehouse

# a delivery and how to read it: the reader hands its rows to the sink as it goes; a month
# read from a database table has no delivered file (None)
Reading = tuple[landing.Delivery | None, Callable[[Sink | None], Batch]]


def store(warehouse: Warehouse, config: Config, table: str, source: str,
          readings: list[Reading], months: list[str] | None = None,
          databases: list[DatabaseSource] = (), **extra) -> dg.MaterializeResult:
    """Load every delivery into `table`, replacing the load's scope, and record the
    deliveries in the manifest: one transaction, all or nothing. With `months`, a monthly
    load: those months, and every file read whole (a delivery without a period). ERP
    databases are extracted first (incrementally for one month, in full for a range) and
    their landed rows of the months loaded like a delivery."""
    total = Batch()
    outcome: dict[str, int] = {}
    whole = [d.path.name for d, _ in readings if d and d.period is None] \
        if months is not None else []
    changed_whole: list[str] = []
    with warehouse.connect() as con, replacing(con, table, source, months, whole) as load:
        landing.ensure_manifest(con)
        for db in databases:
            extracted = database.extract(db, con, full=len(months or []) != 1)
            extracted.check_accounting()
            load.quarantine(extracted.quarantine_frame())
            loaded = database.load_landed(db, con, months or [], load.insert)
            extra[f"{database.source_name(db)} extracted"] = extracted.read
            extra[f"{database.source_name(db)} loaded"] = loaded
            total.quarantine += extracted.quarantine
            total.flushed += loaded
            total.read += loaded + len(extracted.quarantine)
        for delivery, read in readings:
            part = read(load.insert)
            part.sink = load.insert  # small readers keep their rows until here
            part.flush()
            part.check_accounting()
            load.quarantine(part.quarantine_frame())
            if delivery is not None:
                status = landing.record(con, config.landing_path, delivery, part.read,
                                        part.loaded, len(part.quarantine))
                outcome[status] = outcome.get(status, 0) + 1
                if delivery.period is None and status != "unchanged":
                    changed_whole.append(delivery.path.name)
            total.extend(part)
        if months is not None and changed_whole:
            load.rebuild_beyond(months, changed_whole)
    return dg.MaterializeResult(metadata={
        "rows_read": total.read, "rows_loaded": total.loaded,
        "rows_quarantined": len(total.quarantine),
        "deliveries": ", ".join(f"{n} {s}" for s, n in sorted(outcome.items())) or "none",
        **({"months": ", ".join(months)} if months else {}), **extra})


def unsupported(kind: str, src) -> InputError:
    return InputError(f"sources.{kind}: källtypen '{src.type}' kan inte läsas in här")


def _table_source(src, kind: str):
    if isinstance(src, CsvSource | ExcelSource):
        return src.type, getattr(src, "delimiter", ";"), getattr(src, "encoding", "utf-8"), \
            getattr(src, "sheet", 0)
    raise unsupported(kind, src)


@dg.asset(key_prefix="raw", group_name="ingest", pool=WAREHOUSE_POOL,
          description="Organisationsregistret: every unit with level, parent and validity.")
def org_units(settings: Settings, warehouse: Warehouse) -> dg.MaterializeResult:
    config = settings.load()
    src = config.sources.org_register
    kind, delimiter, encoding, sheet = _table_source(src, "org_register")
    readings = [(landing.delivery("org_register", None, p),
                 lambda sink, p=p: loaders.read_org_register(p, delimiter, encoding,
                                                             src.columns, kind=kind,
                                                             sheet=sheet))
                for p in config.files(src.path)]
    return store(warehouse, config, "org_units", "org_register", readings)


@dg.asset(key_prefix="raw", group_name="ingest", pool=WAREHOUSE_POOL,
          description="Kontoplanen: accounts with names, types and booking rules.")
def accounts(settings: Settings, warehouse: Warehouse) -> dg.MaterializeResult:
    config = settings.load()
    src = config.sources.chart_of_accounts
    if src is None:  # no chart export: the accounts the SIE files declare, file by file
        paths = list(dict.fromkeys(p for s in config.sources.ledger if isinstance(s, SieSource)
                                   for p in config.files(s.path)))
        seen: set[str] = set()
        readings = [(landing.delivery("accounts", None, p),
                     lambda sink, p=p: loaders.read_sie_chart(p, seen)) for p in paths]
    else:
        kind, delimiter, encoding, sheet = _table_source(src, "chart_of_accounts")
        readings = [(landing.delivery("accounts", None, p),
                     lambda sink, p=p: loaders.read_chart(
                         p, delimiter, encoding, src.columns, kind=kind, sheet=sheet,
                         code_and_name=src.code_and_name))
                    for p in config.files(src.path)]
    return store(warehouse, config, "accounts", "accounts", readings)


@dg.asset(key_prefix="raw", group_name="ingest", pool=WAREHOUSE_POOL,
          description="Objekt: the names of projects, activity codes and counterparts "
                      "declared in the SIE files (#OBJEKT).")
def dimension_objects(settings: Settings, warehouse: Warehouse) -> dg.MaterializeResult:
    config = settings.load()
    paths = [p for s in config.sources.ledger + config.sources.budget
             if isinstance(s, SieSource) for p in config.files(s.path)]
    batch = loaders.read_sie_objects(paths)
    with warehouse.connect() as con, replacing(con, "dimension_objects",
                                               "dimension_objects") as load:
        load.insert(batch.frame())
    return dg.MaterializeResult(metadata={"objects": len(batch.rows), "files": len(paths)})


@dg.asset(key_prefix="raw", group_name="ingest", pool=WAREHOUSE_POOL,
          description="Tidplanen: the follow-up periods with their data cut-off and meeting "
                      "dates, from the municipality's tidplan file.")
def follow_up_calendar(settings: Settings, warehouse: Warehouse) -> dg.MaterializeResult:
    config = settings.load()
    src = config.sources.tidplan
    readings = [(landing.delivery("tidplan", None, p),
                 lambda sink, p=p: loaders.read_tidplan(p))
                for p in (config.files(src.path) if src else [])]
    return store(warehouse, config, "follow_up_calendar", "tidplan", readings)


@dg.asset(key_prefix="raw", group_name="ingest", pool=WAREHOUSE_POOL,
          description="Tidplanen's comment deadlines per follow-up period and level "
                      "(enhet, verksamhet, sektor) or kind of goal (aktiviteter, delmål ...).")
def comment_deadlines(settings: Settings, warehouse: Warehouse) -> dg.MaterializeResult:
    config = settings.load()
    src = config.sources.tidplan
    readings = [(landing.delivery("tidplan", None, p),
                 lambda sink, p=p: goals.read_comment_deadlines(p))
                for p in (config.files(src.path) if src else [])]
    # its quarantine apart from the calendar's: each load replaces only its own
    return store(warehouse, config, "comment_deadlines", "comment_deadlines", readings)


@dg.asset(key=["raw", "goals"], group_name="ingest", pool=WAREHOUSE_POOL,
          description="Mål och styrtal: KF's strategic areas and styrtal, the financial goals, "
                      "nämndmål with styrtal, delmål and aktiviteter, each with its parent.")
def goal_hierarchy(settings: Settings, warehouse: Warehouse) -> dg.MaterializeResult:
    config = settings.load()
    src = config.sources.goals
    readings = [(landing.delivery("goals", None, p), lambda sink, p=p: goals.read_goals(p))
                for p in (config.files(src.path) if src else [])]
    return store(warehouse, config, "goals", "goals", readings)


@dg.asset(key_prefix="raw", group_name="ingest", pool=WAREHOUSE_POOL, deps=[goal_hierarchy],
          description="Status and comment per goal and tertial, as units and boards report "
                      "them (uppnått, delvis uppnått, ej uppnått, ej påbörjad); a report of a "
                      "goal the goals file does not hold is quarantined.")
def goal_statuses(settings: Settings, warehouse: Warehouse) -> dg.MaterializeResult:
    config = settings.load()
    known = None  # without a goals file, any goal id is taken as reported
    if config.sources.goals is not None:
        with warehouse.connect(read_only=True) as con:
            if con.execute("select count(*) from information_schema.tables where "
                           "table_schema = 'raw' and table_name = 'goals'").fetchone()[0]:
                known = set(con.execute("select fiscal_year, goal_id from raw.goals"
                                        ).fetchall())
    readings = []
    for src in config.sources.goal_statuses:
        kind, delimiter, encoding, sheet = _table_source(src, "goal_statuses")
        readings += [(landing.delivery("goal_statuses", None, p),
                      lambda sink, p=p, src=src, kind=kind, d=delimiter, e=encoding, sh=sheet:
                      goals.read_goal_statuses(p, kind, d, e, sh, src.columns, known))
                     for p in config.files(src.path)]
    return store(warehouse, config, "goal_statuses", "goal_statuses", readings)


@dg.asset(key_prefix="raw", group_name="ingest", pool=WAREHOUSE_POOL,
          description="Styrtal outcomes from Kolada (kpi, kommun, år, kön, värde).")
def kpi_outcomes(settings: Settings, warehouse: Warehouse) -> dg.MaterializeResult:
    config = settings.load()
    readings = []
    for src in config.sources.kpi_outcomes:
        kind, delimiter, encoding, sheet = _table_source(src, "kpi_outcomes")
        decimal = getattr(src, "decimal", ".")
        readings += [(landing.delivery("kpi_outcomes", None, p),
                      lambda sink, p=p, src=src, kind=kind, d=delimiter, e=encoding, sh=sheet,
                      dec=decimal: goals.read_kpi_outcomes(p, kind, d, e, dec, sh, src.columns,
                                                            config.municipality_code))
                     for p in config.files(src.path)]
    return store(warehouse, config, "kpi_outcomes", "kpi_outcomes", readings)


@dg.asset(key_prefix="raw", group_name="ingest", pool=WAREHOUSE_POOL,
          description="KF's year-end decisions for the balanskravsutredning: realisation gains "
                      "and losses excepted, allocations to and from the "
                      "resultatutjämningsreserv.")
def balance_requirement_decisions(settings: Settings, warehouse: Warehouse
                                  ) -> dg.MaterializeResult:
    config = settings.load()
    readings = []
    for src in config.sources.balance_requirement_decisions:
        kind, delimiter, encoding, sheet = _table_source(src, "balance_requirement_decisions")
        decimal = getattr(src, "decimal", ",")
        readings += [(landing.delivery("balance_requirement_decisions", None, p),
                      lambda sink, p=p, src=src, kind=kind, d=delimiter, e=encoding, sh=sheet,
                      dec=decimal: year_end.read_balance_requirement_decisions(
                          p, kind, d, e, dec, sh, src.columns))
                     for p in config.files(src.path)]
    return store(warehouse, config, "balance_requirement_decisions",
                  "balance_requirement_decisions", readings)


@dg.asset(key_prefix="raw", group_name="ingest", pool=WAREHOUSE_POOL,
          description="Budgeten: lines per version (antagen, reviderad); annual lines "
                      "periodised to months by their periodisation key.")
def budget_lines(settings: Settings, warehouse: Warehouse) -> dg.MaterializeResult:
    config = settings.load()
    years = set(config.years)
    readings: list[Reading] = []
    for src in config.sources.budget + config.sources.investment_budget:
        for p in config.files(src.path):
            if isinstance(src, SieSource):
                def read(sink, p=p, src=src):
                    return ledger.read_sie_budget(p, src.version or "", years)
            elif isinstance(src, CsvSource | ExcelSource):
                kind, delimiter, encoding, sheet = _table_source(src, "budget")

                def read(sink, p=p, src=src, kind=kind, d=delimiter, e=encoding, sh=sheet):
                    return ledger.read_annual_budget(
                        p, kind, src.version or "", config.fiscal_year, d, e,
                        getattr(src, "decimal", ","), sh, src.columns, years=years,
                        code_and_name=src.code_and_name)
            else:
                raise unsupported("budget", src)
            readings.append((landing.delivery("budget", None, p), read))
    return store(warehouse, config, "budget_lines", "budget", readings)


@dg.multi_asset(
    specs=[dg.AssetSpec(["raw", "deviation_comments"], group_name="ingest",
                        description="Kommentarer, orsaker och åtgärder from returned packages."),
           dg.AssetSpec(["raw", "submitted_forecasts"], group_name="ingest",
                        description="Helårsprognoser submitted in returned packages (SEK)."),
           dg.AssetSpec(["raw", "returned_goal_statuses"], group_name="ingest",
                        description="Status and comment per goal reported in the Mål sheet of "
                                    "returned tertial packages.")],
    pool=WAREHOUSE_POOL)
def returned_packages(context: dg.AssetExecutionContext, settings: Settings,
                      warehouse: Warehouse):
    """Every workbook in <landing>/returer/, checked whole: a file with one bad cell is
    quarantined row by row and nothing of it is loaded (pipelines/packages/returns.py)."""
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
    for f in rejected:
        context.log.warning(f"{f.path.name}: avvisad - " + "; ".join(f.errors[:10]))
    common = {"files": len(got.files), "files_rejected": len(rejected),
              "rows_quarantined": len(got.quarantine)}
    for key, frame in (("deviation_comments", got.comments),
                       ("submitted_forecasts", got.forecasts),
                       ("returned_goal_statuses", got.goal_statuses)):
        yield dg.MaterializeResult(asset_key=["raw", key],
                                   metadata={**common, "rows_loaded": len(frame)})


ASSETS = [org_units, accounts, dimension_objects, follow_up_calendar, comment_deadlines,
          goal_hierarchy, goal_statuses, kpi_outcomes, balance_requirement_decisions,
          budget_lines, returned_packages]
