"""Partitions: ledger and HR by month; packages by follow-up period (through an even month)."""

from __future__ import annotations

import dagster as dg

FIRST_MONTH = "2020-01"  # earliest month a backfill can reach

monthly = dg.MonthlyPartitionsDefinition(start_date=FIRST_MONTH, fmt="%Y-%m")


def months_of(context: dg.AssetExecutionContext) -> list[str]:
    """The partition keys (YYYY-MM) of a run: one month, or a backfill range in one run."""
    return list(context.partition_keys)


def months_through(years: list[int], through: str | None) -> list[str]:
    """Every month of `years` up to and including `through` (YYYY-MM)."""
    months = [f"{y}-{m:02d}" for y in years for m in range(1, 13)]
    return [m for m in months if through is None or m <= through]
