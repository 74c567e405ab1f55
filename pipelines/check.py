"""`uppfoljning check --config FILE`: what a config will load, before a first run.

Every source's files are read by the same readings the loads use (pipelines/ingest/
deliveries.py), nothing is written: per file the rows read, what would load and what would
be quarantined (by rule), the months it covers and the encoding; then what the packages lack
(no budget, ansvar not in the org register, no HR export) and what would make the run fail.
"""

from __future__ import annotations

import datetime as dt
import os
import secrets
from collections import Counter
from dataclasses import dataclass, field
from fnmatch import fnmatch
from pathlib import Path

import pandas as pd

from pipelines.config import Config, CsvSource, DatabaseSource, ExcelSource, SieSource
from pipelines.errors import InputError
from pipelines.ingest import deliveries
from pipelines.ingest.load_report import SOURCE_NAMES, rule_group
from pipelines.ingest.sie import detect_encoding
from pipelines.text import thousands

EXAMPLES = 5  # codes named in a warning


@dataclass
class FileCheck:
    """One delivery as the load would read it."""

    source: str
    file: str
    period: str | None
    encoding: str
    read: int = 0
    loaded: int = 0
    quarantined: int = 0
    months: set[str] = field(default_factory=set)
    rules: Counter = field(default_factory=Counter)
    problem: str | None = None  # the file cannot be read at all


@dataclass
class CheckReport:
    config: Config
    files: list[FileCheck] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    # what the readings saw, for the warnings: org codes, ledger ansvar, budget years ...
    seen: dict[str, set] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.errors


class _Tally:
    """A sink that keeps no rows: it notes the months and the codes a reader hands over."""

    def __init__(self, report: CheckReport, source: str, check: FileCheck):
        self.report, self.source, self.check = report, source, check

    def __call__(self, frame: pd.DataFrame) -> None:
        if "period" in frame:
            self.check.months |= set(frame["period"].dropna())
        for column, key in (("code", "org_codes"), ("ansvar", f"{self.source}_ansvar"),
                            ("unit_code", "hr_units"), ("fiscal_year", f"{self.source}_years")):
            if column in frame:
                self.report.seen.setdefault(key, set()).update(frame[column].dropna())


def _source_of(config: Config, source: str, path: Path):
    """The configured source whose path names `path`."""
    named = {"org_register": [config.sources.org_register],
             "accounts": [config.sources.chart_of_accounts]}
    for src in named.get(source) or getattr(config.sources, source, None) or []:
        pattern = getattr(src, "path", None)
        if pattern and fnmatch(str(path), str(config.base_dir / pattern.replace(
                "{period}", "*").replace("{year}", "*"))):
            return src
    return None


def _encoding(config: Config, source: str, path: Path) -> str:
    """The encoding the file is read as: SIE's detected, a CSV's configured."""
    src = _source_of(config, source, path)
    if isinstance(src, ExcelSource) or path.suffix.lower() in (".xlsx", ".xlsm"):
        return "xlsx"
    if isinstance(src, CsvSource):
        return src.encoding
    if isinstance(src, SieSource) or source == "accounts":
        try:
            return detect_encoding(path)
        except OSError:
            return "?"
    return "utf-8"


def _run(report: CheckReport, source: str, readings: list[deliveries.Reading]) -> None:
    config = report.config
    for reading in (deliveries.Reading(*r) for r in readings):
        delivery = reading.delivery
        path = delivery.path if delivery else None
        name = path.name if path else "databas"
        check = FileCheck(source, name, delivery.period if delivery else None,
                          _encoding(config, source, path) if path else "-")
        report.files.append(check)
        tally = _Tally(report, source, check)
        cut = reading.cut_off() if reading.cut_off is not None else None
        if cut is not None:  # the run refuses it whole and keeps the earlier delivery
            check.problem = f"{name}: avvisas – {cut.reason} (rad {cut.line})"
            report.errors.append(check.problem)
            continue
        try:
            part = reading.read(tally)
            part.sink = tally
            part.flush()
        except (InputError, ValueError, OSError) as e:
            check.problem = str(e)
            report.errors.append(str(e))
            continue
        check.read, check.loaded, check.quarantined = part.read, part.loaded, len(part.quarantine)
        check.rules.update(rule_group(q["rule"]) for q in part.quarantine + part.notes)


