"""Reports area: what the pipeline hands to people.

`load_report` is the inläsningsrapport (pipelines/ingest/load_report.py): per source and
file the rows read, loaded and quarantined, and every quarantined line with its rule.
`follow_up_packages` are the boards' packages of a follow-up period (pipelines/packages).
`comment_reminders` lists who has still not commented or reported by the tidplan's deadlines.

The packages are partitioned by month like everything they read: a follow-up period is its
last month. Which periods a run makes is decided here and nowhere else (periods_due): every
period that reads one of the run's months and is due. So the CLI's run, the schedules, a
backfill and the asset graph's Materialize of one re-delivered month make the same packages,
in the same run as the load.
"""

import datetime as dt
from pathlib import Path

import dagster as dg

from pipelines import read_copy
from pipelines.defs.keys import READ_COPY, raw_key
from pipelines.defs.ownership import EKONOMI
from pipelines.ingest.load_report import RAW_TABLES, write_load_report
from pipelines.packages.publish import folder, make_packages
from pipelines.packages.reminders import due_reminders, record_reminders, write_reminders
from pipelines.partitions import Partitions, months_of, months_to_periods, periods_to_make
from pipelines.resources import WAREHOUSE_POOL, Settings, Warehouse
from pipelines.warehouse_tables import has_table

# what a package is made from (every mart pipelines/packages reads, all monthly); the package
# of a period reads the year's months up to it
PACKAGE_SOURCES = [["marts", m] for m in (
    "balance_requirement", "budget_changes", "budget_follow_up", "deviations",
    "financial_statements", "forecasts", "goal_follow_up", "investment_follow_up",
    "ledger_transactions", "staff_statistics")] + [["quality", "issues"]]

@dg.asset(group_name="reports", pool=WAREHOUSE_POOL, owners=[EKONOMI],
          kinds={"python", "excel"}, deps=[raw_key(t) for t in RAW_TABLES.values()],
          description="Inläsningsrapport: per source and per delivered file the rows read, "
                      "loaded and quarantined, the most frequent quarantine rules, and every "
                      "quarantined line with file, line and rule.")
def load_report(settings: Settings, warehouse: Warehouse) -> dg.MaterializeResult:
    config = settings.load()
    out = config.reports_path / "inlasningsrapport.xlsx"
    with warehouse.connect(read_only=True) as con:
        quarantined = write_load_report(con, out)
    return dg.MaterializeResult(metadata={"path": dg.MetadataValue.path(str(out)),
                                          "quarantined": quarantined})


MARTS_DIR = Path(__file__).resolve().parents[2] / "dbt_project" / "models" / "marts"
MARTS = sorted(p.stem for p in MARTS_DIR.iterdir() if p.suffix in (".sql", ".py"))


def publish_read_copy(settings: Settings, warehouse: Warehouse) -> dg.MaterializeResult:
    config = settings.load()
    target = config.read_copy_path
    with warehouse.connect(read_only=True):  # waits, as a write would, for a holder
        pass
    rows = read_copy.publish(Path(warehouse.path), target, warehouse.lock_wait_seconds)
    return dg.MaterializeResult(metadata={
        "path": dg.MetadataValue.path(str(target)), "tables": len(rows),
        "rows": sum(rows.values()),
        "dagster/row_count": rows.get("marts.budget_follow_up", 0)})


def periods_due(con, months: list[str], periods: tuple[str, ...]) -> list[str]:
    """The follow-up periods a run over `months` makes packages and open data for
    (partitions.periods_to_make): those reading the months whose last month the ledger holds
    and whose year has a budget."""
    loaded = {m for (m,) in con.execute(
        "select distinct period from raw.ledger_transactions").fetchall()} \
        if has_table(con, "raw", "ledger_transactions") else set()
    budgets = {y for (y,) in con.execute(
        "select distinct fiscal_year from raw.budget_lines").fetchall()} \
        if has_table(con, "raw", "budget_lines") else set()
    return periods_to_make(months, periods, loaded, budgets)


