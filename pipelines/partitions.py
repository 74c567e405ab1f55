"""Partitions, from the config's years: every partitioned asset is partitioned by month.

The months are exactly those of the configured years (`first_year` … `fiscal_year`). A
follow-up period (January through each even month: Feb, Apr = tertial 1, Jun, Aug = delår,
Oct, Dec = årsredovisning) is its last month: the packages of 2025-08 are the partition
2025-08 of `follow_up_packages`. One partition space for everything means that the asset
graph launches a month and all that depends on it, packages included, as one run. Nothing
starts at a fixed year: a kommun that backfills 2010 configures `first_year: 2010` and has
its months.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

import dagster as dg

FOLLOW_UP_MONTHS = (2, 4, 6, 8, 10, 12)
# the tags of a run over a range of months (what a backfill with a single-run policy sets)
RANGE_START = "dagster/asset_partition_range_start"
RANGE_END = "dagster/asset_partition_range_end"
EARLIER_YEARS = 3  # a package compares with up to three earlier years (personal, balanskrav)


@dataclass(frozen=True)
class Partitions:
    """The partitions of one config: its months (YYYY-MM keys) and, among them, its
    follow-up periods."""

    years: tuple[int, ...]
    monthly: dg.StaticPartitionsDefinition
    follow_up_periods: tuple[str, ...]


def partitions_for(years: Iterable[int]) -> Partitions:
    years = tuple(sorted(set(years)))
    months = months_through(list(years), None)
    return Partitions(years, dg.StaticPartitionsDefinition(months),
                      tuple(follow_up_periods_in(months)))


def periods_reading(month: str, periods: Iterable[str]) -> list[str]:
    """The follow-up periods whose packages read `month` (YYYY-MM): year to date, the
    periods of its year from its month on; every period of the next year, whose forecast
    baseline (prognosförslag) takes the rest of the year from last year's whole-year
    outcome; and as the comparison with earlier years (utfall föregående år, personal,
    balanskrav), the same periods of the EARLIER_YEARS years after. A correction to March
    2025 touches 2025-04 … 2025-12 and every period of 2026, not February and not 2024."""
    year, number = int(month[:4]), int(month[5:7])
    return [p for p in periods
            if int(p[:4]) == year + 1
            or (year <= int(p[:4]) <= year + EARLIER_YEARS and int(p[5:7]) >= number)]


def months_made_stale(months: Iterable[str]) -> list[str]:
    """The first and last month (YYYY-MM) of the marts' periods that a change to `months`
    makes stale, and so the window a dbt build over them rebuilds (rebuild_window): from
    January of the first month's year through December of the year after the last month's.
    A month's year to date carries it into every later period of its year, and the grid of
    units and cost categories is the year's (a unit booked for the first time in July has
    rows of zeros from January); the next year reads it as last year's outcome
    (outcome_prior_ytd) and, in every period, as the rest of the year its forecast baseline
    takes from last year. Two years for one month, never every configured year.
    Empty for no months (a build of every period)."""
    months = sorted(months)
    if not months:
        return []
    return [f"{months[0][:4]}-01", f"{int(months[-1][:4]) + 1}-12"]


def months_to_periods(partitions: Partitions) -> dg.StaticPartitionMapping:
    """The partition mapping from a month of the marts to the follow-up periods whose
    packages read it (periods_reading), both keyed by month: what Dagster calls stale when
    a month changes is a handful of periods, not every period of every year."""
    return dg.StaticPartitionMapping({
        month: periods_reading(month, partitions.follow_up_periods)
        for month in partitions.monthly.get_partition_keys()})


def periods_to_make(months: Iterable[str], periods: Iterable[str], loaded: set[str],
                    budget_years: set[int]) -> list[str]:
    """The follow-up periods whose packages a run over `months` makes: every period that
    reads one of the months (periods_reading) and is due, i.e. the ledger holds its last
    month (`loaded`) and its year has a budget. The August load made in September makes
    2025-08; a corrected March delivered in October makes 2025-04, -06 and -08 again;
    2025-10 waits for October's ledger."""
    periods = list(periods)
    reading = {p for month in months for p in periods_reading(month, periods)}
    return sorted(p for p in reading if p in loaded and int(p[:4]) in budget_years)


def default_years(today: dt.date | None = None) -> list[int]:
    """Without a config (definitions loaded for a look at the graph): the current year."""
    return [(today or dt.date.today()).year]


def months_of(context: dg.AssetExecutionContext) -> list[str]:
    """The partition keys (YYYY-MM) of a run: one month, or a backfill range in one run."""
    return list(context.partition_keys)


def follow_up_periods_in(months: list[str]) -> list[str]:
    """The follow-up periods among `months` (YYYY-MM)."""
    return [m for m in months if int(m[5:7]) in FOLLOW_UP_MONTHS]


def months_through(years: list[int], through: str | None) -> list[str]:
    """Every month of `years` up to and including `through` (YYYY-MM)."""
    months = [f"{y}-{m:02d}" for y in years for m in range(1, 13)]
    return [m for m in months if through is None or m <= through]
