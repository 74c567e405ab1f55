"""Apache Spark as the engine dbt builds on (dbt-spark, a local session in dbt's process):
the raw tables written as Parquet files for Spark to read, the marts read back from Spark's.

As on PostgreSQL the ingest writes what it reads once, into the warehouse's `raw` schema,
with its manifest and quarantine. `write_raw` writes each raw table that changed as a
Parquet file of its own folder (`<spark>/raw/<table>/`), which the dbt project registers as
Spark's source tables before every build (macros/raw_sources.sql). Spark keeps its tables as
Parquet files too (`<spark>/tables/<schema>.db/<table>/`), so `copy_back` has DuckDB read
the marts and seeds straight from them: no Spark session outside dbt's, and none while the
metastore (an embedded Derby database, one process at a time) is dbt's.

Money stays exact: DuckDB's DECIMAL(18, 2) is Parquet's decimal and Spark's, and back.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import duckdb

from pipelines.engines import PUBLISHED_SCHEMAS, Settings, raw_fingerprint
from pipelines.ingest.raw_tables import DDL, columns_of


@dataclass(frozen=True)
class Session:
    """Where a local Spark session keeps its files, and what it may use."""
    folder: Path  # beside the warehouse, under the config's folders
    cores: int = 2
    driver_memory: str = "2g"

    @property
    def raw(self) -> Path:
        return self.folder / "raw"

    @property
    def tables(self) -> Path:
        return self.folder / "tables"

    target = "spark"  # dbt's output in profiles.yml

    def send_raw(self, warehouse: Path, settings: Settings = None) -> dict[str, int]:
        return write_raw(warehouse, self, settings=settings)

    def copy_back(self, warehouse: Path, relations: Iterable[tuple[str, str]] | None,
                  settings: Settings = None) -> dict[str, int]:
        return copy_back(warehouse, self, relations, settings=settings)

    def environment(self, project_dir: Path | None = None) -> dict[str, str]:
        """The variables dbt's `spark` output (profiles.yml) reads."""
        return {"UPPFOLJNING_SPARK_DIR": str(self.folder),
                "UPPFOLJNING_SPARK_RAW": str(self.raw),
                "UPPFOLJNING_SPARK_CORES": str(self.cores),
                "UPPFOLJNING_SPARK_DRIVER_MEMORY": self.driver_memory,
                **({} if project_dir is None else {"UPPFOLJNING_SPARK_LOG4J": str(
                    project_dir / "spark" / "log4j2.properties")})}


def write_raw(warehouse: Path, session: Session, tables: Iterable[str] = DDL,
              settings: Settings = None) -> dict[str, int]:
    """Write each raw table whose content changed since the last write as
    `<raw>/<table>/data.parquet` (replaced whole). Returns the rows written per table."""
    session.raw.mkdir(parents=True, exist_ok=True)
    seen_file = session.raw / "fingerprints.json"
    seen = json.loads(seen_file.read_text()) if seen_file.exists() else {}
    written: dict[str, int] = {}
    with duckdb.connect(str(warehouse), read_only=True, config=settings or {}) as con:
        present = {t for (t,) in con.execute(
            "select table_name from information_schema.tables where table_schema = 'raw'"
        ).fetchall()}
        for table in (t for t in tables if t in present):  # the ingest made every one
            folder = session.raw / table
            source = f"select {_spark_columns(table)} from raw.{table}"
            rows, fingerprint = raw_fingerprint(con, table)
            if seen.get(table) == fingerprint and (folder / "data.parquet").exists():
                continue
            folder.mkdir(exist_ok=True)
            partial = folder / "data.parquet.partial"
            con.execute(f"copy ({source}) to '{partial}' (format parquet)")
            partial.replace(folder / "data.parquet")  # Spark never sees half a file
            seen[table] = fingerprint
            written[table] = rows
    seen_file.write_text(json.dumps(seen, indent=1, sort_keys=True))
    return written


def _spark_columns(table: str) -> str:
    """raw.`table`'s columns as Spark reads them: a TIMESTAMP (a local time, which Spark's
    metastore cannot hold as such) as the instant it is in UTC, Spark's session zone."""
    timestamps = set(re.findall(r"(\w+) TIMESTAMP\b", DDL[table]))
    return ", ".join(f"timezone('UTC', {c}) as {c}" if c in timestamps else c
                     for c in columns_of(table))


def copy_back(warehouse: Path, session: Session,
              relations: Iterable[tuple[str, str]] | None = None,
              settings: Settings = None) -> dict[str, int]:
    """Replace each (schema, table) of `relations` (default: every table of the schemas
    quality and the packages read) in the warehouse with Spark's Parquet files of it; a
    view has no files and is not copied. Returns the rows per schema.table."""
    found = {(schema.parent.name.removesuffix(".db"), schema.name)
             for schema in session.tables.glob("*.db/*") if schema.is_dir()
             and schema.parent.name.removesuffix(".db") in PUBLISHED_SCHEMAS
             and any(schema.rglob("*.parquet"))}
    wanted = found if relations is None else found & set(relations)
    copied: dict[str, int] = {}
    with duckdb.connect(str(warehouse), config=settings or {}) as con:
        for schema, table in sorted(wanted):
            files = session.tables / f"{schema}.db" / table / "**" / "*.parquet"
            con.execute(f"create schema if not exists {schema}")
            described = con.execute(f"describe select * from read_parquet('{files}')"
                                    ).fetchall()
            columns = ", ".join(  # an instant in UTC back to the local time it was
                f"timezone('UTC', \"{name}\") as \"{name}\""
                if type_ == "TIMESTAMP WITH TIME ZONE" else f'"{name}"'
                for name, type_, *_ in described)
            con.execute(f'create or replace table {schema}."{table}" as '
                        f"select {columns} from read_parquet('{files}')")
            copied[f"{schema}.{table}"] = con.execute(
                f'select count(*) from {schema}."{table}"').fetchone()[0]
    return copied
