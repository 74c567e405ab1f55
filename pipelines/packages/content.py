"""What a follow-up package holds, read from the marts for one follow-up period and one scope:
a board (nämnd) with every level below it, or the kommun total with the boards' summaries.

Everything here is data; `workbook.py` and `pdf.py` lay it out, `gate.py` decides whether
it may be published.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from functools import cached_property

import duckdb
import pandas as pd

from pipelines.packages import readings
from pipelines.packages.figures import missing
from pipelines.partitions import FOLLOW_UP_MONTHS
from pipelines.quality.issue_log import corrections_of
from pipelines.quality.report import WHOLE_MUNICIPALITY, open_issues
from pipelines.warehouse_tables import has_table

MONTHS_SV = ("januari", "februari", "mars", "april", "maj", "juni", "juli", "augusti",
             "september", "oktober", "november", "december")
# the report a follow-up period gives when the tidplan does not name it
DEFAULT_KINDS = {4: ("tertialrapport", "Tertialrapport 1"), 8: ("delårsrapport", "Delårsrapport"),
                 12: ("årsredovisning", "Årsredovisning")}
BOARD_LEVEL = "nämnd"
UNKNOWN = "(okänt)"


class NotAFollowUpPeriod(ValueError):
    pass


def follow_up_period(period_key: str) -> tuple[int, int]:
    """'2025-04' -> (2025, 4); a follow-up period ends with an even month."""
    try:
        year, month = int(period_key[:4]), int(period_key[5:7])
        assert len(period_key) == 7 and period_key[4] == "-"
    except (ValueError, AssertionError):
        raise NotAFollowUpPeriod(f"'{period_key}' är inte en period (ÅÅÅÅ-MM)") from None
    if month not in FOLLOW_UP_MONTHS:
        raise NotAFollowUpPeriod(
            f"{period_key} är ingen uppföljningsperiod: uppföljning görs efter februari, april, "
            "juni, augusti, oktober och december")
    return year, month


def period_label(year: int, month: int) -> str:
    return f"januari-{MONTHS_SV[month - 1]} {year}"


@dataclass
class Scope:
    code: str | None  # the board's code; None for the kommun total
    name: str

    @property
    def is_kommun(self) -> bool:
        return self.code is None

    @property
    def file_stem(self) -> str:
        if self.code is None:
            return "kommunen"
        ascii_name = self.name.translate(str.maketrans("åäöÅÄÖéÉ", "aaoAAOeE"))
        slug = "".join(c if c.isascii() and c.isalnum() else "_" for c in ascii_name)
        slug = "_".join(part for part in slug.split("_") if part)
        return f"{self.code}_{slug}"


@dataclass
class Package:
    municipality: str
    year: int
    month: int
    scope: Scope
    kind: str
    title: str
    meeting: dt.date | None
    # budget_follow_up rows in tree order, with depth, the category's board_sign and
    # board_name, the level's name and the previous follow-up period's forecast
    follow_up: pd.DataFrame
    summary: pd.DataFrame  # the scope's top unit by cost category
    sub_units: pd.DataFrame  # net per unit one level below the top (the chart)
    trend: pd.DataFrame  # the top unit's net per period of the year so far
    deviations: pd.DataFrame
    investments: pd.DataFrame
    staff: pd.DataFrame
    quality: pd.DataFrame
    goals: pd.DataFrame = field(default_factory=pd.DataFrame)  # tertial packages only
    # the kommun total only: per kind of comment or report, and what is missing or late
    deadlines: pd.DataFrame = field(default_factory=pd.DataFrame)
    deadline_details: pd.DataFrame = field(default_factory=pd.DataFrame)
    # the kommun's årsredovisning: the balanskravsutredning, this year and the three before
    balance_requirement: pd.DataFrame = field(default_factory=pd.DataFrame)
    balance_requirement_decisions: list[str] = field(default_factory=list)  # KF's, this year
    blockers: list[str] = field(default_factory=list)
    data_cutoff: dt.date | None = None  # the tidplan's brytdatum for the period
    # the budget of units that came to or left the scope since the previous follow-up period,
    # and budget revisions (marts.budget_changes)
    budget_changes: pd.DataFrame = field(default_factory=pd.DataFrame)
    # the scope's staff figures of the same period in up to three earlier years
    staff_history: dict[int, dict] = field(default_factory=dict)
    level_names: dict[int, str] = field(default_factory=dict)  # level_order -> Nämnd, ...
    realisation_gains_ytd: float = 0.0  # the kommun's, SEK +, for the balanskrav at delår
    # the kommun's RR, BR and KF (marts.financial_statements) of the period, this year and last
    statements: pd.DataFrame = field(default_factory=pd.DataFrame)
    # what the quality rules found in the year's data and a later delivery corrected
    # (quality.issue_log.corrections_of), said in the board's document
    corrections: list[str] = field(default_factory=list)
    _category_readings: dict[str, tuple[int, str]] | None = field(default=None, repr=False)

    def board_sign(self, category: str) -> int:
        """How a board reads the category's amounts (seeds/cost_categories.csv)."""
        return self._categories().get(category, (1, category))[0]

    def board_name(self, category: str) -> str:
        return self._categories().get(category, (1, category))[1]

    def reading(self, depth: int, category: str, code: str | None = None
                ) -> tuple[str, int]:
        """(name, sign) of a row as a board reads it (packages.readings): the kommun's own
        net is its årets resultat, the net of a unit that holds financing (`code`) its netto
        efter finansiering (+ surplus); every other row reads by its category."""
        if category == "net" and ((self.scope.is_kommun and depth == 0)
                                  or code in self.financing_units):
            return readings.net_reading(self.scope.is_kommun and depth == 0)
        if category == readings.OPERATING_NET:
            return (readings.KOMMUN_NET_COST if self.scope.is_kommun and depth == 0
                    else readings.NET_COST), 1
        return self.board_name(category), self.board_sign(category)

    @cached_property
    def financing_units(self) -> set[str]:
        """The codes of the units whose rows hold financing (their net is a result)."""
        return set(self.follow_up.loc[self.follow_up["cost_category"]
                                      == readings.OPERATING_NET, "org_unit_code"])

    def _categories(self) -> dict[str, tuple[int, str]]:
        if self._category_readings is None:  # once: asked for every row of every sheet
            rows = self.follow_up[["cost_category", "board_sign", "board_name"]
                                  ].drop_duplicates()
            self._category_readings = {c: (int(s), str(n))
                                       for c, s, n in rows.itertuples(index=False)}
        return self._category_readings

    @property
    def is_year_end(self) -> bool:
        """December: the outcome is the year's; there is nothing left to forecast."""
        return self.month == 12

    @property
    def period_key(self) -> str:
        return f"{self.year}-{self.month:02d}"

    @property
    def period_label(self) -> str:
        return period_label(self.year, self.month)

    @property
    def is_statutory(self) -> bool:
        """Tertial, delår and årsredovisning add the statutory tables."""
        return self.month in DEFAULT_KINDS

    @property
    def published(self) -> bool:
        return not self.blockers


