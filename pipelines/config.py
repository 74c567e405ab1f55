"""The one YAML file that points Uppföljning at a municipality's exports.

Paths are relative to the config file and stay inside its folder: a relative path whose
`..` or symbolic links lead out of it is refused, naming the key; an absolute path is read as
written (on purpose, e.g. a share). A monthly delivery is named by a pattern with `{period}`
(YYYY-MM) and `{year}`, e.g. `ekonomi/{year}/huvudbok_{period}.se`; any other path may be a
glob. See docs/configuration.md for every key.
"""

from __future__ import annotations

import glob
import os
from pathlib import Path
from typing import Annotated, Literal

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from pipelines.config_messages import swedish
from pipelines.config_paths import confine, named_paths, outside_folder
from pipelines.errors import ConfigError

DEFAULT_CONFIG = Path("demo/uppfoljning.yaml")
CONFIG_ENV = "UPPFOLJNING_CONFIG"


class _Source(BaseModel):
    model_config = ConfigDict(extra="forbid")
    version: str | None = Field(
        default=None, description="budget version (antagen, reviderad, ...); budget sources only"
    )


class SieSource(_Source):
    type: Literal["sie"]
    path: str


class _TableSource(_Source):
    path: str
    columns: dict[str, str] = Field(default_factory=dict, description="our name -> file header")
    code_and_name: dict[str, str] = Field(
        default_factory=dict,
        description="columns whose cells hold code and name ('46362 Köp medicinskt'): our "
                    "name -> how to take the code: leading_digits, first_word, or a regular "
                    "expression whose first group is the code")

    @field_validator("code_and_name")
    @classmethod
    def _code_rules(cls, rules: dict[str, str]) -> dict[str, str]:
        from pipelines.ingest.tables import code_rule

        for name, rule in rules.items():
            try:
                code_rule(rule)
            except ValueError as e:
                raise ValueError(f"code_and_name.{name}: {e}") from None
        return rules


class CsvSource(_TableSource):
    type: Literal["csv"]
    delimiter: str = ";"
    encoding: str = "utf-8"
    decimal: Literal[",", "."] = Field(
        default=",", description="the decimal mark; the other one, and spaces, may separate "
                                 "thousands (docs/configuration.md, Numbers)")


class ExcelSource(_TableSource):
    type: Literal["excel"]
    sheet: str | int = 0


class DatabaseSource(_Source):
    type: Literal["database"]
    url: str = Field(description="SQLAlchemy URL; ${VAR} is read from the environment")
    table: str | None = None
    query: str | None = None
    columns: dict[str, str] = Field(default_factory=dict)
    watermark: str | None = None
    period_format: str = Field(
        default="%Y-%m", description="how the period column writes a month, for sources read "
        "one month at a time (HR): '%Y-%m' (2025-01) or '%Y%m' (202501)")

    @model_validator(mode="after")
    def _table_or_query(self) -> DatabaseSource:
        if (self.table is None) == (self.query is None):
            raise ValueError("ange antingen 'table' eller 'query', inte båda eller ingen")
        return self

    def resolved_url(self) -> str:
        return os.path.expandvars(self.url)


Source = Annotated[
    SieSource | CsvSource | ExcelSource | DatabaseSource, Field(discriminator="type")
]


class FileSource(BaseModel):
    model_config = ConfigDict(extra="forbid")
    path: str


class Sources(BaseModel):
    model_config = ConfigDict(extra="forbid")
    org_register: Source
    chart_of_accounts: Source | None = None
    ledger: list[Source] = Field(default_factory=list)
    budget: list[Source] = Field(default_factory=list)
    investment_budget: list[Source] = Field(default_factory=list)
    hr: list[Source] = Field(default_factory=list)
    goals: FileSource | None = None
    goal_statuses: list[Source] = Field(
        default_factory=list, description="status and comment per goal and tertial (CSV/Excel)")
    kpi_outcomes: list[Source] = Field(
        default_factory=list, description="styrtal outcomes in Kolada's shape (CSV/Excel)")
    tidplan: FileSource | None = None
    balance_requirement_decisions: list[Source] = Field(
        default_factory=list, description="KF's year-end decisions for the balanskravsutredning "
                                          "(CSV/Excel: År;Post;Belopp;Beslut)")

    @model_validator(mode="after")
    def _budget_versions(self) -> Sources:
        for i, s in enumerate([*self.budget, *self.investment_budget]):
            if not s.version:
                raise ValueError(f"budgetkälla {i} behöver 'version' (t.ex. antagen, "
                                 "reviderad)")
        return self


