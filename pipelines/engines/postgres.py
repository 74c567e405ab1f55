"""PostgreSQL as the engine dbt builds on (dbt-postgres): the raw tables copied in, the marts
copied back.

The ingest writes what it reads exactly once, into the embedded warehouse's `raw` schema
(with its landing manifest and quarantine); that stays the one place of every-row
accounting. Before dbt builds on the server, `copy_raw` brings each raw table there with
COPY (through psycopg), only the tables whose content changed since the last copy. After
the build, `copy_back` brings the marts (and the seeds the packages join) into the
warehouse, so that quality, the packages and the published copy read them where they always
do.

Both directions go through CSV files beside the warehouse (`<warehouse>.postgres/`, removed
afterwards): DuckDB writes and reads them itself, PostgreSQL streams them with COPY. Money
stays exact: decimals travel as their digits, never as floats.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import duckdb

from pipelines.engines import PUBLISHED_SCHEMAS, Settings, raw_fingerprint
from pipelines.ingest.raw_tables import DDL, columns_of

FINGERPRINTS = "raw._uppfoljning_copies"  # on the server: what each raw table was copied from


@dataclass(frozen=True)
class Server:
    """A PostgreSQL database, as libpq names its parts."""
    host: str = "localhost"
    port: int = 5432
    user: str = "postgres"
    password: str = ""
    database: str = "uppfoljning"

    def connect(self):
        import psycopg

        return psycopg.connect(host=self.host, port=self.port, user=self.user,
                               password=self.password or None, dbname=self.database,
                               autocommit=False)

    target = "postgres"  # dbt's output in profiles.yml

    def environment(self, project_dir: Path | None = None) -> dict[str, str]:
        """The variables dbt's `postgres` output (profiles.yml) reads."""
        return {"PGHOST": self.host, "PGPORT": str(self.port), "PGUSER": self.user,
                "PGPASSWORD": self.password, "PGDATABASE": self.database}

    def send_raw(self, warehouse: Path, settings: Settings = None) -> dict[str, int]:
        return copy_raw(warehouse, self, settings=settings)

    def copy_back(self, warehouse: Path, relations: Iterable[tuple[str, str]] | None,
                  settings: Settings = None) -> dict[str, int]:
        return copy_back(warehouse, self, relations, settings=settings)


_TYPES = [  # DuckDB's spelling in raw_tables.DDL -> PostgreSQL's
    (r"\bVARCHAR\b", "text"), (r"\bDOUBLE\b", "double precision"),
    (r"\bTIMESTAMP\b", "timestamp"), (r"\bDECIMAL\b", "numeric"),
]


def postgres_columns(table: str) -> str:
    """The column definitions of raw.`table` in PostgreSQL's types."""
    ddl = DDL[table]
    for pattern, replacement in _TYPES:
        ddl = re.sub(pattern, replacement, ddl)
    return " ".join(ddl.split())


def _scratch(warehouse: Path) -> Path:
    folder = Path(f"{warehouse}.postgres")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def copy_raw(warehouse: Path, server: Server, tables: Iterable[str] = DDL,
             settings: Settings = None) -> dict[str, int]:
    """Copy the raw tables into the server's `raw` schema, each replaced whole in one
    transaction with its fingerprint; a table whose content the server already has is
    skipped. Returns the rows copied per table."""
    scratch = _scratch(warehouse)
    copied: dict[str, int] = {}
    try:
        with duckdb.connect(str(warehouse), read_only=True, config=settings or {}) as con, \
                server.connect() as pg:
            pg.execute("create schema if not exists raw")
            pg.execute(f"create table if not exists {FINGERPRINTS} "
                       "(table_name text primary key, fingerprint text not null)")
            have = dict(pg.execute(f"select table_name, fingerprint from {FINGERPRINTS}"
                                   ).fetchall())
            pg.commit()
            present = {t for (t,) in con.execute(
                "select table_name from information_schema.tables where table_schema = 'raw'"
            ).fetchall()}
            for table in tables:
                if table not in present:
                    continue
                rows, fingerprint = raw_fingerprint(con, table)
                if have.get(table) == fingerprint:
                    continue
                csv = scratch / f"{table}.csv"
                columns = columns_of(table)
                con.execute(f"copy (select {', '.join(columns)} from raw.{table}) "
                            f"to '{csv}' (format csv, header false)")
                pg.execute(f"drop table if exists raw.{table} cascade")
                pg.execute(f"create table raw.{table} ({postgres_columns(table)})")
                with csv.open("rb") as source, pg.cursor().copy(
                        f"copy raw.{table} ({', '.join(columns)}) from stdin "
                        "(format csv)") as sink:
                    while chunk := source.read(1 << 20):
                        sink.write(chunk)
                pg.execute(f"insert into {FINGERPRINTS} values (%s, %s) on conflict "
                           "(table_name) do update set fingerprint = excluded.fingerprint",
                           [table, fingerprint])
                pg.commit()
                pg.execute(f"analyze raw.{table}")  # the planner's statistics, before dbt
                pg.commit()
                copied[table] = rows
                csv.unlink()
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return copied


