"""Packages on older figures: after each build the figures of every follow-up period it
rebuilt are fingerprinted (reports.period_figures, with the time they last changed), so a run
can say which periods' issued packages show figures that have changed since (a corrected
month run alone changes every later period of its year and the next year's). They are not
remade unasked: a published package was sent to its board; `uppfoljning report --period`
(or a run through the period) makes them again.
"""

import datetime as dt
from pathlib import Path

from pipelines.partitions import EARLIER_YEARS, FOLLOW_UP_MONTHS

# what a period's packages show: every mart by fiscal year and period (balance_requirement,
# by year, counts as its December), but the ledger's rows, and the forecasts' evaluation
# against the year's final outcome (in every period of a year: no package shows it)
PERIOD_FIGURES = "reports.period_figures"
FIGURES_DDL = ("fiscal_year INTEGER NOT NULL, period INTEGER NOT NULL, fingerprint HUGEINT, "
               "changed_at TIMESTAMP")
NOT_FIGURES = {"ledger_transactions": None, "forecasts": (
    "is_year_complete", "outcome_final", "forecast_error", "forecast_error_share")}


def _figures_sql(con, years: tuple[int, int] | None) -> str:
    """Per fiscal year and follow-up period, a fingerprint of the marts' rows (sum of row
    hashes: the order of rows does not matter)."""
    columns: dict[str, set[str]] = {}
    for table, column in con.execute("select table_name, column_name from "
                                     "information_schema.columns where table_schema = "
                                     "'marts'").fetchall():
        columns.setdefault(table, set()).add(column)
    where = f"fiscal_year between {years[0]} and {years[1]}" if years else "true"
    parts = []
    for table, have in sorted(columns.items()):
        left_out = NOT_FIGURES.get(table, ())
        if left_out is None or "fiscal_year" not in have:
            continue
        shown = ", ".join(f'"{c}"' for c in sorted(have) if c not in left_out)
        period = "period" if "period" in have else "12"
        parts.append(f"select fiscal_year, {period} as period, hash('{table}', {shown}) "
                     f"as h from marts.{table} where {where} and "
                     f"{period} in ({', '.join(map(str, FOLLOW_UP_MONTHS))})")
    if not parts:
        return "select 0 as fiscal_year, 0 as period, 0::hugeint as fingerprint limit 0"
    return (f"select fiscal_year, period, sum(h)::hugeint as fingerprint from "
            f"({' union all '.join(parts)}) group by all")


def note_changed_figures(con, window: list[str]) -> None:
    """After a build: the fingerprint of each follow-up period's figures in the `window`
    (first and last month; empty: every year), and when they last changed
    (reports.period_figures). A period seen for the first time has no time of change."""
    years = (int(window[0][:4]), int(window[-1][:4])) if window else None
    within = "fiscal_year between ? and ?" if years else "true"
    con.execute("create schema if not exists reports")
    con.execute(f"create table if not exists {PERIOD_FIGURES} ({FIGURES_DDL})")
    now = dt.datetime.now().replace(microsecond=0)  # as reports.issued_packages.issued_at
    con.execute(f"create or replace temp table figures_now as {_figures_sql(con, years)}")
    # a period of the window whose rows are gone has changed too
    con.execute(f"insert into figures_now select fiscal_year, period, 0 from {PERIOD_FIGURES} "
                f"as p where {within} and not exists (select 1 from figures_now as n where "
                f"n.fiscal_year = p.fiscal_year and n.period = p.period)", list(years or ()))
    con.execute("begin")
    con.execute(f"update {PERIOD_FIGURES} as p set fingerprint = n.fingerprint, changed_at = ? "
                f"from figures_now as n where p.fiscal_year = n.fiscal_year and "
                f"p.period = n.period and p.fingerprint is distinct from n.fingerprint", [now])
    con.execute(f"insert into {PERIOD_FIGURES} select fiscal_year, period, fingerprint, null "
                f"from figures_now as n where not exists (select 1 from {PERIOD_FIGURES} "
                f"as p where p.fiscal_year = n.fiscal_year and p.period = n.period)")
    con.execute("commit")
    con.execute("drop table figures_now")


def stale_packages(con) -> list[str]:
    """The follow-up periods (YYYY-MM) with a package issued before the figures it shows
    last changed: its period's, or the same period's of the EARLIER_YEARS years it compares
    with (reports.issued_packages against reports.period_figures). Remaking the period's
    packages (uppfoljning report --period, or a run through it) makes it current again."""
    have = {t for (t,) in con.execute(
        "select table_schema || '.' || table_name from information_schema.tables "
        "where table_schema = 'reports'").fetchall()}
    if not {PERIOD_FIGURES, "reports.issued_packages"} <= have:
        return []
    return [p for (p,) in con.execute(
        f"""with latest as (  -- what each board (and the kommun) was last given
                select period, cast(substr(period, 1, 4) as integer) as fiscal_year,
                    cast(substr(period, 6, 2) as integer) as month, max(issued_at) as issued_at
                from reports.issued_packages group by period, board)
            select distinct latest.period from latest join {PERIOD_FIGURES} as figures
                on figures.period = latest.month and figures.fiscal_year
                    between latest.fiscal_year - {EARLIER_YEARS} and latest.fiscal_year
            where latest.issued_at < figures.changed_at
            order by 1""").fetchall()]


def stale_packages_line(periods: list[str], config: str | Path | None = None) -> str:
    """One line for the user: which periods' packages show older figures, and the command
    that makes them again (with `--config` when given)."""
    named = periods[0] if len(periods) == 1 else \
        f"{', '.join(periods[:-1])} och {periods[-1]}"
    rest = f" (och likadant för {', '.join(periods[1:])})" if len(periods) > 1 else ""
    option = f" --config {config}" if config else ""
    return (f"paketen för {named} bygger på äldre siffror: gör om dem med "
            f"`uppfoljning report --period {periods[0]}{option}`{rest}")
