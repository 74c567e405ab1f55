{#- rebuilt by follow-up period (rebuild_window); on Spark, which has no delete+insert for
    plain Parquet tables, rebuilt whole -#}
{{
    config(
        materialized=('table' if target.type == 'spark' else 'incremental'),
        incremental_strategy='delete+insert',
        unique_key=['fiscal_year', 'period'],
        on_schema_change='append_new_columns',
    )
}}

-- Budgetuppföljning: outcome against budget for every follow-up period, org level, unit and
-- cost category, year to date and full year. Ledger sign (cost +, revenue −); deviation =
-- budget − outcome (+ is favourable). Units are placed on the tree valid at the period end.
-- At kommun level internal items are eliminated; below it they are a category of their own.
with placed as (
    select * from {{ ref('int_unit_amounts_placed') }}
),

submitted as (
    select * from {{ ref('stg_returns__submitted_forecasts') }}
),

-- a submitted forecast for a booked unit replaces its baseline before rolling up
unit_forecasts as (
    select
        placed.*,
        coalesce(submitted.forecast_annual, placed.forecast_baseline) as forecast_unit
    from placed
    left join submitted
        on submitted.fiscal_year = placed.fiscal_year
        and submitted.period = placed.period
        and submitted.org_unit_code = placed.org_unit_code
        and submitted.cost_category = placed.cost_category
),

rolled as (
    select
        fiscal_year,
        period,
        org_level,
        org_unit_code_at_level as org_unit_code,
        max(org_unit_name) as org_unit_name,
        max(parent_unit_code) as parent_unit_code,
        cost_category,
        sum(outcome_ytd) as outcome_ytd,
        sum(budget_ytd) as budget_ytd,
        sum(budget_annual) as budget_annual,
        sum(budget_annual_adopted) as budget_annual_adopted,
        sum(forecast_unit) as forecast_rolled,
        sum(outcome_prior_ytd) as outcome_prior_ytd
    from unit_forecasts
    group by 1, 2, 3, 4, 7
),

top_level as (
    select org_level from {{ ref('org_levels') }}
    where level_order = (select min(level_order) from {{ ref('org_levels') }})
),

bottom_level as (  -- the booked units, whose submitted forecasts are already in the roll-up
    select org_level from {{ ref('org_levels') }}
    where level_order = (select max(level_order) from {{ ref('org_levels') }})
),

-- a forecast submitted for a whole unit above the booked ones overrides its roll-up, and
-- the units above it carry the difference: every total is the sum of the rows beneath it
submitted_above as (
    select
        submitted.fiscal_year,
        submitted.period,
        submitted.org_unit_code,
        submitted.cost_category,
        submitted.forecast_annual,
        submitted.forecast_annual - rolled.forecast_rolled as difference
    from submitted
    inner join rolled
        on rolled.fiscal_year = submitted.fiscal_year
        and rolled.period = submitted.period
        and rolled.org_unit_code = submitted.org_unit_code
        and rolled.cost_category = submitted.cost_category
        and rolled.org_level not in (select org_level from bottom_level)
),

tree as (
    select * from {{ ref('int_org_units_flattened') }}
),

-- every unit above each submitted one, at its depth above it
submitted_ancestors as (
    select
        submitted_above.fiscal_year,
        submitted_above.period,
        submitted_above.org_unit_code,
        submitted_above.cost_category,
        submitted_above.difference,
        tree.ancestor_code,
        tree.depth
    from submitted_above
    inner join tree
        on tree.fiscal_year = submitted_above.fiscal_year
        and tree.period = submitted_above.period
        and tree.unit_code = submitted_above.org_unit_code
        and tree.depth > 0
),

-- for each submitted unit, its nearest submitted ancestor (same category): the units from
-- there up carry that one's difference, not this one's (equi-joins only: Spark allows no
-- correlated subquery on a depth)
nearest_submitted_above as (
    select
        above.fiscal_year,
        above.period,
        above.org_unit_code,
        above.cost_category,
        min(above.depth) as depth
    from submitted_ancestors as above
    inner join submitted_above as ancestor
        on ancestor.fiscal_year = above.fiscal_year
        and ancestor.period = above.period
        and ancestor.org_unit_code = above.ancestor_code
        and ancestor.cost_category = above.cost_category
    group by 1, 2, 3, 4
),

-- per unit above a submitting one: the differences of the submitted units nearest below it
-- (one whose forecast is submitted too, closer to it, already holds those beneath it)
adjustments as (
    select
        above.fiscal_year,
        above.period,
        above.ancestor_code as org_unit_code,
        above.cost_category,
        sum(above.difference) as adjustment
    from submitted_ancestors as above
    left join nearest_submitted_above as nearest
        on nearest.fiscal_year = above.fiscal_year
        and nearest.period = above.period
        and nearest.org_unit_code = above.org_unit_code
        and nearest.cost_category = above.cost_category
    where nearest.depth is null or above.depth <= nearest.depth
    group by 1, 2, 3, 4
),

categories as (
    select
        rolled.*,
        coalesce(
            submitted_above.forecast_annual,
            rolled.forecast_rolled + coalesce(adjustments.adjustment, 0)
        ) as forecast_annual
    from rolled
    left join submitted_above
        on submitted_above.fiscal_year = rolled.fiscal_year
        and submitted_above.period = rolled.period
        and submitted_above.org_unit_code = rolled.org_unit_code
        and submitted_above.cost_category = rolled.cost_category
    left join adjustments
        on adjustments.fiscal_year = rolled.fiscal_year
        and adjustments.period = rolled.period
        and adjustments.org_unit_code = rolled.org_unit_code
        and adjustments.cost_category = rolled.cost_category
    where
        not (
            rolled.cost_category = 'internal_items'
            and rolled.org_level in (select org_level from top_level)
        )
),

net as (
    select
        fiscal_year, period, org_level, org_unit_code,
        max(org_unit_name) as org_unit_name,
        max(parent_unit_code) as parent_unit_code,
        'net' as cost_category,
        sum(outcome_ytd) as outcome_ytd,
        sum(budget_ytd) as budget_ytd,
        sum(budget_annual) as budget_annual,
        sum(budget_annual_adopted) as budget_annual_adopted,
        sum(forecast_rolled) as forecast_rolled,
        sum(outcome_prior_ytd) as outcome_prior_ytd,
        sum(forecast_annual) as forecast_annual
    from categories
    group by 1, 2, 3, 4
),

-- the categories and their net, column by column (not by position)
{%- set row_columns = ['fiscal_year', 'period', 'org_level', 'org_unit_code', 'org_unit_name',
    'parent_unit_code', 'cost_category', 'outcome_ytd', 'budget_ytd', 'budget_annual',
    'budget_annual_adopted', 'forecast_rolled', 'outcome_prior_ytd', 'forecast_annual'] %}
all_rows as (
    select {{ row_columns | join(', ') }} from categories
    union all
    select {{ row_columns | join(', ') }} from net
)

select
    all_rows.fiscal_year,
    all_rows.period,
    all_rows.org_level,
    levels.level_order,
    all_rows.org_unit_code,
    all_rows.org_unit_name,
    all_rows.parent_unit_code,
    all_rows.cost_category,
    cost_categories.cost_category_name,
    cost_categories.sort_order as cost_category_order,
    all_rows.outcome_ytd,
    all_rows.budget_ytd,
    all_rows.budget_ytd - all_rows.outcome_ytd as deviation_ytd,
    all_rows.budget_annual,
    all_rows.forecast_annual,
    all_rows.budget_annual - all_rows.forecast_annual as forecast_deviation,
    all_rows.outcome_prior_ytd,
    all_rows.budget_annual_adopted
from all_rows
inner join {{ ref('org_levels') }} as levels
    on levels.org_level = all_rows.org_level
inner join {{ ref('cost_categories') }} as cost_categories
    on cost_categories.cost_category = all_rows.cost_category
{% if is_incremental() %}
-- a run for some months rebuilds only those follow-up periods (Dagster's partitions)
where {{ rebuild_window(period_key('all_rows.fiscal_year', 'all_rows.period')) }}
{% endif %}