def _frame(con: duckdb.DuckDBPyConnection, sql: str, params: list) -> pd.DataFrame:
    return con.execute(sql, params).df()


def quality_issues(con: duckdb.DuckDBPyConnection, period_key: str) -> pd.DataFrame | None:
    """The open quality issues through the period, each with its board; None before the
    first quality run."""
    return open_issues(con, through=period_key) if has_table(con, "quality", "issues") else None


def boards(con: duckdb.DuckDBPyConnection, year: int, month: int) -> list[Scope]:
    """The boards (nämnder) on the tree of the period's end."""
    rows = con.execute(
        "select distinct org_unit_code, org_unit_name from marts.budget_follow_up "
        "where fiscal_year = ? and period = ? and org_level = ? and org_unit_code <> ? "
        "order by 1", [year, month, BOARD_LEVEL, UNKNOWN]).fetchall()
    return [Scope(code, name) for code, name in rows]


def _tree_order(rows: pd.DataFrame, top: tuple[int, str], max_depth: int | None
                ) -> list[tuple[int, str, int]]:
    """(level_order, code, depth) of the top unit and everything below it, depth first."""
    units = rows[["level_order", "org_unit_code", "parent_unit_code"]].drop_duplicates()
    children: dict[tuple[int, str], list[str]] = {}
    for level, code, parent in units.itertuples(index=False):
        children.setdefault((level - 1, parent), []).append(code)
    out: list[tuple[int, str, int]] = []
    stack = [(top[0], top[1], 0)]
    while stack:
        level, code, depth = stack.pop()
        out.append((level, code, depth))
        if max_depth is not None and depth >= max_depth:
            continue
        kids = sorted(children.get((level, code), []), key=lambda c: (c == UNKNOWN, c))
        stack += [(level + 1, k, depth + 1) for k in reversed(kids)]
    return out


