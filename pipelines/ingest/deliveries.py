"""What the config delivers, source by source: each file (or month of a database table) and
the reader that reads it. The loads (pipelines/defs) store what these readings give, and
`uppfoljning check` runs the same readings without storing anything.

A path with `{period}` is a monthly delivery: the month's partition reads that month's file.
Any other file is read whole on every load, each row into its own month (a ledger or HR
file that is not monthly).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import NamedTuple

from pipelines.config import Config, CsvSource, DatabaseSource, ExcelSource, SieSource
from pipelines.errors import InputError
from pipelines.ingest import (
    balances,
    completeness,
    database,
    goals,
    landing,
    ledger,
    loaders,
    year_end,
)
from pipelines.ingest.batch import Batch, Sink
from pipelines.partitions import months_through


class Reading(NamedTuple):
    """A delivery and how to read it: the reader hands its rows to the sink as it goes; a
    month read from a database table has no delivered file (None). A ledger file is refused
    whole when it was cut off (`cut_off`, pipelines/ingest/completeness.py): `reread` reads
    the kept copy of its earlier delivery under the file's own name instead, `refuse`
    quarantines every row of the cut one with the reason."""

    delivery: landing.Delivery | None
    read: Callable[[Sink | None], Batch]
    cut_off: Callable[[], completeness.CutOff | None] | None = None
    reread: Callable[[Path, Sink | None], Batch] | None = None
    refuse: Callable[[str], Batch] | None = None


def unsupported(kind: str, src) -> InputError:
    return InputError(f"sources.{kind}: källtypen '{src.type}' kan inte läsas in här")


def table_source(src, kind: str) -> tuple[str, str, str, str | int]:
    """(type, delimiter, encoding, sheet) of a CSV or Excel source."""
    if isinstance(src, CsvSource | ExcelSource):
        return src.type, getattr(src, "delimiter", ";"), getattr(src, "encoding", "utf-8"), \
            getattr(src, "sheet", 0)
    raise unsupported(kind, src)


def is_monthly(src) -> bool:
    """A delivery per month: the path names the month."""
    return "{period}" in getattr(src, "path", "")


def configured_months(config: Config) -> set[str]:
    return set(months_through(config.years, None))


def org_register_readings(config: Config) -> list[Reading]:
    src = config.sources.org_register
    kind, delimiter, encoding, sheet = table_source(src, "org_register")
    return [(landing.delivery("org_register", None, p),
             lambda sink, p=p: loaders.read_org_register(p, delimiter, encoding, src.columns,
                                                         kind=kind, sheet=sheet))
            for p in config.files(src.path)]


def sie_ledger_files(config: Config) -> list[Path]:
    return list(dict.fromkeys(p for s in config.sources.ledger if isinstance(s, SieSource)
                              for p in config.files(s.path)))


def file_names(config: Config, paths: list[Path]) -> dict[Path, str]:
    """How the rows of each file name it (`source_file`, the quarantine, the messages): its
    name, or its path in the config's folder where two of `paths` share the name
    (ekonomi/2024/huvudbok.se and ekonomi/2025/huvudbok.se)."""
    seen = Counter(p.name for p in dict.fromkeys(paths))
    return {p: landing.manifest_path(p, config.base_dir) if seen[p.name] > 1 else p.name
            for p in paths}


def balance_readings(config: Config) -> list[Reading]:
    """The year balances (#IB, #UB, #RES) of every SIE ledger file, in delivery order."""
    years = set(config.years)
    files = sie_ledger_files(config)
    names = file_names(config, files)
    return [Reading(landing.delivery("account_balances", None, p, names[p]),
                    lambda sink, p=p, n=n: balances.read_sie_balances(p, years, n, names[p]),
                    lambda p=p: completeness.sie_cut_off(p),
                    lambda copy, sink, p=p, n=n: balances.read_sie_balances(
                        copy, years, n, name=names[p]),
                    lambda reason, p=p, n=n: balances.read_sie_balances(
                        p, years, n, names[p], refused=reason))
            for n, p in enumerate(files, start=1)]



def chart_readings(config: Config) -> list[Reading]:
    src = config.sources.chart_of_accounts
    if src is None:  # no chart export: the accounts the SIE files declare, file by file
        seen: set[str] = set()
        return [(landing.delivery("accounts", None, p),
                 lambda sink, p=p: loaders.read_sie_chart(p, seen))
                for p in sie_ledger_files(config)]
    kind, delimiter, encoding, sheet = table_source(src, "chart_of_accounts")
    return [(landing.delivery("accounts", None, p),
             lambda sink, p=p: loaders.read_chart(p, delimiter, encoding, src.columns,
                                                  kind=kind, sheet=sheet,
                                                  code_and_name=src.code_and_name))
            for p in config.files(src.path)]


def tidplan_readings(config: Config, deadlines: bool = False) -> list[Reading]:
    """The tidplan's follow-up periods, or (`deadlines`) its comment deadlines."""
    src = config.sources.tidplan
    read = goals.read_comment_deadlines if deadlines else loaders.read_tidplan
    return [(landing.delivery("tidplan", None, p), lambda sink, p=p: read(p))
            for p in (config.files(src.path) if src else [])]


def goal_readings(config: Config) -> list[Reading]:
    src = config.sources.goals
    return [(landing.delivery("goals", None, p), lambda sink, p=p: goals.read_goals(p))
            for p in (config.files(src.path) if src else [])]


def goal_status_readings(config: Config, known: set | None) -> list[Reading]:
    """Reported statuses; `known` (year, goal id) of the goals file, None: any goal."""
    readings = []
    for src in config.sources.goal_statuses:
        kind, delimiter, encoding, sheet = table_source(src, "goal_statuses")
        readings += [(landing.delivery("goal_statuses", None, p),
                      lambda sink, p=p, src=src, kind=kind, d=delimiter, e=encoding, sh=sheet:
                      goals.read_goal_statuses(p, kind, d, e, sh, src.columns, known))
                     for p in config.files(src.path)]
    return readings


def kpi_readings(config: Config) -> list[Reading]:
    readings = []
    for src in config.sources.kpi_outcomes:
        kind, delimiter, encoding, sheet = table_source(src, "kpi_outcomes")
        decimal = getattr(src, "decimal", ".")
        readings += [(landing.delivery("kpi_outcomes", None, p),
                      lambda sink, p=p, src=src, kind=kind, d=delimiter, e=encoding, sh=sheet,
                      dec=decimal: goals.read_kpi_outcomes(p, kind, d, e, dec, sh, src.columns,
                                                            config.municipality_code))
                     for p in config.files(src.path)]
    return readings


def decision_readings(config: Config) -> list[Reading]:
    readings = []
    for src in config.sources.balance_requirement_decisions:
        kind, delimiter, encoding, sheet = table_source(src, "balance_requirement_decisions")
        decimal = getattr(src, "decimal", ",")
        readings += [(landing.delivery("balance_requirement_decisions", None, p),
                      lambda sink, p=p, src=src, kind=kind, d=delimiter, e=encoding, sh=sheet,
                      dec=decimal: year_end.read_balance_requirement_decisions(
                          p, kind, d, e, dec, sh, src.columns))
                     for p in config.files(src.path)]
    return readings


def budget_readings(config: Config) -> list[Reading]:
    years = set(config.years)
    readings: list[Reading] = []
    for src in config.sources.budget + config.sources.investment_budget:
        for p in config.files(src.path):
            if isinstance(src, SieSource):
                def read(sink, p=p, src=src):
                    return ledger.read_sie_budget(p, src.version or "", years)
            elif isinstance(src, CsvSource | ExcelSource):
                kind, delimiter, encoding, sheet = table_source(src, "budget")

                def read(sink, p=p, src=src, kind=kind, d=delimiter, e=encoding, sh=sheet):
                    return ledger.read_annual_budget(
                        p, kind, src.version or "", config.fiscal_year, d, e,
                        getattr(src, "decimal", ","), sh, src.columns, years=years,
                        code_and_name=src.code_and_name)
            else:
                raise unsupported("budget", src)
            readings.append((landing.delivery("budget", None, p), read))
    return readings


def _ledger_reading(src, month: str | None, months: set[str], path: Path,
                    chart_from_sie: bool = False, name: str | None = None) -> Reading:
    """A ledger delivery's reading; `chart_from_sie`: the chart is the SIE files' own
    (chart_readings), whose #KONTO lines are then the chart's, not the ledger's. `name`:
    how its rows name the file (file_names), its name by default."""
    name = name or path.name
    delivery = landing.delivery("ledger", month, path, name)
    if isinstance(src, SieSource):
        how = {"chart_from_sie": chart_from_sie, "name": name}
        return Reading(
            delivery, lambda sink: ledger.read_sie_ledger(path, month, months, sink, **how),
            lambda: completeness.sie_cut_off(path),
            lambda copy, sink: ledger.read_sie_ledger(copy, month, months, sink, **how),
            lambda reason: ledger.read_sie_ledger(path, month, months, refused=reason,
                                                  **how))
    if isinstance(src, CsvSource | ExcelSource):
        def read(file: Path, sink: Sink | None, **how) -> Batch:
            return ledger.read_table_ledger(
                file, src.type, month, months,
                getattr(src, "delimiter", ";"), getattr(src, "encoding", "utf-8"),
                getattr(src, "decimal", ","), getattr(src, "sheet", 0), src.columns, sink,
                src.code_and_name, **how)

        return Reading(delivery, lambda sink: read(path, sink, name=name),
                       lambda: completeness.cut_off(path, src),
                       lambda copy, sink: read(copy, sink, name=name),
                       lambda reason: read(path, None, refused=reason, name=name))
    raise unsupported("ledger", src)


def ledger_readings(config: Config, months: list[str]) -> list[Reading]:
    """Each month's delivery, and every file that is not monthly (read whole) once. ERP
    databases are not among them: the load extracts them (pipelines/ingest/database.py)."""
    every_month = configured_months(config)
    from_sie = config.sources.chart_of_accounts is None  # chart_readings: the SIE files'
    names = file_names(config, [p for src in config.sources.ledger
                                if hasattr(src, "path") and not is_monthly(src)
                                for p in config.files(src.path)])
    out, seen = [], set()
    for src in config.sources.ledger:
        if isinstance(src, DatabaseSource):
            continue
        if is_monthly(src):
            for month in months:
                out += [_ledger_reading(src, month, {month}, p, from_sie)
                        for p in config.files(src.path, month)]
        elif hasattr(src, "path"):
            for p in config.files(src.path):
                if p not in seen:
                    seen.add(p)
                    out.append(_ledger_reading(src, None, every_month, p, from_sie,
                                               names[p]))
        else:
            raise unsupported("ledger", src)
    return out


def _hr_reader(src, key: bytes, month: str | None, months: set[str], path: Path,
               name: str | None = None) -> Callable[[Sink | None], Batch]:
    return lambda sink: loaders.read_hr_export(
        path, key, month, getattr(src, "delimiter", ";"), getattr(src, "encoding", "utf-8"),
        getattr(src, "decimal", ","), src.columns, sink, kind=src.type,
        sheet=getattr(src, "sheet", 0), months=months, code_and_name=src.code_and_name,
        name=name)


def hr_readings(config: Config, months: list[str], key: bytes
                ) -> tuple[list[Reading], list[str]]:
    """The HR readings of the months, and the months that no export or table covers."""
    for src in config.sources.hr:
        if not isinstance(src, CsvSource | ExcelSource | DatabaseSource):
            raise unsupported("hr", src)
    every_month = configured_months(config)
    tables = [s for s in config.sources.hr if isinstance(s, DatabaseSource)]
    monthly = [s for s in config.sources.hr if is_monthly(s)]
    whole = [s for s in config.sources.hr if not is_monthly(s)
             and not isinstance(s, DatabaseSource)]
    readings: list[Reading] = []
    missing = []
    for month in months:
        files = [(p, src) for src in monthly for p in config.files(src.path, month)]
        if not files and not tables and not whole:
            missing.append(month)
        readings += [(landing.delivery("hr", month, p), _hr_reader(src, key, month, {month}, p))
                     for p, src in files]
        for src in tables:  # pseudonymised as the rows come out of the database
            period_column = {**loaders.HR_COLUMNS, **src.columns}["period"]
            readings.append((None, lambda sink, src=src, month=month, col=period_column:
                             loaders.read_hr_rows(
                database.month_rows(src, col, month), database.source_name(src), key, month,
                ".", src.columns, sink)))
    names = file_names(config, [p for src in whole for p in config.files(src.path)])
    for src in whole:
        readings += [(landing.delivery("hr", None, p, names[p]),
                      _hr_reader(src, key, None, every_month, p, names[p]))
                     for p in config.files(src.path)]
    return readings, missing