class Reminders(BaseModel):
    """When reminders of missing comments go out, relative to each tidplan deadline."""
    model_config = ConfigDict(extra="forbid")
    days_before: int = Field(default=3, ge=0, le=30,
                             description="days before a deadline (a weekend day: the Friday)")
    days_after: int = Field(default=1, ge=1, le=30,
                            description="days after a passed deadline (a weekend day: the Monday)")


class OpenData(BaseModel):
    """The open-data release of each published follow-up period (docs/opendata.md)."""
    model_config = ConfigDict(extra="forbid")
    public_level: str = Field(
        default="verksamhet",
        description="the lowest level of the organisation published (a level of the seed "
                    "org_levels; enheter are not published by default)")
    licence: Literal["CC0-1.0", "CC-BY-4.0", "CC-BY-SA-4.0"] = Field(
        default="CC0-1.0", description="the data's licence (SPDX id)")
    base_url: str | None = Field(
        default=None, pattern=r"^https?://\S+/$",
        description="where the folder oppna_data/ is published on the web, ending in / "
                    "(the DCAT addresses dataportal.se harvests; without it, file addresses)")
    organisation_number: str | None = Field(
        default=None, pattern=r"^[0-9]{10}$",
        description="the kommun's organisationsnummer, ten digits: its publisher address "
                    "on dataportal.se")
    contact_email: str | None = Field(default=None, pattern=r"^[^@\s]+@[^@\s]+$",
                                      description="the address questions about the data go to")
    homepage: str | None = Field(default=None, description="the kommun's open-data page")

    def base_address(self, folder: Path) -> str:
        """The address the releases are published under: base_url, else the folder's."""
        return self.base_url or folder.resolve().as_uri() + "/"


MEMORY_SIZE = r"^[0-9]+(\.[0-9]+)?\s*(KB|MB|GB|TB|KiB|MiB|GiB|TiB)$"


class PostgresServer(BaseModel):
    """The PostgreSQL database dbt builds the models in when `engine.kind` is postgres. The
    password is never in the file: it is read from the environment variable it names."""
    model_config = ConfigDict(extra="forbid")
    host: str = "localhost"
    port: int = Field(default=5432, ge=1, le=65535)
    user: str = "postgres"
    database: str = Field(description="a database of its own: dbt replaces its schemas "
                                      "raw, main, staging, seeds and marts")
    password_env: str = Field(default="PGPASSWORD",
                              description="the environment variable holding the password")


class SparkSession(BaseModel):
    """The local Spark session dbt builds in when `engine.kind` is spark (dbt-spark, pyspark;
    Java 17). Its tables, metastore and scratch are in `spark/` beside the warehouse."""
    model_config = ConfigDict(extra="forbid")
    driver_memory: str = Field(default="2g", pattern=r"^[0-9]+[kmgt]$",
                               description="the JVM's heap (Spark's spelling: 2g, 512m)")
    cores: int | None = Field(default=None, ge=1, le=256,
                              description="Spark's local cores (default: engine.threads)")