def why_none(month: str, periods: tuple[str, ...], made: list[str], what: str) -> str:
    """What a month of the run that got none of `what` of its own shows instead."""
    reason = (f"{month} är ingen uppföljningsperiod" if month not in periods else
              f"{month} saknar huvudbok eller budget i lagret")
    return reason + (f"; körningen gjorde {what} för {', '.join(made)}" if made else "")


def per_period(context: dg.AssetExecutionContext, done: dict[str, dict], periods, what: str):
    """Each period's metadata on that period's partition: the run's own months through
    add_asset_metadata (the month a period is made in shows that period's figures), the
    periods beyond the run's months (a later period reading a re-delivered month) as
    materialisations of their own; a month of the run with none says why."""
    months = months_of(context)
    for month in months:
        context.add_asset_metadata(
            done.get(month) or {what: why_none(month, periods, list(done), what)},
            partition_key=month)
    for period, metadata in done.items():
        if period not in months:
            yield dg.AssetMaterialization(asset_key=context.asset_key, partition=period,
                                          metadata=metadata)


def make_follow_up_packages(context: dg.AssetExecutionContext, settings: Settings,
                            warehouse: Warehouse, periods: tuple[str, ...]):
    config = settings.load()
    done: dict[str, dict] = {}
    with warehouse.connect() as con:
        for period in periods_due(con, months_of(context), periods):
            issued = make_packages(con, config.municipality, config.reports_path, period)
            done[period] = issued_metadata(context, config, period, issued)
    yield from per_period(context, done, periods, "paket")
    context.log.info("Paket gjorda för " + (", ".join(done) or "ingen period"))
    yield dg.MaterializeResult()


def issued_metadata(context: dg.AssetExecutionContext, config, period: str, issued) -> dict:
    """A period's packages as its partition shows them: how many published and blocked,
    and each blocked board with why."""
    blocked = [i for i in issued if not i.published]
    for i in blocked:
        context.log.warning(f"{period} {i.package.scope.name}: ej publicerad - "
                            + "; ".join(i.package.blockers))
    lines = "\n".join(f"- **{i.package.scope.name}**: " + "; ".join(i.package.blockers)
                      for i in blocked) or "-"
    return {"published": len(issued) - len(blocked), "blocked": len(blocked),
            "blocked_packages": dg.MetadataValue.md(lines),
            "folder": dg.MetadataValue.path(str(folder(config.reports_path, period, True)))}


REMINDER_DAY_TAG = "uppfoljning/reminder_date"
NO_REMINDER_DAY = ("inga påminnelser: körningen anger ingen påminnelsedag (taggen "
                   f"{REMINDER_DAY_TAG}, som schemat deadline_reminders och "
                   "`uppfoljning remind` sätter)")


def make_comment_reminders(context: dg.AssetExecutionContext, settings: Settings,
                           warehouse: Warehouse, periods: tuple[str, ...]):
    config = settings.load()
    tagged = context.run.tags.get(REMINDER_DAY_TAG)
    if not tagged:  # a load or a re-delivery that selects everything downstream: no one is
        # reminded, and none is recorded as reminded, because a month was loaded again
        for month in months_of(context):
            context.add_asset_metadata({"påminnelser": NO_REMINDER_DAY}, partition_key=month)
        context.log.info(NO_REMINDER_DAY)
        yield dg.MaterializeResult()
        return
    day = dt.date.fromisoformat(tagged)
    done = {period: reminders_of(context, config, warehouse, period, day)
            for period in months_of(context) if period in periods}
    yield from per_period(context, done, periods, "påminnelser")
    yield dg.MaterializeResult()