def check_config(config: Config) -> CheckReport:
    """Read every source of the config as the loads would, and say what a run would do."""
    report = CheckReport(config)
    months = sorted(deliveries.configured_months(config))
    steps = [("org_register", lambda: deliveries.org_register_readings(config)),
             ("accounts", lambda: deliveries.chart_readings(config)),
             ("ledger", lambda: deliveries.ledger_readings(config, months)),
             ("budget", lambda: deliveries.budget_readings(config)),
             ("goals", lambda: deliveries.goal_readings(config)),
             ("goal_statuses", lambda: deliveries.goal_status_readings(config, None)),
             ("kpi_outcomes", lambda: deliveries.kpi_readings(config)),
             ("tidplan", lambda: deliveries.tidplan_readings(config)),
             ("balance_requirement_decisions", lambda: deliveries.decision_readings(config))]
    for source, readings in steps:
        try:
            _run(report, source, readings())
        except InputError as e:
            report.errors.append(str(e))
    _check_hr(report, months)
    _check_databases(report)
    _what_is_missing(report, months)
    return report


def _check_hr(report: CheckReport, months: list[str]) -> None:
    config = report.config
    if not config.sources.hr:
        return
    if not (os.environ.get(config.pseudonym_key_env) or config.demo):
        report.errors.append(f"miljövariabeln {config.pseudonym_key_env} är inte satt: "
                             "personuppgifterna kan inte pseudonymiseras (sources.hr)")
    key = secrets.token_bytes(32)  # a throwaway key: nothing read here is kept
    files = [s for s in config.sources.hr if not isinstance(s, DatabaseSource)]
    if files:
        readings, missing = deliveries.hr_readings(
            config.model_copy(update={"sources": config.sources.model_copy(
                update={"hr": files})}), months, key)
        _run(report, "hr", readings)
        if missing:
            report.warnings.append(f"Ingen personalexport för {_span(missing)}: paketen för "
                                   "de månaderna får ingen personalstatistik.")


def _check_databases(report: CheckReport) -> None:
    """An ERP or HR database: is it there, and how many rows does it hold?"""
    import sqlalchemy as sa

    for key in ("ledger", "hr"):
        for src in getattr(report.config.sources, key):
            if not isinstance(src, DatabaseSource):
                continue
            relation = f"({src.query}) src" if src.query else f"{src.table} src"
            check = FileCheck(key, f"databas {src.table or 'query'}", None, "-")
            report.files.append(check)
            try:
                engine = sa.create_engine(src.resolved_url())
                with engine.connect() as db:
                    check.read = db.execute(sa.text(f"SELECT count(*) FROM {relation}")
                                            ).scalar_one()
                engine.dispose()
            except Exception as e:  # a database that does not answer: one line
                check.problem = f"sources.{key}: databasen svarar inte ({type(e).__name__})"
                report.errors.append(check.problem)


def _span(months: list[str]) -> str:
    """'2025-01–2025-12', with how many where months are missing in between."""
    months = sorted(months)
    if len(months) == 1:
        return months[0]
    first, last = months[0], months[-1]
    whole = (int(last[:4]) - int(first[:4])) * 12 + int(last[5:]) - int(first[5:]) + 1
    return f"{first}–{last}" + ("" if whole == len(months) else f" ({len(months)} mån)")


def grouped(files: list[FileCheck]) -> list[FileCheck]:
    """Monthly deliveries of one source and pattern as one line (the file name with its
    month as {period}); files read whole, and files that cannot be read, each on its own."""
    out: dict[tuple, FileCheck] = {}
    for f in files:
        if f.period is None or f.problem:
            out[(id(f),)] = f
            continue
        name = f.file.replace(f.period, "{period}").replace(f.period[:4], "{year}")
        key = (f.source, name, f.encoding)
        g = out.setdefault(key, FileCheck(f.source, name, "", f.encoding))
        g.period = f"{g.period}|{f.period}" if g.period else f.period
        g.read, g.loaded = g.read + f.read, g.loaded + f.loaded
        g.quarantined += f.quarantined
        g.months |= f.months
        g.rules.update(f.rules)
    for g in out.values():
        if g.period and "|" in g.period:
            periods = g.period.split("|")
            g.period = f"{len(periods)} månadsfiler"
        elif g.period:
            g.period = f"månadsfil {g.period}"
    return list(out.values())


