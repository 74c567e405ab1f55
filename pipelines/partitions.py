"""Partitions, from the config's years: ledger and HR by month; packages by follow-up period.

The months are exactly those of the configured years (`first_year` … `fiscal_year`), and the
follow-up periods are January through each even month of those years (Feb, Apr = tertial 1,
Jun, Aug = delår, Oct, Dec = årsredovisning). Nothing starts at a fixed year: a kommun that
backfills 2010 configures `first_year: 2010` and has its months.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

import dagster as dg

FOLLOW_UP_MONTHS = (2, 4, 6, 8, 10, 12)


@dataclass(frozen=True)
class Partitions:
    """The partitions of one config: its months and its follow-up periods (YYYY-MM keys)."""

    years: tuple[int, ...]
    monthly: dg.StaticPartitionsDefinition
    follow_up_periods: dg.StaticPartitionsDefinition


def partitions_for(years: Iterable[int]) -> Partitions:
    years = tuple(sorted(set(years)))
    return Partitions(
        years,
        dg.StaticPartitionsDefinition(months_through(list(years), None)),
        dg.StaticPartitionsDefinition([f"{y}-{m:02d}" for y in years for m in FOLLOW_UP_MONTHS]))


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