class Engine(BaseModel):
    """Where dbt builds the models, and what the embedded DuckDB may use in every process of
    a run (the pipeline's own and dbt's): a run's memory stays bounded by design, whatever
    the kommun's size. Past the limit DuckDB spills to a temporary folder beside the
    warehouse (docs/architecture.md, "Memory").

    `kind: duckdb` (the default) builds in the warehouse file itself. `kind: postgres`
    builds in a PostgreSQL database, `kind: spark` in a local Spark session: the raw tables
    are sent there before dbt, the marts copied back into the warehouse after it, so quality
    and the packages read them as always (docs/architecture.md, "Running at scale")."""
    model_config = ConfigDict(extra="forbid")
    kind: Literal["duckdb", "postgres", "spark"] = "duckdb"
    postgres: PostgresServer | None = None
    spark: SparkSession = Field(default_factory=SparkSession)
    memory_limit: str = Field(
        default="1GB", pattern=MEMORY_SIZE,
        description="DuckDB's memory limit per process (e.g. 1GB, 512MB); the run's peak is "
                    "about this plus the Python processes' own few hundred MB")
    threads: int = Field(default=2, ge=1, le=256,
                         description="DuckDB's threads per process (the machine's cores)")

    @field_validator("memory_limit")
    @classmethod
    def _no_spaces(cls, limit: str) -> str:  # one spelling for every connection and dbt
        return limit.replace(" ", "")

    @model_validator(mode="after")
    def _server_named(self) -> Engine:
        if self.kind == "postgres" and self.postgres is None:
            raise ValueError("engine.kind postgres behöver engine.postgres (åtminstone "
                             "database)")
        return self

    def duckdb_settings(self) -> dict[str, str]:
        """The settings every DuckDB connection of a run opens with."""
        return {"memory_limit": self.memory_limit, "threads": str(self.threads)}


class DagsterInstance(BaseModel):
    """Where Dagster keeps the runs, their events and schedules' state when `uppfoljning run`
    starts it without DAGSTER_HOME: `sqlite` (files in `.dagster/` beside the config) or a
    PostgreSQL database shared by every machine and the webserver (dagster-postgres)."""
    model_config = ConfigDict(extra="forbid")
    storage: Literal["sqlite", "postgres"] = "sqlite"
    postgres: PostgresServer | None = None

    @model_validator(mode="after")
    def _server_named(self) -> DagsterInstance:
        if self.storage == "postgres" and self.postgres is None:
            raise ValueError("dagster.storage postgres behöver dagster.postgres (åtminstone "
                             "database)")
        return self


class Config(BaseModel):
    model_config = ConfigDict(extra="forbid")
    municipality: str
    fiscal_year: int = Field(ge=2000, le=2100, description="the year being followed up")
    first_year: int | None = Field(default=None, description="earliest year with data")
    warehouse: Path = Path("warehouse/uppfoljning.duckdb")
    read_copy: Path | None = Field(
        default=None, description="the published copy readers open (default: "
                                  "publicerad/uppfoljning.duckdb beside the warehouse)")
    lock_wait_seconds: int = Field(
        default=120, ge=0, le=3600,
        description="how long a run waits for a process that holds the warehouse file")
    engine: Engine = Field(default_factory=Engine)
    dagster: DagsterInstance = Field(default_factory=DagsterInstance)
    landing: Path = Path("landing")
    reports_output: Path = Path("reports/output")
    municipality_code: str | None = Field(
        default=None, description="kommunkod (e.g. 1440): the kommun's rows of a Kolada export")
    pseudonym_key_env: str = "UPPFOLJNING_PSEUDONYM_KEY"
    demo: bool = Field(default=False, description="the built-in demo municipality")
    automations: bool = Field(default=False, description="the schedules and sensors start "
                                                         "switched on")
    sources: Sources
    reminders: Reminders = Field(default_factory=Reminders)
    open_data: OpenData = Field(default_factory=OpenData)
    base_dir: Path = Field(default=Path("."), exclude=True)

    @model_validator(mode="after")
    def _kolada_needs_the_kommun(self) -> Config:
        if self.sources.kpi_outcomes and not self.municipality_code:
            raise ValueError("municipality_code (kommunkod, t.ex. '1440') behövs med "
                             "sources.kpi_outcomes: en Kolada-export har också riket och "
                             "andra kommuner")
        return self

    @property
    def years(self) -> list[int]:
        return list(range(self.first_year or self.fiscal_year, self.fiscal_year + 1))

    def path(self, p: str | Path, key: str = "path") -> Path:
        """A configured path (`key` names it in an error): an absolute one as written, a
        relative one in the config's folder, which it may not leave (ConfigError)."""
        if not Path(p).is_absolute():
            confine(self, str(p), [self.base_dir / p], key)
        return (self.base_dir / p).resolve()

    @property
    def warehouse_path(self) -> Path:
        return self.path(self.warehouse, "warehouse")

    @property
    def read_copy_path(self) -> Path:
        if self.read_copy is not None:
            return self.path(self.read_copy, "read_copy")
        return self.warehouse_path.parent / "publicerad" / self.warehouse_path.name

    @property
    def landing_path(self) -> Path:
        return self.path(self.landing, "landing")

    @property
    def reports_path(self) -> Path:
        return self.path(self.reports_output, "reports_output")

    def files(self, pattern: str, period: str | None = None) -> list[Path]:
        """Files a source path names; `{period}`/`{year}` filled in for one month. A
        relative pattern's files must lie in the config's folder (ConfigError)."""
        if "{period}" in pattern or "{year}" in pattern:
            if period is None:
                fill = pattern.replace("{period}", "*").replace("{year}", "*")
            else:
                fill = pattern.format(period=period, year=period[:4])
        else:
            fill = pattern
        found = sorted(Path(p) for p in glob.glob(str(self.base_dir / fill)))
        if not Path(pattern).is_absolute():
            confine(self, pattern, found)
        return found


