"""Values as a person reads them in a message: never `nan`, `None`, `NaT` or a timestamp's
`00:00:00`."""

from __future__ import annotations

import datetime as dt
import math

MISSING = "(saknas)"


def display(value: object, missing: str = MISSING) -> str:
    """A value of a row (from DuckDB, pandas or a file) as text for a message."""
    if value is None:
        return missing
    try:
        import pandas as pd

        if value is pd.NaT or (not isinstance(value, str | bytes) and pd.isna(value) is True):
            return missing
        if isinstance(value, pd.Timestamp):
            value = value.to_pydatetime()
    except (ImportError, TypeError, ValueError):
        pass
    if isinstance(value, float):
        if math.isnan(value):
            return missing
        return str(int(value)) if value.is_integer() else \
            f"{value:.4f}".rstrip("0").rstrip(".")
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0):
            return value.date().isoformat()
        return value.isoformat(sep=" ", timespec="minutes")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)
