"""Engines dbt builds on besides the embedded DuckDB, each with how the raw layer reaches it
and how its marts come back (docs/architecture.md, "Running at scale"):

- `postgres.Server`: a PostgreSQL database (dbt-postgres), raw tables sent with COPY;
- `spark.Session`: a local Spark session (dbt-spark), raw tables sent as Parquet files.

Both offer `target` (dbt's output in profiles.yml), `environment()` (what that output
reads), `send_raw(warehouse)` and `copy_back(warehouse, relations)`, which open the
warehouse with the run's DuckDB settings (`settings`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol

import duckdb

from pipelines.ingest.raw_tables import columns_of

PUBLISHED_SCHEMAS = ("marts", "seeds")  # what quality and the packages read
Settings = Mapping[str, str] | None  # the run's DuckDB settings (memory limit, threads)


def raw_fingerprint(con: duckdb.DuckDBPyConnection, table: str) -> tuple[int, str]:
    """raw.`table`'s rows, and a fingerprint of its content (the rows and an order-independent
    hash): an engine is sent a table only when the fingerprint changed since it was sent."""
    columns = ", ".join(columns_of(table))
    rows, digest = con.execute(
        f"select count(*), coalesce(sum(hash(({columns}))), 0) from raw.{table}").fetchone()
    return rows, f"{rows}:{digest}"


class BuildEngine(Protocol):
    target: str

    def environment(self, project_dir=None) -> dict[str, str]: ...

    def send_raw(self, warehouse, settings=None) -> dict[str, int]: ...

    def copy_back(self, warehouse, relations, settings=None) -> dict[str, int]: ...
