"""Periodisation keys (periodiseringsnycklar): annual budget amounts spread over months.

The keys live in one place, the dbt seed `dbt_project/seeds/periodisation_keys.csv`, which a
municipality replaces with its own. Months get whole kronor that add up exactly to the
annual amount (largest remainder).
"""

from __future__ import annotations

import csv
from decimal import ROUND_FLOOR, Decimal
from pathlib import Path

KEYS_FILE = Path(__file__).resolve().parents[2] / "dbt_project" / "seeds" / "periodisation_keys.csv"


def load_keys(path: Path = KEYS_FILE) -> dict[str, list[Decimal]]:
    weights: dict[str, dict[int, Decimal]] = {}
    with path.open(encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f):
            weights.setdefault(row["key"].strip().lower(), {})[int(row["month"])] = Decimal(
                row["weight"])
    keys = {}
    for key, by_month in weights.items():
        if sorted(by_month) != list(range(1, 13)):
            raise ValueError(f"{path.name}: key '{key}' must have a weight for months 1-12")
        total = sum(by_month.values())
        if total <= 0:
            raise ValueError(f"{path.name}: key '{key}' has no positive weight")
        keys[key] = [by_month[m] / total for m in range(1, 13)]
    return keys


def periodise(annual_ore: int, shares: list[Decimal]) -> list[int]:
    """Whole kronor (in öre) per month that add up exactly to the annual amount; öre that do
    not make a krona go to the first month."""
    sign = -1 if annual_ore < 0 else 1
    kronor, ore = divmod(abs(annual_ore), 100)
    raw = [Decimal(kronor) * s for s in shares]
    months = [int(r.to_integral_value(rounding=ROUND_FLOOR)) for r in raw]
    remainder = kronor - sum(months)
    order = sorted(range(12), key=lambda m: (-(raw[m] - months[m]), m))
    for m in order[:remainder]:
        months[m] += 1
    out = [m * 100 for m in months]
    out[0] += ore
    return [sign * v for v in out]
