"""What a follow-up period's open-data release holds, read from the marts and from
`reports.issued_packages`: only what the period's published packages show.

- A board whose latest package of the period is a draft (utkast) is withheld whole: none of
  its units, investments or staff figures. The kommun's own rows, the financial goals and
  the balanskrav come only with a published package for the kommun total.
- No unit below the configured public level (`open_data.public_level`, default
  verksamhet): enheter are small, and their staff figures come close to persons.
- Staff figures as `marts.staff_statistics` publishes them (a withheld sick-leave figure is
  empty, with its reason); sick hours, comments and names of persons are never included.
- Amounts as a board reads them (seeds.cost_categories.board_sign), exact to the öre.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import duckdb
import pandas as pd

from pipelines.domain import BOARD_LEVEL
from pipelines.packages import readings
from pipelines.packages.content import follow_up_period
from pipelines.packages.figures import board_value
from pipelines.packages.publish import data_day, latest_issued
from pipelines.warehouse_tables import has_table

YEAR_END = 12
# the directions of a row's amounts, as the Fiscal Data Package names them
DIRECTIONS = {1: "expenditure", -1: "revenue"}


class CannotRelease(LookupError):
    """The period cannot be released: no package of it is published, or the config lacks
    what the release must state (one line, in Swedish)."""


class NothingPublished(CannotRelease):
    """Every package of the period is a draft: an earlier release of it is withdrawn."""


@dataclass
class Release:
    municipality: str
    municipality_code: str
    year: int
    month: int
    public_level: str
    data_day: dt.date
    tables: dict[str, pd.DataFrame]  # resource (opendata.yaml) -> its rows
    withheld: list[str] = field(default_factory=list)  # in Swedish: what was left out, why

    @property
    def period_key(self) -> str:
        return f"{self.year}-{self.month:02d}"


def read_release(con: duckdb.DuckDBPyConnection, municipality: str, municipality_code: str,
                 period_key: str, public_level: str = "verksamhet") -> Release:
    """The release of one follow-up period; CannotRelease when no package is published."""
    year, month = follow_up_period(period_key)
    if not municipality_code:
        raise CannotRelease("municipality_code (kommunkod, t.ex. '1440') saknas i "
                            "konfigurationen: öppna data anger kommunens kod")
    issued = latest_issued(con, [period_key])
    if issued.empty:
        raise CannotRelease(
            f"inga paket är gjorda för {period_key}: öppna data visar bara det som "
            f"paketen publicerat (kör `uppfoljning report --period {period_key}` först)")
    published = issued[issued["published"].astype(bool)]
    kommun_published = bool(published["board"].isna().any())
    boards = set(published["board"].dropna().astype(str))
    if not boards and not kommun_published:
        raise NothingPublished(f"inget paket för {period_key} är publicerat (alla är "
                               "utkast): öppna data släpps först när paketen får publiceras")
    withheld = [f"{r.scope_name}: utkast, inte publicerat (spärras av {_rules(r.blockers)})"
                for r in issued.itertuples() if not r.published]
    levels = dict(con.execute("select org_level, level_order from seeds.org_levels").fetchall())
    if public_level not in levels:
        raise CannotRelease(f"open_data.public_level '{public_level}' är ingen nivå i "
                            f"organisationen (nivåer: {', '.join(levels)})")
    tree = _tree(con, year, month, levels)
    # a board's units come with its package; the rest (the kommun itself, ansvar outside
    # the org register) with the kommun total's
    packaged = set(issued["board"].dropna().astype(str))
    in_kommun_package = ~tree["board_code"].isin(packaged)
    public = tree[(tree["level_order"] <= levels[public_level])
                  & (tree["board_code"].isin(boards) | (in_kommun_package & kommun_published))]
    tables = {
        "budget_follow_up": _follow_up(con, year, month, public, municipality_code),
        "investments": _investments(con, year, month, tree, boards, municipality_code),
        "staff": _staff(con, year, month, public, municipality_code),
    }
    if kommun_published:
        tables["financial_goals"] = _financial_goals(con, year, month, municipality_code)
        if month == YEAR_END:
            tables["balance_requirement"] = _balance_requirement(con, year, municipality_code)
    tables = {name: frame for name, frame in tables.items() if not frame.empty}
    return Release(municipality, municipality_code, year, month, public_level,
                   data_day(con), tables, withheld)


def _rows(con: duckdb.DuckDBPyConnection, sql: str, params: list) -> pd.DataFrame:
    """A query's rows as they are: decimals stay Decimal (DuckDB's .df() makes them floats,
    and money must stay exact to the öre)."""
    cursor = con.execute(sql, params)
    return pd.DataFrame(cursor.fetchall(), columns=[d[0] for d in cursor.description],
                        dtype=object)


def _tree(con: duckdb.DuckDBPyConnection, year: int, month: int, levels: dict[str, int]
          ) -> pd.DataFrame:
    """The period's units with their board (the ancestor at nämnd level) and activity (the
    ancestor at verksamhet level, for units at or below it), from the marts' own tree."""
    units = _rows(
        con, "select distinct org_level, level_order, org_unit_code, org_unit_name, "
             "parent_unit_code from marts.budget_follow_up where fiscal_year = ? and "
             "period = ?", [year, month])
    by_key = {(int(r.level_order), r.org_unit_code): r for r in units.itertuples()}

    def ancestor(level_order: int, code: str, wanted: int | None) -> str | None:
        if wanted is None or level_order < wanted:
            return None
        while level_order > wanted and code is not None:
            row = by_key.get((level_order, code))  # the marts' tree is whole (tested)
            code = row.parent_unit_code if row is not None else None
            level_order -= 1
        return code

    board, activity = levels.get(BOARD_LEVEL), levels.get("verksamhet")
    units["board_code"] = [ancestor(int(lo), c, board)
                           for lo, c in zip(units["level_order"], units["org_unit_code"],
                                            strict=True)]
    units["activity_code"] = [ancestor(int(lo), c, activity)
                              for lo, c in zip(units["level_order"], units["org_unit_code"],
                                               strict=True)]
    names = {(int(lo), c): n for lo, c, n in zip(units["level_order"], units["org_unit_code"],
                                                 units["org_unit_name"], strict=True)}
    units["board_name"] = [names.get((board, c)) if c else None for c in units["board_code"]]
    units["activity_name"] = [names.get((activity, c)) if c else None
                              for c in units["activity_code"]]
    return units


