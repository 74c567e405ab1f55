{{ config(meta={"dagster": {"ref": {"name": "budget_changes"}}}) }}

-- Every change of a nämnd's annual net budget since the previous follow-up period is
-- explained, to the öre, by the rows of marts.budget_changes (units moved in or out, budget
-- revisions). Returns the nämnder where it is not.
with board_budgets as (
    select fiscal_year, period, org_unit_code as board_code, budget_annual
    from {{ ref('budget_follow_up') }}
    where org_level = 'nämnd' and cost_category = 'net' and org_unit_code <> '(okänt)'
),

changed as (
    select
        cur.fiscal_year,
        cur.period,
        cur.board_code,
        cur.budget_annual - coalesce(prev.budget_annual, 0) as change
    from board_budgets as cur
    inner join board_budgets as prev
        on prev.fiscal_year = cur.fiscal_year
        and prev.period = cur.period - 2
        and prev.board_code = cur.board_code
),

explained as (
    select fiscal_year, period, board_code, sum(amount) as amount
    from {{ ref('budget_changes') }}
    group by 1, 2, 3
)

select changed.*, coalesce(explained.amount, 0) as explained
from changed
left join explained
    on explained.fiscal_year = changed.fiscal_year
    and explained.period = changed.period
    and explained.board_code = changed.board_code
where abs(changed.change - coalesce(explained.amount, 0)) > 0.005