def build(con: duckdb.DuckDBPyConnection, municipality: str, period_key: str,
          board: str | None, issues: pd.DataFrame | None = None) -> Package:
    """The package of one follow-up period for a board (its code) or the kommun (None).
    `issues`: the open quality issues through the period (quality.report.open_issues), when
    the caller has read them once for all the period's packages."""
    year, month = follow_up_period(period_key)
    rows = _frame(con, """
        select f.*, c.sort_order, c.board_sign, c.board_name, l.org_level_name,
               p.forecast_annual as forecast_previous
        from marts.budget_follow_up f
        left join seeds.cost_categories c using (cost_category)
        left join seeds.org_levels l using (org_level)
        left join marts.budget_follow_up p
          on p.fiscal_year = f.fiscal_year and p.period = f.period - 2
          and p.level_order = f.level_order and p.org_unit_code = f.org_unit_code
          and p.cost_category = f.cost_category
        where f.fiscal_year = ? and f.period = ?""", [year, month])
    if rows.empty:
        raise LookupError(f"marts.budget_follow_up har inga rader för {period_key}: kör "
                          f"inläsningen för perioden först")
    top_level = int(rows["level_order"].min())
    if board is None:
        top_row = rows[rows["level_order"] == top_level].iloc[0]
        scope = Scope(None, str(top_row["org_unit_name"]))
        top = (top_level, str(top_row["org_unit_code"]))
        order = _tree_order(rows, top, max_depth=1)  # the kommun and its boards
    else:
        match = rows[(rows["org_level"] == BOARD_LEVEL) & (rows["org_unit_code"] == board)]
        if match.empty:
            known = ", ".join(s.code for s in boards(con, year, month))
            raise LookupError(f"nämnden {board} finns inte i {period_key} (nämnder: {known})")
        scope = Scope(board, str(match.iloc[0]["org_unit_name"]))
        top = (int(match.iloc[0]["level_order"]), board)
        order = _tree_order(rows, top, max_depth=None)
    position = {(lvl, code): (i, depth) for i, (lvl, code, depth) in enumerate(order)}
    keys = list(zip(rows["level_order"], rows["org_unit_code"], strict=True))
    rows = rows[[k in position for k in keys]].copy()
    rows["tree_position"] = [position[k][0] for k in zip(rows["level_order"],
                                                         rows["org_unit_code"], strict=True)]
    rows["depth"] = [position[k][1] for k in zip(rows["level_order"], rows["org_unit_code"],
                                                 strict=True)]
    amounts = ["outcome_ytd", "budget_ytd", "deviation_ytd", "budget_annual",
               "forecast_annual", "forecast_deviation", "outcome_prior_ytd",
               "forecast_previous", "budget_annual_adopted"]
    rows[amounts] = rows[amounts].astype(float)
    rows = readings.with_operating_net(rows, amounts)  # financing on lines of its own
    rows[amounts] = rows[amounts].astype(float)
    shown = rows[rows["cost_category"].isin(["net", readings.OPERATING_NET])
                 | (rows[amounts].abs().fillna(0).sum(axis=1) > 0)]
    follow_up = shown.sort_values(["tree_position", "sort_order"]).reset_index(drop=True)
    top_rows = follow_up[follow_up["depth"] == 0]
    summary = top_rows.reset_index(drop=True)
    sub_units = follow_up[(follow_up["depth"] == 1) & (follow_up["cost_category"] == "net")
                          ].reset_index(drop=True)
    trend = _frame(con, """
        select period, outcome_ytd, budget_ytd, budget_annual, forecast_annual
        from marts.budget_follow_up where fiscal_year = ? and period <= ? and level_order = ?
          and org_unit_code = ? and cost_category = 'net' order by period""",
                   [year, month, top[0], top[1]])
    deviations = _frame(con, """
        select d.*, l.level_order, f.forecast_submitted
        from marts.deviations d
        join seeds.org_levels l using (org_level)
        left join marts.forecasts f using (fiscal_year, period, org_level, org_unit_code,
                                           cost_category)
        where d.fiscal_year = ? and d.period = ?""", [year, month])
    deviations = _in_tree(deviations, position).sort_values(
        ["tree_position", "cost_category"]).reset_index(drop=True)
    investments = _frame(con, "select * from marts.investment_follow_up where fiscal_year = ? "
                              "and period = ? order by project_code", [year, month])
    if board is not None:
        units_below = _units_below(con, year, month, board)
        investments = investments[investments["org_unit_code"].isin(units_below)]
    staff = pd.DataFrame()
    if has_table(con, "marts", "staff_statistics"):
        staff = _frame(con, "select * from marts.staff_statistics where fiscal_year = ? "
                            "and period = ? and period_scope = 'ytd'", [year, month])
        staff = _in_tree(staff, position).sort_values("tree_position").reset_index(drop=True)
    quality = pd.DataFrame()
    if issues is None:
        issues = quality_issues(con, period_key)
    if issues is not None:
        issues = issues[issues["period"].astype(str).str.startswith(str(year))]
        quality = (issues if board is None else issues[issues["board"] == scope.name]
                   ).reset_index(drop=True)
    kind, title, meeting, cutoff = _calendar(con, year, month)
    package = Package(municipality, year, month, scope, kind, title, meeting, follow_up,
                      summary, sub_units, trend, deviations, investments, staff, quality,
                      _goals(con, year, month, board), data_cutoff=cutoff)
    package.corrections = corrections_of(con, period_key, None if board is None
                                         else scope.name)
    package.level_names = dict(con.execute(
        "select level_order, org_level_name from seeds.org_levels").fetchall())
    if not staff.empty:
        earlier = _frame(con, "select * from marts.staff_statistics where fiscal_year between "
                              "? and ? and period = ? and period_scope = 'ytd' and "
                              "level_order = ? and org_unit_code = ?",
                         [year - 3, year - 1, month, top[0], top[1]])
        package.staff_history = {int(r["fiscal_year"]): r for r in earlier.to_dict("records")}
    if board is None and has_table(con, "seeds", "balance_requirement_accounts"):
        package.realisation_gains_ytd = -float(con.execute(
            "select coalesce(sum(t.amount), 0) from marts.ledger_transactions t "
            "join seeds.balance_requirement_accounts s "
            "on try_cast(substr(t.account, 1, 4) as integer) between s.account_from and "
            "s.account_to where s.adjustment = 'realisation_gains' and t.fiscal_year = ? "
            "and t.period_month <= ?",
            [year, month]).fetchall()[0][0])
    if has_table(con, "marts", "budget_changes"):
        changes = _frame(con, "select * from marts.budget_changes where fiscal_year = ? and "
                              "period = ? order by board_code, change_kind, org_unit_code",
                         [year, month])
        package.budget_changes = (changes if board is None
                                  else changes[changes["board_code"] == board]
                                  ).reset_index(drop=True)
    if board is None and has_table(con, "marts", "financial_statements"):
        package.statements = _frame(
            con, "select f.*, l.sums_sections from marts.financial_statements f join "
                 "seeds.financial_statement_lines l using (line_code) where f.fiscal_year "
                 "between ? and ? and f.period = ? order by f.fiscal_year, f.sort_order",
            [year - 1, year, month])
    if board is None and month == 12 and has_table(con, "marts", "balance_requirement"):
        lines = _frame(con, "select * from marts.balance_requirement where fiscal_year "
                            "between ? and ? order by fiscal_year, line_order",
                       [year - 3, year])
        package.balance_requirement = lines.pivot(
            index=["line_order", "line_name"], columns="fiscal_year", values="amount"
        ).reset_index().drop(columns="line_order")
        package.balance_requirement_decisions = [
            f"{r.line_name}: {r.decisions}" for r in lines.itertuples()
            if r.fiscal_year == year and isinstance(r.decisions, str)]
    return package


