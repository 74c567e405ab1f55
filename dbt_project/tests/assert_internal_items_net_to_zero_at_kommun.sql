{{ config(meta={"dagster": {"ref": {"name": "budget_follow_up"}}}) }}

-- Interna köp: what units buy from each other and what they sell must cancel out at kommun
-- level, in the outcome and in the budget, for every period (the level just below the top
-- holds the whole organisation).
with second_level as (
    select org_level from {{ ref('org_levels') }}
    where level_order = (select min(level_order) + 1 from {{ ref('org_levels') }})
)

select fiscal_year, period, sum(outcome_ytd) as outcome_ytd, sum(budget_ytd) as budget_ytd
from {{ ref('budget_follow_up') }}
where cost_category = 'internal_items'
    and org_level in (select org_level from second_level)
group by 1, 2
having sum(outcome_ytd) <> 0 or sum(budget_ytd) <> 0
