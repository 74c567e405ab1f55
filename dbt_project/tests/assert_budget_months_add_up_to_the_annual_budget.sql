{{ config(meta={"dagster": {"ref": {"name": "budget_follow_up"}}}) }}

-- For every booked unit (the lowest level) and cost category, the periodised budget of the
-- last period equals the year's budget, and the year's budget is the same in every period.
-- (Above the lowest level a parent's budget may change between periods when a unit moves.)
with bottom as (
    select org_level from {{ ref('org_levels') }}
    where level_order = (select max(level_order) from {{ ref('org_levels') }})
)

select fiscal_year, org_unit_code, cost_category
from {{ ref('budget_follow_up') }}
where org_level in (select org_level from bottom)
group by 1, 2, 3
having max(case when period = 12 then budget_ytd end) <> max(budget_annual)
    or min(budget_annual) <> max(budget_annual)