def reminders_of(context: dg.AssetExecutionContext, config, warehouse: Warehouse,
                 period: str, day: dt.date) -> dict:
    """One follow-up period's reminders written and recorded; what its partition shows."""
    with warehouse.connect() as con:
        due = due_reminders(con, period, day, config.reminders.days_before)
        record_reminders(con, due, period, day)
    out = write_reminders(due, config.reports_path, config.municipality, period, day)
    units = due["unit_code"].nunique()
    context.log.info(f"{period}, {day}: {units} enheter har något kvar att kommentera "
                     f"eller rapportera")
    return {"day": day.isoformat(), "units": units, "path": dg.MetadataValue.path(str(out)),
            "missing": dg.MetadataValue.md("\n".join(
                f"- {r.unit_code} {r.unit_name}: {r.what}, senast {r.deadline} ({r.situation})"
                for r in due.head(50).itertuples()) or "-")}


def build(partitions: Partitions) -> dg.Definitions:
    """The load report, the packages and reminders (by month: a follow-up period is its last
    month), and the published copy."""
    by_period = months_to_periods(partitions)  # a month's downstream: the periods reading it
    periods = partitions.follow_up_periods

    @dg.asset(group_name="reports", pool=WAREHOUSE_POOL, owners=[EKONOMI],
              kinds={"python", "excel", "pdf"}, partitions_def=partitions.monthly,
              backfill_policy=dg.BackfillPolicy.single_run(),
              deps=[dg.AssetDep(dg.AssetKey(k), partition_mapping=by_period)
                    for k in PACKAGE_SOURCES],
              description="Uppföljningspaket: per follow-up period one package per board and "
                          "one for the kommun total (Excel workbook and PDF), on the period's "
                          "last month. A run makes the packages of every period that reads "
                          "one of its months and is due (its last month loaded, its year "
                          "budgeted): a re-delivered August makes 2025-08, -10 and -12 again. "
                          "A board with a failing error-level quality rule, or data that does "
                          "not reconcile, gets a marked draft instead (paket/<period>/utkast/) "
                          "and the run says why.")
    def follow_up_packages(context: dg.AssetExecutionContext, settings: Settings,
                           warehouse: Warehouse):
        yield from make_follow_up_packages(context, settings, warehouse, periods)

    @dg.asset(group_name="reports", pool=WAREHOUSE_POOL, owners=[EKONOMI],
              kinds={"python", "excel"}, partitions_def=partitions.monthly,
              backfill_policy=dg.BackfillPolicy.single_run(),
              deps=[raw_key("deviation_comments"), raw_key("goal_statuses"),
                    raw_key("returned_goal_statuses"), raw_key("comment_deadlines"),
                    dg.AssetDep(dg.AssetKey(["marts", "deviations"]),
                                partition_mapping=by_period),
                    dg.AssetDep(dg.AssetKey(["marts", "goal_follow_up"]),
                                partition_mapping=by_period)],
              description="Påminnelser: per unit, the comments and goal reports of the "
                          "follow-up period still missing for deadlines that are near or passed "
                          "(the run's tag uppfoljning/reminder_date; a run without it, e.g. "
                          "a re-delivery selecting everything downstream, reminds no one), "
                          "on the "
                          "period's last month. A list for Ekonomi and one message per unit "
                          "under paminnelser/<period>/.")
    def comment_reminders(context: dg.AssetExecutionContext, settings: Settings,
                          warehouse: Warehouse):
        yield from make_comment_reminders(context, settings, warehouse, periods)

    @dg.asset(key=READ_COPY, group_name="reports", pool=WAREHOUSE_POOL, owners=[EKONOMI],
              kinds={"duckdb"},
              deps=[*(dg.AssetKey(["marts", m]) for m in MARTS), dg.AssetKey(["quality", "issues"]),
                    follow_up_packages],
              description="Publicerad kopia: the marts, quality issues, seeds and issued "
                          "packages copied to a read-only DuckDB file for controllers and "
                          "their tools (config read_copy; default publicerad/ beside the "
                          "warehouse), replaced in one rename after each build, so a reader "
                          "sees the last complete state and never blocks the run.")
    def read_copy_asset(settings: Settings, warehouse: Warehouse) -> dg.MaterializeResult:
        return publish_read_copy(settings, warehouse)

    return dg.Definitions(assets=dg.with_source_code_references(
        [load_report, follow_up_packages, comment_reminders, read_copy_asset]))
