"""Open data area: each follow-up period's published figures as an open-data release
(pipelines/opendata), made after the period's packages, from what they published: the
periods the run made packages for (reports.periods_due), on each period's last month."""

import dagster as dg

from pipelines.defs.ownership import AGGREGATED, EKONOMI
from pipelines.defs.reports import per_period, periods_due
from pipelines.opendata.content import CannotRelease
from pipelines.opendata.release import write_release
from pipelines.partitions import Partitions, months_of
from pipelines.resources import WAREHOUSE_POOL, Settings, Warehouse

OPEN_DATA_RELEASE = dg.AssetKey("open_data_release")


def make_open_data_release(context: dg.AssetExecutionContext, settings: Settings,
                           warehouse: Warehouse, periods: tuple[str, ...]):
    """The releases of the periods the run made packages for (reports.periods_due)."""
    config = settings.load()
    done: dict[str, dict] = {}
    with warehouse.connect(read_only=True) as con:
        for period in periods_due(con, months_of(context), periods):
            done[period] = release_of(context, con, config, period)
    yield from per_period(context, done, periods, "öppna data")
    yield dg.MaterializeResult()


def release_of(context: dg.AssetExecutionContext, con, config, period: str) -> dict:
    """One period's release written; what its partition shows."""
    try:
        written = write_release(con, config, period)
    except CannotRelease as e:  # nothing published yet, no kommunkod: no release, no failure
        context.log.warning(f"öppna data {period}: {e}")
        return {"released": False, "reason": str(e)}
    for line in written.release.withheld:
        context.log.warning(f"öppna data {period}: {line}")
    return {"released": True, "folder": dg.MetadataValue.path(str(written.folder)),
            "rows": dg.MetadataValue.json(written.rows),
            "withheld": dg.MetadataValue.md("\n".join(f"- {w}" for w in written.release.withheld)
                                            or "-")}


def build(partitions: Partitions) -> dg.Definitions:
    @dg.asset(key=OPEN_DATA_RELEASE, group_name="reports", pool=WAREHOUSE_POOL,
              owners=[EKONOMI], kinds={"python", "csv"}, tags=AGGREGATED,
              partitions_def=partitions.monthly,
              backfill_policy=dg.BackfillPolicy.single_run(),
              deps=[dg.AssetKey("follow_up_packages")],
              description="Öppna data: the follow-up period's published figures as a "
                          "Frictionless data package (datapackage.json with the Fiscal Data "
                          "Package's budget phases, CSV in UTF-8) and its DCAT-AP-SE "
                          "metadata, under oppna_data/<period>/. Only boards whose package is "
                          "published, no unit below open_data.public_level, staff figures "
                          "suppressed as in the packages.")
    def open_data_release(context: dg.AssetExecutionContext, settings: Settings,
                          warehouse: Warehouse):
        yield from make_open_data_release(context, settings, warehouse,
                                          partitions.follow_up_periods)

    return dg.Definitions(assets=dg.with_source_code_references([open_data_release]))
