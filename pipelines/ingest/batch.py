"""What a reader gives: rows to load and rows to quarantine, counted so that rows read = rows
loaded + rows quarantined holds for every delivery."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import pandas as pd

Sink = Callable[[pd.DataFrame], None]
CHUNK_ROWS = 100_000
QUARANTINE_COLUMNS = ["source", "file", "line", "raw", "rule", "period"]


@dataclass
class Batch:
    """Rows to load and rows to quarantine from one or more files.

    With a `sink`, rows go to it in chunks of CHUNK_ROWS as they are read, so a year of
    ledger rows never sits in memory at once; the counts stay exact. With `columns`, rows
    are tuples in that order (a hot reader's rows, no dict per row), else dicts."""

    rows: list = field(default_factory=list)
    quarantine: list[dict] = field(default_factory=list)
    # lines of the file that are no rows of the source (a voucher's #VER line or brace, a
    # header line, a note before the first record) and could not be read: kept in
    # raw.quarantine with the rows, never counted as rows read or quarantined
    notes: list[dict] = field(default_factory=list)
    read: int = 0
    # input rows loaded, where one input row becomes several (an annual budget line -> months)
    input_rows_loaded: int | None = None
    sink: Sink | None = None
    flushed: int = 0
    columns: list[str] | None = None

    def add(self, row: dict | tuple) -> None:
        self.rows.append(row)
        if self.sink is not None and len(self.rows) >= CHUNK_ROWS:
            self.flush()

    def flush(self) -> None:
        """Hand the rows read so far to the sink."""
        if self.sink is not None and self.rows:
            self.sink(self.frame())
            self.flushed += len(self.rows)
            self.rows = []

    @property
    def loaded(self) -> int:
        if self.input_rows_loaded is not None:
            return self.input_rows_loaded
        return self.flushed + len(self.rows)

    def extend(self, other: Batch) -> None:
        if other.input_rows_loaded is not None or self.input_rows_loaded is not None:
            self.input_rows_loaded = self.loaded + other.loaded
        else:
            self.flushed += other.flushed
        self.rows += other.rows
        self.quarantine += other.quarantine
        self.notes += other.notes
        self.read += other.read

    def reject(self, source: str, file: str, line: int, raw: str, rule: str,
               period: str | None = None) -> None:
        self.quarantine.append({"source": source, "file": file, "line": line, "raw": raw,
                                "rule": rule, "period": period})

    def note(self, source: str, file: str, line: int, raw: str, rule: str,
             period: str | None = None) -> None:
        """A line of the file that is no row of the source, kept with its rule (`notes`)."""
        self.notes.append({"source": source, "file": file, "line": line, "raw": raw,
                           "rule": rule, "period": period})

    def frame(self) -> pd.DataFrame:
        if self.columns is not None:  # by column: a column of None stays None, never NaN
            data = zip(*self.rows, strict=True) if self.rows else ([] for _ in self.columns)
            return pd.DataFrame(dict(zip(self.columns, map(list, data), strict=True)))
        return pd.DataFrame(self.rows)

    def quarantine_frame(self) -> pd.DataFrame:
        """What goes to raw.quarantine: the rows quarantined and the notes."""
        return pd.DataFrame(self.quarantine + self.notes, columns=QUARANTINE_COLUMNS)

    def check_accounting(self) -> None:
        if self.read != self.loaded + len(self.quarantine):
            raise AssertionError(f"rows read {self.read} != loaded {self.loaded} + "
                                 f"quarantined {len(self.quarantine)}")


def outside_years(what: str, years: Iterable[int | str]) -> str:
    """The rule of a row whose month or year (`what`) lies outside the configured years."""
    span = sorted({int(str(y)[:4]) for y in years})
    within = f"{span[0]}–{span[-1]}" if span else "inga"
    return f"{what} ligger utanför de konfigurerade åren ({within}, first_year–fiscal_year)"


def refusal_rule(reason: str) -> str:
    """The quarantine rule of each row of a delivery refused whole (`reason`: why, e.g. the
    file was cut off)."""
    return f"hela leveransen avvisas: {reason}"
