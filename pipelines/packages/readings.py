"""What a row of marts.budget_follow_up is called, and which way its amounts read, in every
output: the board's PDF, the controller's workbook and the open data. One definition per
label:

- **Nettokostnad** (`operating_net` where it has to be told apart from `net`): what a unit's
  activities cost, net of their revenues and internal items, without the kommun's financing.
  Cost +. For the kommun as a whole it is called what its resultaträkning calls it,
  **Verksamhetens nettokostnad**.
- **Skatteintäkter och generella statsbidrag** and **Finansnetto**: the kommun's financing,
  booked where it is managed (Kommunstyrelsen's finansförvaltning); always on lines of their
  own, + for an income.
- **Årets resultat** (the kommun) and **Netto efter finansiering** (a unit that holds
  financing): the unit's `net` with its financing, + for a surplus.

The marts keep `net` as the sum of every category in ledger sign. For a unit whose rows
hold financing, the outputs add a row `operating_net` (its net less its financing) and read
its `net` as a result; for every other unit `net` is its nettokostnad.
"""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd

FINANCING = ("taxes_and_grants", "financial_items")
OPERATING_NET = "operating_net"
NET_COST = "Nettokostnad"
KOMMUN_NET_COST = "Verksamhetens nettokostnad"  # the kommun's, as its resultaträkning says
RESULT = "Årets resultat"
NET_AFTER_FINANCING = "Netto efter finansiering"
OPERATING_NET_ORDER = 8  # after the cost categories, before the financing (seed sort_order)
UNIT = ["level_order", "org_unit_code"]


def _has_amount(value) -> bool:
    return value is not None and not pd.isna(value) and value != 0


def financing_units(rows: pd.DataFrame, amounts: Iterable[str]) -> set[tuple]:
    """(level_order, org_unit_code) of the units whose financing rows hold an amount."""
    amounts = list(amounts)
    financing = rows[rows["cost_category"].isin(FINANCING)]
    return {tuple(key) for key, values in zip(
        financing[UNIT].itertuples(index=False), financing[amounts].itertuples(index=False),
        strict=True) if any(_has_amount(v) for v in values)}


def _difference(net, financing: list):
    """net − financing, exact for Decimal or float; None where none of them has a value."""
    values = [v for v in (net, *financing) if v is not None and not pd.isna(v)]
    if not values:
        return None
    zero = values[0] * 0
    net = zero if net is None or pd.isna(net) else net
    return net - sum((zero if v is None or pd.isna(v) else v for v in financing), zero)


def with_operating_net(rows: pd.DataFrame, amounts: Iterable[str]) -> pd.DataFrame:
    """`rows` with, for each unit holding financing, a row `operating_net` (its nettokostnad:
    net less its financing) beside its `net`, sort_order OPERATING_NET_ORDER and the board's
    reading of a cost."""
    amounts = list(amounts)
    holding = financing_units(rows, amounts)
    if not holding:
        return rows
    added = []
    for key, unit in rows.groupby(UNIT, sort=False):
        if tuple(key) not in holding or not (unit["cost_category"] == "net").any():
            continue
        net = unit[unit["cost_category"] == "net"].iloc[0].copy()
        financing = unit[unit["cost_category"].isin(FINANCING)]
        for column in amounts:
            if column in unit:
                net[column] = _difference(net[column], list(financing[column]))
        net["cost_category"] = OPERATING_NET
        for column, value in (("sort_order", OPERATING_NET_ORDER), ("board_sign", 1),
                              ("board_name", NET_COST), ("cost_category_name", NET_COST)):
            if column in unit:
                net[column] = value
        added.append(net)
    return pd.concat([rows, pd.DataFrame(added)], ignore_index=True)


def net_reading(is_kommun: bool) -> tuple[str, int]:
    """(name, sign) of the `net` of a unit that holds financing: the kommun's årets resultat,
    another unit's netto efter finansiering; + for a surplus."""
    return (RESULT if is_kommun else NET_AFTER_FINANCING), -1
