"""Values as a person reads them in a message: never `nan`, `None`, `NaT` or a timestamp's
`00:00:00`."""

from __future__ import annotations

import datetime as dt
import math
import unicodedata

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


EXCERPT_CHARS = 30  # of a file's text in a message, at most


def printable(text: str) -> str:
    """`text` with what a terminal would act on instead of printing it (control and format
    characters: ESC, BEL, CR, a right-to-left override) escaped as repr writes it."""
    if text.isprintable():
        return text
    return "".join(repr(c)[1:-1] if unicodedata.category(c)[0] == "C" else c for c in text)


def excerpt(text: str, limit: int = EXCERPT_CHARS) -> str:
    """A short, escaped excerpt of a file's text for a message: its first `limit` characters
    (then '…'), and what a terminal would not print as it is (control characters, odd
    spaces) escaped as repr writes it ('\\x1b', '\\xa0'). Whatever a file holds, a message
    shows no more of it than this."""
    shown = "".join(c if c.isprintable() else repr(c)[1:-1] for c in text[:limit])
    return shown + ("…" if len(text) > limit else "")


def thousands(n: int) -> str:
    """A count as a Swedish reader writes it in running text: '100 000'."""
    return f"{n:,}".replace(",", " ")