def _in(frame: pd.DataFrame, units: pd.DataFrame) -> pd.DataFrame:
    """The rows of `frame` whose unit is one of `units`, with the units' board and activity."""
    keep = units[["level_order", "org_unit_code", "board_code", "board_name", "activity_code",
                  "activity_name"]]
    return frame.merge(keep, on=["level_order", "org_unit_code"], how="inner")


def _follow_up(con: duckdb.DuckDBPyConnection, year: int, month: int, units: pd.DataFrame,
               kommunkod: str) -> pd.DataFrame:
    rows = _rows(con, """
        select f.*, c.board_sign, c.board_name as category_reading, c.sort_order
        from marts.budget_follow_up f join seeds.cost_categories c using (cost_category)
        where f.fiscal_year = ? and f.period = ?""", [year, month])
    amounts = ["outcome_ytd", "budget_ytd", "budget_annual", "budget_annual_adopted",
               "forecast_annual", "outcome_prior_ytd"]
    # named and read as the packages do (packages.readings): a unit holding the kommun's
    # financing gets its nettokostnad apart, and its net (the kommun's: always) is a result
    rows = readings.with_operating_net(_in(rows, units),
                                       [*amounts, "deviation_ytd", "forecast_deviation"])
    rows = rows.sort_values(["level_order", "org_unit_code", "sort_order"])
    shown = [category in ("net", readings.OPERATING_NET)
             or any(v is not None and v != 0 for v in values)
             for category, values in zip(rows["cost_category"],
                                         rows[amounts].itertuples(index=False), strict=True)]
    rows = rows[shown].copy()  # as the packages: a category with nothing in it is left out
    _name_nets(rows)
    sign = rows["board_sign"].astype(int)
    for column in ("budget_annual_adopted", "budget_annual", "budget_ytd", "outcome_ytd",
                   "forecast_annual", "outcome_prior_ytd"):
        rows[column] = [board_value(v, s) for v, s in zip(rows[column], sign, strict=True)]
    if month == YEAR_END:  # the year's outcome: there is nothing left to forecast
        rows["forecast_annual"] = None
        rows["forecast_deviation"] = None
    rows["municipality_code"] = kommunkod
    return rows.reset_index(drop=True)


