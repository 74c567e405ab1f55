"""Whether the warehouse holds a table yet: a first run, an older warehouse or a source never
delivered has fewer tables than a full one, and each reader of them asks here first."""

from __future__ import annotations

import duckdb


def has_table(con: duckdb.DuckDBPyConnection, schema: str, table: str) -> bool:
    return bool(con.execute(
        "select count(*) from information_schema.tables where table_schema = ? "
        "and table_name = ?", [schema, table]).fetchall()[0][0])