def _where(loc: tuple) -> str:
    return ".".join(str(x) for x in loc if not str(x).startswith(("function-after", "tagged")))


def load_config(path: Path | str, require_files: bool = True) -> Config:
    """Read and validate a config file; raise ConfigError with one clear line per problem.
    `require_files=False`: the sources' files need not exist (a rebuild from the landing
    area, when they are lost)."""
    path = Path(path)
    if not path.is_file():
        raise ConfigError(f"{path}: konfigurationsfilen finns inte")
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        where = f" rad {mark.line + 1}" if mark else ""
        raise ConfigError(f"{path}:{where} är inte giltig YAML ({getattr(e, 'problem', e)})"
                          ) from None
    if not isinstance(raw, dict):
        raise ConfigError(f"{path}: överst ska filen ha nycklar (nyckel: värde), som "
                          "municipality: och sources:")
    try:
        config = Config.model_validate({**raw, "base_dir": path.parent.resolve()})
    except ValidationError as e:
        lines = [f"{path}: {_where(err['loc']) or 'översta nivån'}: {swedish(err)}"
                 for err in e.errors()]
        raise ConfigError("\n".join(lines)) from None
    outside = [f"{path}: {key}: {reason}" for key, named in named_paths(config)
               if (reason := outside_folder(config.base_dir, named))]
    if outside:  # before any file is looked for: nothing outside the folder is read
        raise ConfigError("\n".join(outside))
    missing = _missing_files(config) if require_files else []
    if missing:
        raise ConfigError("\n".join(f"{path}: {m}" for m in missing))
    return config


def _missing_files(config: Config) -> list[str]:
    out = []
    s = config.sources
    named: list[tuple[str, object]] = [("sources.org_register", s.org_register)]
    if s.chart_of_accounts:
        named.append(("sources.chart_of_accounts", s.chart_of_accounts))
    for key in ("ledger", "budget", "investment_budget", "hr", "goal_statuses", "kpi_outcomes"):
        named += [(f"sources.{key}.{i}", src) for i, src in enumerate(getattr(s, key))]
    for key in ("goals", "tidplan"):
        if getattr(s, key):
            named.append((f"sources.{key}", getattr(s, key)))
    for where, src in named:
        pattern = getattr(src, "path", None)
        if pattern and not config.files(pattern):
            out.append(f"{where}.path: ingen fil matchar '{pattern}' (räknat från "
                       f"{config.base_dir})")
    return out


def config_path_from_env() -> Path:
    return Path(os.environ.get(CONFIG_ENV, DEFAULT_CONFIG))
