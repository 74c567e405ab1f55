"""Resources, chosen by environment (UPPFOLJNING_ENV): `local` is an embedded DuckDB file
(and, where the config's engine says so, the PostgreSQL database or Spark session dbt
builds in).

Connections are opened and closed inside each asset, never cached: DuckDB allows one writer
process at a time, and dbt runs in its own process (docs/toolchain facts).
"""

from __future__ import annotations

import functools
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import dagster as dg
import duckdb

from pipelines.config import Config, Engine, config_path_from_env, load_config
from pipelines.engines import BuildEngine
from pipelines.engines.postgres import Server
from pipelines.engines.spark import Session
from pipelines.read_copy import connect_waiting

ENV_VAR = "UPPFOLJNING_ENV"
WAREHOUSE_POOL = "duckdb_warehouse"  # every op that touches the warehouse; limit 1


class Settings(dg.ConfigurableResource):
    """Where the municipality's config file is. `load` parses it once per version of the
    file (its path, modification time and size) in a process: a run's assets share it, an
    edited config is read anew."""

    config_path: str

    def load(self) -> Config:
        stat = os.stat(self.config_path) if os.path.exists(self.config_path) else None
        version = (stat.st_mtime_ns, stat.st_size) if stat else None
        return _parsed(os.path.abspath(self.config_path), version)


@functools.lru_cache(maxsize=8)
def _parsed(path: str, version: tuple[int, int] | None) -> Config:
    """The config at `path` as of `version` (the cache's key; a ConfigError is not kept)."""
    return load_config(path)


class Warehouse(dg.ConfigurableResource):
    """The DuckDB warehouse file. Opening it waits up to `lock_wait_seconds` while another
    process holds it, then fails with one line naming that process (read_copy.py)."""

    path: str
    lock_wait_seconds: float = 120.0
    memory_limit: str = "1GB"  # DuckDB's, per process (the config's engine)
    threads: int = 2
    # where dbt builds (the config's engine.kind) and, for postgres, the server; its password
    # is read from the environment variable named, when the run starts, never stored here
    build_engine: str = "duckdb"
    postgres_host: str = "localhost"
    postgres_port: int = 5432
    postgres_user: str = "postgres"
    postgres_database: str = ""
    postgres_password_env: str = "PGPASSWORD"
    spark_driver_memory: str = "2g"
    spark_cores: int = 2

    def duckdb_settings(self) -> dict[str, str]:
        return Engine(memory_limit=self.memory_limit, threads=self.threads).duckdb_settings()

    def build_target(self) -> BuildEngine | None:
        """The engine dbt builds in, or None where it builds in the warehouse file."""
        if self.build_engine == "postgres":
            return Server(host=self.postgres_host, port=self.postgres_port,
                          user=self.postgres_user, database=self.postgres_database,
                          password=os.environ.get(self.postgres_password_env, ""))
        if self.build_engine == "spark":
            return Session(folder=Path(self.path).parent / "spark", cores=self.spark_cores,
                           driver_memory=self.spark_driver_memory)
        return None

    @contextmanager
    def connect(self, read_only: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
        if not read_only:
            os.makedirs(os.path.dirname(self.path) or ".", exist_ok=True)
        con = connect_waiting(self.path, read_only, self.lock_wait_seconds,
                              settings=self.duckdb_settings())
        try:
            yield con
        finally:
            con.close()


def _local(config_path: str, config: Config | None) -> dict[str, dg.ConfigurableResource]:
    if config is None:
        return {"settings": Settings(config_path=config_path),
                "warehouse": Warehouse(path="warehouse/uppfoljning.duckdb")}
    engine, server = config.engine, config.engine.postgres
    on_server = {} if server is None else {
        "postgres_host": server.host, "postgres_port": server.port,
        "postgres_user": server.user, "postgres_database": server.database,
        "postgres_password_env": server.password_env}
    on_server |= {"spark_driver_memory": engine.spark.driver_memory,
                  "spark_cores": engine.spark.cores or engine.threads}
    return {"settings": Settings(config_path=config_path),
            "warehouse": Warehouse(path=str(config.warehouse_path),
                                   lock_wait_seconds=config.lock_wait_seconds,
                                   memory_limit=engine.memory_limit, threads=engine.threads,
                                   build_engine=engine.kind, **on_server)}


RESOURCE_SETS = {"local": _local}


def resources_for_env(config_path: str | None = None, env: str | None = None,
                      config: Config | None = None) -> dict[str, dg.ConfigurableResource]:
    """The resources of an environment; the config is read if it exists (or given)."""
    env = env or os.environ.get(ENV_VAR, "local")
    if env not in RESOURCE_SETS:
        raise ValueError(f"{ENV_VAR}={env!r} is not a known environment; "
                         f"known: {', '.join(RESOURCE_SETS)}")
    path = config_path or str(config_path_from_env())
    if config is None and os.path.exists(path):
        config = load_config(path)
    return RESOURCE_SETS[env](path, config)
