"""What each part of a follow-up package reads from the marts, for one follow-up period and
one scope (a board with every level below it, or the kommun with its boards): one reader
per part, each a query and the rows of the scope's tree. `content.read_package` puts them
together; nothing here lays out or decides.
"""

from __future__ import annotations

import duckdb
import pandas as pd

from pipelines.domain import BOARD_LEVEL, KOMMUN_GOAL_KINDS, UNKNOWN_UNIT
from pipelines.packages import readings
from pipelines.warehouse_tables import has_table

# where a unit stands in the scope's tree: (level_order, code) -> (position, depth)
Positions = dict[tuple[int, str], tuple[int, int]]
AMOUNTS = ["outcome_ytd", "budget_ytd", "deviation_ytd", "budget_annual", "forecast_annual",
           "forecast_deviation", "outcome_prior_ytd", "forecast_previous",
           "budget_annual_adopted"]


def frame(con: duckdb.DuckDBPyConnection, sql: str, params: list) -> pd.DataFrame:
    return con.execute(sql, params).df()


def follow_up_rows(con: duckdb.DuckDBPyConnection, year: int, month: int) -> pd.DataFrame:
    """budget_follow_up of the period with the category's board reading, the level's name
    and the previous follow-up period's forecast (marts.forecasts)."""
    return frame(con, """
        select f.*, c.sort_order, c.board_sign, c.board_name, l.org_level_name,
               p.forecast_previous
        from marts.budget_follow_up f
        left join seeds.cost_categories c using (cost_category)
        left join seeds.org_levels l using (org_level)
        left join marts.forecasts p
          on p.fiscal_year = f.fiscal_year and p.period = f.period
          and p.org_level = f.org_level and p.org_unit_code = f.org_unit_code
          and p.cost_category = f.cost_category
        where f.fiscal_year = ? and f.period = ?""", [year, month])