KOMMUN_GOAL_KINDS = ("strategic_area", "kf_indicator", "financial_goal", "board_goal")


def _goals(con: duckdb.DuckDBPyConnection, year: int, month: int, board: str | None
           ) -> pd.DataFrame:
    """The goal follow-up of a tertial: the board's own goals, or for the kommun KF's goals
    and the boards' nämndmål."""
    if not has_table(con, "marts", "goal_follow_up"):
        return pd.DataFrame()
    if board is None:
        marks = ", ".join("?" for _ in KOMMUN_GOAL_KINDS)
        return _frame(con, f"select * from marts.goal_follow_up where fiscal_year = ? and "
                           f"period = ? and goal_kind in ({marks}) order by sort_order",
                      [year, month, *KOMMUN_GOAL_KINDS])
    return _frame(con, "select * from marts.goal_follow_up where fiscal_year = ? and "
                       "period = ? and board_code = ? order by sort_order", [year, month, board])


def _in_tree(frame: pd.DataFrame, position: dict[tuple[int, str], tuple[int, int]]
             ) -> pd.DataFrame:
    """The rows of units in the package's tree, with their place in it."""
    keys = list(zip(frame["level_order"], frame["org_unit_code"], strict=True))
    inside = frame.loc[[k in position for k in keys]] if keys else frame
    return inside.assign(tree_position=[position[k][0] for k in zip(
        inside["level_order"], inside["org_unit_code"], strict=True)])