def _what_is_missing(report: CheckReport, months: list[str]) -> None:
    """What the packages lack, and what would make the run fail."""
    from pipelines.quality.org_tree import org_tree_problems

    config, seen, warn = report.config, report.seen, report.warnings
    org = [f for f in report.files if f.source == "org_register"]
    if not any(f.loaded for f in org):
        report.errors.append("sources.org_register: inga enheter läses in; utan "
                             "organisationsregister kan inget följas upp")
    else:
        rows = []
        for src in deliveries.org_register_readings(config):
            batch = src[1](None)
            rows += [(r["code"], r["level"], r["parent_code"],
                      r["valid_from"] or dt.date(1900, 1, 1), r["valid_to"]) for r in batch.rows]
        problems = org_tree_problems(rows)
        report.errors += [f"organisationsregistret: {p}" for p in problems[:10]]
    ledger = [f for f in report.files if f.source == "ledger"]
    if not config.sources.ledger:
        warn.append("Ingen huvudbok (sources.ledger): inget utfall att följa upp.")
    else:
        booked = set().union(*(f.months for f in ledger)) if ledger else set()
        without = [m for m in months if m not in booked]
        if without and booked:
            warn.append(f"{len(without)} av {len(months)} månader har inga verifikationsrader "
                        f"(t.ex. {', '.join(without[:EXAMPLES])}).")
    budget_years = {int(y) for y in seen.get("budget_years", set())}
    if not config.sources.budget and not config.sources.investment_budget:
        warn.append("Ingen budget (sources.budget): körningen läser in utfallet men gör inga "
                    "uppföljningspaket, som jämför utfall med budget.")
    else:
        lacking = [y for y in config.years if y not in budget_years]
        if lacking:
            warn.append(f"Ingen budget för {', '.join(map(str, lacking))}: inga paket för "
                        f"{'det året' if len(lacking) == 1 else 'de åren'}.")
    units = seen.get("org_codes", set())
    unknown = sorted(seen.get("ledger_ansvar", set()) - units)
    if units and unknown:
        warn.append(f"{len(unknown)} ansvar i huvudboken finns inte i organisationsregistret "
                    f"(t.ex. {', '.join(unknown[:EXAMPLES])}): deras rader redovisas under "
                    "Okänt ansvar och regeln kontering.ansvar_valid flaggar dem.")
    if not config.sources.hr:
        warn.append("Ingen personalexport (sources.hr): paketen får ingen personalstatistik.")
    if config.sources.chart_of_accounts is None and not any(
            isinstance(s, SieSource) for s in config.sources.ledger):
        warn.append("Ingen kontoplan (sources.chart_of_accounts), och inga SIE-filer med "
                    "#KONTO: reglerna om konton hoppas över.")
    if config.sources.tidplan is None:
        warn.append("Ingen tidplan (sources.tidplan): schemana kör på standarddagen, den 12:e "
                    "i månaden efter perioden, och kommentarsdatum bevakas inte.")


def print_check(report: CheckReport, console) -> None:
    """The report in Swedish, one screen: deliveries, quarantine rules, what is missing."""
    from rich.table import Table
    from rich.text import Text

    config = report.config
    years = f"{config.years[0]}–{config.years[-1]}"
    console.print(Text(f"{config.municipality}: år {years} (first_year–fiscal_year)",
                       style="bold"))
    table = Table(title="Leveranser", title_justify="left")
    for column in ("Källa", "Fil", "Kodning", "Lästa", "Läses in", "Karantän", "Månader"):
        table.add_column(column, justify="right" if column in ("Lästa", "Läses in",
                                                              "Karantän") else "left",
                         overflow="fold", no_wrap=column not in ("Fil", "Källa"),
                         max_width={"Källa": 22}.get(column))
    for f in grouped(report.files):
        table.add_row(SOURCE_NAMES.get(f.source, f.source),
                      Text(f"{f.file} ({f.period})" if f.period else f.file), f.encoding,
                      *(("-", "-", "-") if f.problem else
                        (thousands(f.read), thousands(f.loaded), thousands(f.quarantined))),
                      Text("kan inte läsas" if f.problem else _span(sorted(f.months))
                           if f.months else "-"))
    console.print(table)
    rules = [(f, rule, n) for f in grouped(report.files) for rule, n in f.rules.most_common(3)]
    if rules:
        q = Table(title="Karantän per regel (de vanligaste per fil)", title_justify="left")
        for column in ("Källa", "Fil", "Regel", "Rader"):
            q.add_column(column, justify="right" if column == "Rader" else "left")
        for f, rule, n in rules:
            q.add_row(SOURCE_NAMES.get(f.source, f.source), Text(f.file), Text(rule), str(n))
        console.print(q)
    for title, lines in (("Saknas för paketen", report.warnings), ("Fel", report.errors)):
        if lines:
            console.print(Text(title, style="bold"))
            for line in lines:
                console.print(f"  - {line}")
    console.print("Körningen fungerar." if report.ok else
                  "Körningen skulle inte fungera: rätta felen ovan.", style="bold",
                  highlight=False)