def _name_nets(rows: pd.DataFrame) -> None:
    """Each row's name, reading sign and direction: a unit's nettokostnad (`net`, or
    `operating_net` beside the net of a unit holding financing) reads as a net cost; the
    kommun's net is årets resultat, another unit's with financing its netto efter
    finansiering, both + for a surplus."""
    top = rows["parent_unit_code"].isna()  # the kommun: the tree's root
    holding = set(rows.loc[rows["cost_category"] == readings.OPERATING_NET, "org_unit_code"])
    result = (rows["cost_category"] == "net") & (rows["org_unit_code"].isin(holding) | top)
    rows["cost_category_name"] = rows["category_reading"]
    rows.loc[rows["cost_category"] == readings.OPERATING_NET, "cost_category_name"] = [
        readings.KOMMUN_NET_COST if t else readings.NET_COST
        for t in top[rows["cost_category"] == readings.OPERATING_NET]]
    rows.loc[result, "cost_category_name"] = [readings.net_reading(bool(t))[0]
                                              for t in top[result]]
    rows.loc[result, "board_sign"] = -1
    rows["direction"] = [
        "result" if r else "net" if c in ("net", readings.OPERATING_NET) else DIRECTIONS[s]
        for c, s, r in zip(rows["cost_category"], rows["board_sign"].astype(int), result,
                           strict=True)]


def _investments(con: duckdb.DuckDBPyConnection, year: int, month: int, tree: pd.DataFrame,
                 boards: set[str], kommunkod: str) -> pd.DataFrame:
    rows = _rows(con, "select * from marts.investment_follow_up where fiscal_year = ? and "
                      "period = ? order by project_code", [year, month])
    board_of = dict(zip(tree["org_unit_code"], tree["board_code"], strict=False))
    name_of = dict(zip(tree["board_code"], tree["board_name"], strict=False))
    rows["board_code"] = rows["org_unit_code"].map(board_of)
    rows = rows[rows["board_code"].isin(boards)].copy()
    rows["board_name"] = rows["board_code"].map(name_of)
    rows["forecast_deviation"] = [None if f is None or b is None else b - f for b, f in
                                  zip(rows["budget_annual"], rows["forecast_annual"],
                                      strict=True)]
    rows["municipality_code"] = kommunkod
    return rows.reset_index(drop=True)


def _staff(con: duckdb.DuckDBPyConnection, year: int, month: int, units: pd.DataFrame,
           kommunkod: str) -> pd.DataFrame:
    """The mart's rows of the public units, figures and marks as they are: no small group
    follows from them, as none follows from the whole mart (fewer figures shown give fewer
    differences: leaving out units below the public level or withheld boards uncovers
    nothing)."""
    if not has_table(con, "marts", "staff_statistics"):
        return pd.DataFrame()
    rows = _rows(con, "select * from marts.staff_statistics where fiscal_year = ? and "
                      "period = ? and period_scope = 'ytd'", [year, month])
    rows = _in(rows, units).sort_values(["level_order", "org_unit_code"])
    rows["municipality_code"] = kommunkod
    return rows.reset_index(drop=True)


def _financial_goals(con: duckdb.DuckDBPyConnection, year: int, month: int,
                     kommunkod: str) -> pd.DataFrame:
    if not has_table(con, "marts", "goal_follow_up"):
        return pd.DataFrame()
    rows = _rows(con, "select * from marts.goal_follow_up where fiscal_year = ? and "
                      "period = ? and goal_kind = 'financial_goal' order by sort_order",
                 [year, month])
    rows["municipality_code"] = kommunkod
    return rows


def _balance_requirement(con: duckdb.DuckDBPyConnection, year: int, kommunkod: str
                         ) -> pd.DataFrame:
    if not has_table(con, "marts", "balance_requirement"):
        return pd.DataFrame()
    rows = _rows(con, "select * from marts.balance_requirement where fiscal_year between "
                      "? and ? order by fiscal_year, line_order", [year - 3, year])
    rows["municipality_code"] = kommunkod
    return rows


def _rules(blockers: str | None) -> str:
    """The rules that block a package, without their first error's file and line."""
    rules = [b.split(":", 1)[0].strip() for b in (blockers or "").split("; ") if b.strip()]
    return ", ".join(dict.fromkeys(rules)) or "okänd regel"