def _units_below(con: duckdb.DuckDBPyConnection, year: int, month: int, board: str
                 ) -> set[str]:
    """Every unit code under the board at the period end (the tree of budget_follow_up)."""
    rows = con.execute(
        "select distinct level_order, org_unit_code, parent_unit_code from "
        "marts.budget_follow_up where fiscal_year = ? and period = ?", [year, month]).df()
    level = int(rows.loc[rows["org_unit_code"] == board, "level_order"].min())
    return {code for _, code, _ in _tree_order(rows, (level, board), None)}


def _calendar(con: duckdb.DuckDBPyConnection, year: int, month: int
              ) -> tuple[str, str, dt.date | None, dt.date | None]:
    """The report's kind and name, the board meeting and the data cut-off, from the tidplan
    when loaded."""
    kind, title = DEFAULT_KINDS.get(month, ("ekonomisk uppföljning", "Ekonomisk uppföljning"))
    title = f"{title} {period_label(year, month)}"
    if has_table(con, "raw", "follow_up_calendar"):
        found = con.execute("select kind, name, board_meetings, data_cutoff from "
                            "raw.follow_up_calendar where period = ?",
                            [f"{year}-{month:02d}"]).fetchall()
        if found:
            k, name, meeting, cutoff = found[0]
            return k or kind, name or title, _day(meeting), _day(cutoff)
    return kind, title, None, None


def _day(value) -> dt.date | None:
    if missing(value):
        return None
    return value.date() if isinstance(value, dt.datetime) else value


__all__ = ["WHOLE_MUNICIPALITY", "Package", "Scope", "boards", "build", "follow_up_period"]