def tree_order(rows: pd.DataFrame, top: tuple[int, str], max_depth: int | None
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
        kids = sorted(children.get((level, code), []), key=lambda c: (c == UNKNOWN_UNIT, c))
        stack += [(level + 1, k, depth + 1) for k in reversed(kids)]
    return out


def in_tree(rows: pd.DataFrame, position: Positions) -> pd.DataFrame:
    """The rows of units in the package's tree, with their place in it."""
    keys = list(zip(rows["level_order"], rows["org_unit_code"], strict=True))
    inside = rows.loc[[k in position for k in keys]] if keys else rows
    return inside.assign(tree_position=[position[k][0] for k in zip(
        inside["level_order"], inside["org_unit_code"], strict=True)])


def follow_up(rows: pd.DataFrame, position: Positions) -> pd.DataFrame:
    """The scope's budget_follow_up rows in tree order, financing on lines of its own, with
    depth; a category with nothing in it is left out (a unit's net never is)."""
    rows = in_tree(rows, position).copy()
    rows["depth"] = [position[k][1] for k in zip(rows["level_order"], rows["org_unit_code"],
                                                 strict=True)]
    rows[AMOUNTS] = rows[AMOUNTS].astype(float)
    rows = readings.with_operating_net(rows, AMOUNTS)
    rows[AMOUNTS] = rows[AMOUNTS].astype(float)
    shown = rows[rows["cost_category"].isin(["net", readings.OPERATING_NET])
                 | (rows[AMOUNTS].abs().fillna(0).sum(axis=1) > 0)]
    return shown.sort_values(["tree_position", "sort_order"]).reset_index(drop=True)


def trend(con: duckdb.DuckDBPyConnection, year: int, month: int, top: tuple[int, str]
          ) -> pd.DataFrame:
    """The top unit's net per period of the year so far (the chart)."""
    return frame(con, """
        select period, outcome_ytd, budget_ytd, budget_annual, forecast_annual
        from marts.budget_follow_up where fiscal_year = ? and period <= ? and level_order = ?
          and org_unit_code = ? and cost_category = 'net' order by period""",
                 [year, month, *top])


def deviations(con: duckdb.DuckDBPyConnection, year: int, month: int, position: Positions
               ) -> pd.DataFrame:
    """The deviations of the scope's units, with the forecast each unit sent."""
    rows = frame(con, """
        select d.*, l.level_order, f.forecast_submitted
        from marts.deviations d
        join seeds.org_levels l using (org_level)
        left join marts.forecasts f using (fiscal_year, period, org_level, org_unit_code,
                                           cost_category)
        where d.fiscal_year = ? and d.period = ?""", [year, month])
    return in_tree(rows, position).sort_values(
        ["tree_position", "cost_category"]).reset_index(drop=True)


def investments(con: duckdb.DuckDBPyConnection, year: int, month: int, board: str | None
                ) -> pd.DataFrame:
    """The investment projects of the scope's units."""
    rows = frame(con, "select * from marts.investment_follow_up where fiscal_year = ? "
                      "and period = ? order by project_code", [year, month])
    if board is None:
        return rows
    return rows[rows["org_unit_code"].isin(units_below(con, year, month, board))]


def units_below(con: duckdb.DuckDBPyConnection, year: int, month: int, board: str) -> set[str]:
    """Every unit code under the board at the period end (the tree of budget_follow_up)."""
    rows = con.execute(
        "select distinct level_order, org_unit_code, parent_unit_code from "
        "marts.budget_follow_up where fiscal_year = ? and period = ?", [year, month]).df()
    level = int(rows.loc[rows["org_unit_code"] == board, "level_order"].min())
    return {code for _, code, _ in tree_order(rows, (level, board), None)}


def staff(con: duckdb.DuckDBPyConnection, year: int, month: int, position: Positions,
          top: tuple[int, str]) -> tuple[pd.DataFrame, dict[int, dict]]:
    """The scope's staff figures year to date, and the top unit's of the same period in up
    to three earlier years."""
    if not has_table(con, "marts", "staff_statistics"):
        return pd.DataFrame(), {}
    rows = frame(con, "select * from marts.staff_statistics where fiscal_year = ? "
                      "and period = ? and period_scope = 'ytd'", [year, month])
    rows = in_tree(rows, position).sort_values("tree_position").reset_index(drop=True)
    if rows.empty:
        return rows, {}
    earlier = frame(con, "select * from marts.staff_statistics where fiscal_year between "
                         "? and ? and period = ? and period_scope = 'ytd' and "
                         "level_order = ? and org_unit_code = ?",
                    [year - 3, year - 1, month, *top])
    return rows, {int(r["fiscal_year"]): r for r in earlier.to_dict("records")}


def goals(con: duckdb.DuckDBPyConnection, year: int, month: int, board: str | None
          ) -> pd.DataFrame:
    """The goal follow-up of a tertial: the board's own goals, or for the kommun KF's goals
    and the boards' nämndmål."""
    if not has_table(con, "marts", "goal_follow_up"):
        return pd.DataFrame()
    if board is None:
        marks = ", ".join("?" for _ in KOMMUN_GOAL_KINDS)
        return frame(con, f"select * from marts.goal_follow_up where fiscal_year = ? and "
                          f"period = ? and goal_kind in ({marks}) order by sort_order",
                     [year, month, *KOMMUN_GOAL_KINDS])
    return frame(con, "select * from marts.goal_follow_up where fiscal_year = ? and "
                      "period = ? and board_code = ? order by sort_order", [year, month, board])


def budget_changes(con: duckdb.DuckDBPyConnection, year: int, month: int, board: str | None
                   ) -> pd.DataFrame:
    """Budget that came to or left the scope since the previous period, and revisions."""
    if not has_table(con, "marts", "budget_changes"):
        return pd.DataFrame()
    changes = frame(con, "select * from marts.budget_changes where fiscal_year = ? and "
                         "period = ? order by board_code, change_kind, org_unit_code",
                    [year, month])
    return (changes if board is None else changes[changes["board_code"] == board]
            ).reset_index(drop=True)


def statements(con: duckdb.DuckDBPyConnection, year: int, month: int) -> pd.DataFrame:
    """The kommun's RR, BR and KF of the period, this year and last."""
    if not has_table(con, "marts", "financial_statements"):
        return pd.DataFrame()
    return frame(con, "select f.*, l.sums_sections from marts.financial_statements f join "
                      "seeds.financial_statement_lines l using (line_code) where f.fiscal_year "
                      "between ? and ? and f.period = ? order by f.fiscal_year, f.sort_order",
                 [year - 1, year, month])


def balance_requirement(con: duckdb.DuckDBPyConnection, year: int
                        ) -> tuple[pd.DataFrame, list[str]]:
    """The balanskravsutredning of the year and the three before (a column each), and KF's
    decisions of the year, line by line."""
    if not has_table(con, "marts", "balance_requirement"):
        return pd.DataFrame(), []
    lines = frame(con, "select * from marts.balance_requirement where fiscal_year "
                       "between ? and ? order by fiscal_year, line_order", [year - 3, year])
    table = lines.pivot(index=["line_order", "line_name"], columns="fiscal_year",
                        values="amount").reset_index().drop(columns="line_order")
    decisions = [f"{r.line_name}: {r.decisions}" for r in lines.itertuples()
                 if r.fiscal_year == year and isinstance(r.decisions, str)]
    return table, decisions


def realisation_gains_ytd(con: duckdb.DuckDBPyConnection, year: int, month: int) -> float:
    """The kommun's realisation gains so far in the year (SEK, + a gain), for the balanskrav
    at delår: the ledger's rows on the seed balance_requirement_accounts' accounts."""
    if not has_table(con, "seeds", "balance_requirement_accounts"):
        return 0.0
    return -float(con.execute(
        "select coalesce(sum(t.amount), 0) from marts.ledger_transactions t "
        "join seeds.balance_requirement_accounts s "
        "on try_cast(substr(t.account, 1, 4) as integer) between s.account_from and "
        "s.account_to where s.adjustment = 'realisation_gains' and t.fiscal_year = ? "
        "and t.period_month <= ?", [year, month]).fetchall()[0][0])


def level_names(con: duckdb.DuckDBPyConnection) -> dict[int, str]:
    return dict(con.execute("select level_order, org_level_name from seeds.org_levels"
                            ).fetchall())


def boards(con: duckdb.DuckDBPyConnection, year: int, month: int) -> list[tuple[str, str]]:
    """(code, name) of the boards (nämnder) on the tree of the period's end."""
    return con.execute(
        "select distinct org_unit_code, org_unit_name from marts.budget_follow_up "
        "where fiscal_year = ? and period = ? and org_level = ? and org_unit_code <> ? "
        "order by 1", [year, month, BOARD_LEVEL, UNKNOWN_UNIT]).fetchall()
