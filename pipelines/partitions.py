"""Partitions: ledger and HR by month; packages by follow-up period (through an even month)."""

from __future__ import annotations

import dagster as dg

FIRST_MONTH = "2020-01"  # earliest month a backfill can reach

monthly = dg.MonthlyPartitionsDefinition(start_date=FIRST_MONTH, fmt="%Y-%m")

# the follow-up periods: January through each even month (Feb, Apr = tertial 1, Jun,
# Aug = delår, Oct, Dec = årsredovisning), from the first month a backfill can reach
FOLLOW_UP_MONTHS = (2, 4, 6, 8, 10, 12)
LAST_YEAR = 2040
follow_up_periods = dg.StaticPartitionsDefinition(
    [f"{year}-{month:02d}" for year in range(int(FIRST_MONTH[:4]), LAST_YEAR + 1)
     for month in FOLLOW_UP_MONTHS])


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
