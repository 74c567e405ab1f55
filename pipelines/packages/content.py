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

from pipelines.domain import BOARD_LEVEL
from pipelines.packages import from_marts, readings
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


def quality_issues(con: duckdb.DuckDBPyConnection, period_key: str) -> pd.DataFrame | None:
    """The open quality issues through the period, each with its board; None before the
    first quality run."""
    return open_issues(con, through=period_key) if has_table(con, "quality", "issues") else None


def boards(con: duckdb.DuckDBPyConnection, year: int, month: int) -> list[Scope]:
    """The boards (nämnder) on the tree of the period's end."""
    return [Scope(code, name) for code, name in from_marts.boards(con, year, month)]


def read_package(con: duckdb.DuckDBPyConnection, municipality: str, period_key: str,
                 board: str | None, issues: pd.DataFrame | None = None) -> Package:
    """The package of one follow-up period for a board (its code) or the kommun (None),
    part by part from the marts (packages.from_marts). `issues`: the open quality issues
    through the period (quality.report.open_issues), when the caller has read them once for
    all the period's packages."""
    year, month = follow_up_period(period_key)
    scope, top, position, rows = _scope(con, period_key, board)
    follow_up = from_marts.follow_up(rows, position)
    staff, staff_history = from_marts.staff(con, year, month, position, top)
    kind, title, meeting, cutoff = _calendar(con, year, month)
    package = Package(
        municipality=municipality, year=year, month=month, scope=scope, kind=kind,
        title=title, meeting=meeting, follow_up=follow_up,
        summary=follow_up[follow_up["depth"] == 0].reset_index(drop=True),
        sub_units=follow_up[(follow_up["depth"] == 1) & (follow_up["cost_category"] == "net")
                            ].reset_index(drop=True),
        trend=from_marts.trend(con, year, month, top),
        deviations=from_marts.deviations(con, year, month, position),
        investments=from_marts.investments(con, year, month, board),
        staff=staff, staff_history=staff_history,
        quality=_quality(con, period_key, scope, issues),
        goals=from_marts.goals(con, year, month, board), data_cutoff=cutoff,
        corrections=corrections_of(con, period_key, None if board is None else scope.name),
        level_names=from_marts.level_names(con),
        budget_changes=from_marts.budget_changes(con, year, month, board))
    if board is None:  # the kommun's own: its statements and balanskrav
        package.realisation_gains_ytd = from_marts.realisation_gains_ytd(con, year, month)
        package.statements = from_marts.statements(con, year, month)
        if month == 12:
            package.balance_requirement, package.balance_requirement_decisions = \
                from_marts.balance_requirement(con, year)
    return package


def _scope(con: duckdb.DuckDBPyConnection, period_key: str, board: str | None
           ) -> tuple[Scope, tuple[int, str], from_marts.Positions, pd.DataFrame]:
    """The scope, its top unit (level_order, code), where each of its units stands in its
    tree, and the period's budget_follow_up rows (of every unit)."""
    year, month = follow_up_period(period_key)
    rows = from_marts.follow_up_rows(con, year, month)
    if rows.empty:
        raise LookupError(f"marts.budget_follow_up har inga rader för {period_key}: kör "
                          f"inläsningen för perioden först")
    if board is None:
        top_level = int(rows["level_order"].min())
        top_row = rows[rows["level_order"] == top_level].iloc[0]
        scope = Scope(None, str(top_row["org_unit_name"]))
        top = (top_level, str(top_row["org_unit_code"]))
    else:
        match = rows[(rows["org_level"] == BOARD_LEVEL) & (rows["org_unit_code"] == board)]
        if match.empty:
            known = ", ".join(s.code for s in boards(con, year, month))
            raise LookupError(f"nämnden {board} finns inte i {period_key} (nämnder: {known})")
        scope = Scope(board, str(match.iloc[0]["org_unit_name"]))
        top = (int(match.iloc[0]["level_order"]), board)
    # the kommun's package shows the kommun and its boards; a board's, every level below it
    order = from_marts.tree_order(rows, top, max_depth=1 if board is None else None)
    position = {(lvl, code): (i, depth) for i, (lvl, code, depth) in enumerate(order)}
    return scope, top, position, rows


def _quality(con: duckdb.DuckDBPyConnection, period_key: str, scope: Scope,
             issues: pd.DataFrame | None) -> pd.DataFrame:
    """The open quality issues of the year through the period: all of them for the kommun,
    a board's own for a board."""
    if issues is None:
        issues = quality_issues(con, period_key)
    if issues is None:
        return pd.DataFrame()
    issues = issues[issues["period"].astype(str).str.startswith(period_key[:4])]
    return (issues if scope.is_kommun else issues[issues["board"] == scope.name]
            ).reset_index(drop=True)


def _calendar(con: duckdb.DuckDBPyConnection, year: int, month: int
              ) -> tuple[str, str, dt.date | None, dt.date | None]:
    """The report's kind and name, the board meeting and the data cut-off, from the tidplan
    (marts.follow_up_calendar) when it names the period."""
    kind, title = DEFAULT_KINDS.get(month, ("ekonomisk uppföljning", "Ekonomisk uppföljning"))
    title = f"{title} {period_label(year, month)}"
    if has_table(con, "marts", "follow_up_calendar"):
        found = con.execute("select report_kind, report_name, board_meeting, data_cutoff "
                            "from marts.follow_up_calendar where fiscal_year = ? and "
                            "period = ?", [year, month]).fetchall()
        if found:
            k, name, meeting, cutoff = found[0]
            return k or kind, name or title, _day(meeting), _day(cutoff)
    return kind, title, None, None


def _day(value) -> dt.date | None:
    if missing(value):
        return None
    return value.date() if isinstance(value, dt.datetime) else value


__all__ = ["WHOLE_MUNICIPALITY", "Package", "Scope", "boards", "follow_up_period",
           "read_package"]
