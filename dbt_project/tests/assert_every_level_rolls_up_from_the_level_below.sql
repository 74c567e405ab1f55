{{ config(meta={"dagster": {"ref": {"name": "budget_follow_up"}}}) }}

-- Every unit's outcome, budget, annual budget (in force and adopted) and last year's outcome
-- equal the sum of its children's, for every period and cost category. At the top level
-- internal items are eliminated, so there net equals the children's net less their internal
-- items.
with children as (
    select
        fiscal_year, period, level_order - 1 as parent_level_order, parent_unit_code,
        cost_category,
        sum(outcome_ytd) as outcome_ytd,
        sum(budget_ytd) as budget_ytd,
        sum(budget_annual) as budget_annual,
        sum(budget_annual_adopted) as budget_annual_adopted,
        sum(outcome_prior_ytd) as outcome_prior_ytd
    from {{ ref('budget_follow_up') }}
    where parent_unit_code is not null
    group by 1, 2, 3, 4, 5
),

internal as (
    select * from children
    where cost_category = 'internal_items'
),

top_level as (
    select min(level_order) as level_order from {{ ref('org_levels') }}
),

expected as (
    select
        children.fiscal_year, children.period, children.parent_level_order,
        children.parent_unit_code, children.cost_category,
        children.outcome_ytd - case
            when top_level.level_order is not null and children.cost_category = 'net'
                then coalesce(internal.outcome_ytd, 0)
            else 0
        end as outcome_ytd,
        children.budget_ytd - case
            when top_level.level_order is not null and children.cost_category = 'net'
                then coalesce(internal.budget_ytd, 0)
            else 0
        end as budget_ytd,
        children.budget_annual - case
            when top_level.level_order is not null and children.cost_category = 'net'
                then coalesce(internal.budget_annual, 0)
            else 0
        end as budget_annual,
        children.budget_annual_adopted - case
            when top_level.level_order is not null and children.cost_category = 'net'
                then coalesce(internal.budget_annual_adopted, 0)
            else 0
        end as budget_annual_adopted,
        children.outcome_prior_ytd - case
            when top_level.level_order is not null and children.cost_category = 'net'
                then coalesce(internal.outcome_prior_ytd, 0)
            else 0
        end as outcome_prior_ytd
    from children
    left join top_level
        on top_level.level_order = children.parent_level_order
    left join internal
        on internal.fiscal_year = children.fiscal_year
        and internal.period = children.period
        and internal.parent_unit_code = children.parent_unit_code
        and internal.parent_level_order = children.parent_level_order
    where not (top_level.level_order is not null and children.cost_category = 'internal_items')
)

select expected.*, parent.outcome_ytd as parent_outcome_ytd
from expected
left join {{ ref('budget_follow_up') }} as parent
    on parent.fiscal_year = expected.fiscal_year
    and parent.period = expected.period
    and parent.level_order = expected.parent_level_order
    and parent.org_unit_code = expected.parent_unit_code
    and parent.cost_category = expected.cost_category
where parent.org_unit_code is null
    or parent.outcome_ytd <> expected.outcome_ytd
    or parent.budget_ytd <> expected.budget_ytd
    or parent.budget_annual <> expected.budget_annual
    or parent.budget_annual_adopted <> expected.budget_annual_adopted
    or parent.outcome_prior_ytd <> expected.outcome_prior_ytd