_BACK = [  # PostgreSQL's type names (information_schema) -> DuckDB's
    ("character varying", "VARCHAR"), ("text", "VARCHAR"), ("integer", "INTEGER"),
    ("bigint", "BIGINT"), ("smallint", "SMALLINT"), ("double precision", "DOUBLE"),
    ("real", "FLOAT"), ("boolean", "BOOLEAN"), ("date", "DATE"),
    ("timestamp without time zone", "TIMESTAMP"), ("timestamp with time zone", "TIMESTAMPTZ"),
]


def _duckdb_type(data_type: str, precision: int | None, scale: int | None) -> str:
    if data_type == "numeric":
        # an unconstrained numeric (a sum of decimals) has the scale its values have, as
        # DuckDB's sum of DECIMAL(18, 2) is DECIMAL(38, 2); `scale` is then the largest one
        return f"DECIMAL({precision or 38}, {scale or 0})"
    return dict(_BACK).get(data_type, "VARCHAR")


def _columns(pg, schema: str, table: str) -> list[tuple[str, str]]:
    """(name, DuckDB type) of each column of the server's `schema`.`table`."""
    columns = pg.execute(
        "select column_name, data_type, numeric_precision, numeric_scale "
        "from information_schema.columns where table_schema = %s and "
        "table_name = %s order by ordinal_position", [schema, table]).fetchall()
    loose = [name for name, t, precision, _ in columns if t == "numeric" and precision is None]
    scales = {}
    if loose:  # the scale an unconstrained numeric column's values have
        row = pg.execute("select " + ", ".join(f'coalesce(max(scale("{name}")), 0)'
                                               for name in loose)
                         + f' from {schema}."{table}"').fetchone()
        scales = dict(zip(loose, row, strict=True))
    return [(name, _duckdb_type(t, p, scales.get(name, s))) for name, t, p, s in columns]


def copy_back(warehouse: Path, server: Server,
              relations: Iterable[tuple[str, str]] | None = None,
              settings: Settings = None) -> dict[str, int]:
    """Replace each (schema, table) of `relations` (default: every table of the schemas
    quality and the packages read) in the warehouse with the server's rows, column types
    translated; a view is not copied. Returns the rows per schema.table."""
    scratch = _scratch(warehouse)
    copied: dict[str, int] = {}
    try:
        with server.connect() as pg, \
                duckdb.connect(str(warehouse), config=settings or {}) as con:
            tables = set(pg.execute(
                "select table_schema, table_name from information_schema.tables where "
                "table_schema = any(%s) and table_type = 'BASE TABLE'",
                [list(PUBLISHED_SCHEMAS)]).fetchall())
            wanted = tables if relations is None else tables & set(relations)
            for schema, table in sorted(wanted):
                columns = _columns(pg, schema, table)
                csv = scratch / f"{schema}.{table}.csv"
                quoted = ", ".join(f'"{name}"' for name, _ in columns)
                with csv.open("wb") as sink, pg.cursor().copy(
                        f'copy (select {quoted} from {schema}."{table}") to stdout '
                        "(format csv)") as source:
                    for chunk in source:
                        sink.write(chunk)
                types = ", ".join(f"'{name}': '{type_}'" for name, type_ in columns)
                con.execute(f"create schema if not exists {schema}")
                con.execute(
                    f'create or replace table {schema}."{table}" as select * from '
                    f"read_csv('{csv}', header = false, columns = {{{types}}}, "
                    "allow_quoted_nulls = false, auto_detect = false)")
                copied[f"{schema}.{table}"] = con.execute(
                    f'select count(*) from {schema}."{table}"').fetchone()[0]
                csv.unlink()
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return copied
