"""How a figure reads in a board document: the sign a board reads, Swedish number format, and
rounding. Every amount is rounded once, from its öre, half away from zero (as a reader
rounds), so it prints with the same digits wherever it stands (PDF, workbook, and the open
data's kronor rounded the same way); a sum is its own exact amount rounded, not the sum of its
rounded parts, so a table may not add up to the last unit, and says so (ROUNDING_NOTE), as
Swedish kommuner do ("avrundningsdifferenser kan förekomma").

The marts keep ledger sign (cost +, revenue −). Boards read nettokostnad (cost +), intäkter +
and, for the kommun as a whole, årets resultat + for a surplus. Each cost category says in the
seed `cost_categories.board_sign` which way it turns; the conversion happens here and nowhere
else. A deviation (budget − outcome in ledger sign) reads the same in both: + is favourable.
"""

from __future__ import annotations

import math

import pandas as pd

MINUS = "\u2212"
NBSP = "\u00a0"  # between thousands: a number never breaks across lines


def missing(value) -> bool:
    """No value: None, a float NaN (pandas' missing number) or NaT (its missing date)."""
    return value is None or value is pd.NaT or (isinstance(value, float) and math.isnan(value))


def board_value(value, sign):
    """A ledger-sign amount as the board reads it (the sign from cost_categories.board_sign,
    or the reading of a net, packages.readings), and a board's back into ledger sign (the
    sign is its own inverse). The one place a sign turns: a number keeps its type (a Decimal
    stays exact), a pandas Series turns element by element (by a Series of signs, or one
    sign), and a missing value stays missing (None)."""
    return None if missing(value) else value * sign


def whole(value: float) -> str:
    """An integer with a no-break space between thousands and a real minus sign."""
    text = f"{int(value):,}".replace(",", NBSP)
    return text.replace("-", MINUS)


def tkr(value: float | None) -> str:
    """SEK as whole tkr: '1 037' (no-break), '−8 107'; a missing value as '–'."""
    if missing(value):
        return "–"
    return whole(in_units(value))


def mnkr(value: float | None, decimals: int = 1) -> str:
    if missing(value):
        return "–"
    return decimal(float(value) / 1e6, decimals)


def decimal(value: float | None, decimals: int = 1) -> str:
    """A decimal number the Swedish way: '86,8', '1 234,5'."""
    if missing(value):
        return "–"
    scaled = _round_half_away(float(value) * 10**decimals)
    integer, fraction = divmod(abs(scaled), 10**decimals)
    text = whole(integer)
    if decimals:
        text += "," + f"{fraction:0{decimals}d}"
    return (MINUS if scaled < 0 else "") + text


def pct(value: float | None) -> str:
    return "–" if missing(value) else f"{decimal(value)}{NBSP}%"


def _round_half_away(value: float) -> int:
    """Round half away from zero (as a reader rounds), not Python's half to even."""
    return int(math.floor(abs(value) + 0.5)) * (1 if value >= 0 else -1)


def in_units(value: float | None, unit: float = 1000.0) -> int | None:
    """An amount (SEK, exact) in whole `unit`s (tkr by default), rounded once, half away
    from zero; None where there is none. The one rounding of every printed amount."""
    return None if missing(value) else _round_half_away(float(value) / unit)


ROUNDING_NOTE = ("Varje belopp är avrundat för sig till hela tkr; avrundningsdifferenser kan "
                 "förekomma.")


def count_phrase(n: int, one: str, many: str) -> str:
    """'1 enhet', '3 enheter'."""
    return f"{n} {one if n == 1 else many}"
