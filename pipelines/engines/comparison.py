"""Two warehouses' marts compared row for row: how a build on another engine (or a migration
to one) is shown to compute the same numbers as the embedded one."""

from __future__ import annotations

from pathlib import Path

import duckdb


def mart_columns(warehouse: Path) -> dict[str, list[tuple[str, str]]]:
    """Each mart's columns, in order, with their types."""
    found: dict[str, list[tuple[str, str]]] = {}
    with duckdb.connect(str(warehouse), read_only=True) as con:
        for table, column, type_ in con.execute(
                "select table_name, column_name, data_type from information_schema.columns "
                "where table_schema = 'marts' order by table_name, ordinal_position"
        ).fetchall():
            found.setdefault(table, []).append((column, type_))
    return found


def rows_on_one_side(reference: Path, other: Path) -> dict[str, tuple[int, int]]:
    """Per mart of `reference`: its rows missing from `other`'s, and `other`'s missing from
    it (EXCEPT ALL both ways, every column): (0, 0) is the same mart row for row."""
    counts = {}
    with duckdb.connect() as con:
        con.execute(f"attach '{reference}' as reference (read_only)")
        con.execute(f"attach '{other}' as other (read_only)")
        for table, columns in mart_columns(reference).items():
            names = ", ".join(f'"{c}"' for c, _ in columns)
            counts[table] = tuple(con.execute(
                f"select count(*) from (select {names} from {a}.marts.{table} except all "
                f"select {names} from {b}.marts.{table})").fetchone()[0]
                for a, b in (("reference", "other"), ("other", "reference")))
    return counts
