-- Per unit (ansvar), cost category and follow-up period: outcome, budget and last year's
-- outcome, month and year to date, with the year's budget (the version in force, and the one
-- KF adopted) and a baseline full-year forecast.
--
-- Baseline forecast (prognosförslag): outcome YTD + the rest of the year as the unit had it
-- last year, scaled by this year's run rate (outcome YTD / last year's YTD), when that ratio
-- is between 0.5 and 2; otherwise the rest of the periodised budget. A unit closed by the
-- period end (its last version ends) has nothing more to come: its forecast is the outcome.
-- Internal items (interna poster) take the rest of the year as budgeted: their prices are
-- agreed in the budget, both parties book them, so the kommun's internal forecasts net out
-- as its internal budget does (a run rate per party would not).
with monthly as (
    select
        fiscal_year, period, org_unit_code, cost_category,
        sum(amount) as outcome, 0 as budget, 0 as outcome_prior, 0 as budget_adopted
    from {{ ref('int_ledger_transactions_categorised') }}
    group by 1, 2, 3, 4

    union all

    -- the budget in force and the one KF adopted, each a sum of its own lines
    select
        fiscal_year, period, org_unit_code, cost_category,
        0, sum(amount), 0, 0
    from {{ ref('int_budget_lines_versioned') }}
    where budget_role = 'in_force'
    group by 1, 2, 3, 4

    union all

    select
        fiscal_year, period, org_unit_code, cost_category,
        0, 0, 0, sum(amount)
    from {{ ref('int_budget_lines_versioned') }}
    where budget_role = 'adopted'
    group by 1, 2, 3, 4

    union all

    select
        fiscal_year + 1, period, org_unit_code, cost_category,
        0, 0, sum(amount), 0
    from {{ ref('int_ledger_transactions_categorised') }}
    group by 1, 2, 3, 4
),

per_month as (
    select
        fiscal_year, period, org_unit_code, cost_category,
        sum(outcome) as outcome,
        sum(budget) as budget,
        sum(outcome_prior) as outcome_prior,
        sum(budget_adopted) as budget_adopted
    from monthly
    group by 1, 2, 3, 4
),

-- every unit and category gets all twelve periods of the year, so that YTD carries on
grid as (
    select distinct
        per_month.fiscal_year,
        periods.period,
        per_month.org_unit_code,
        per_month.cost_category
    from per_month
    inner join {{ ref('int_follow_up_periods') }} as periods
        on periods.fiscal_year = per_month.fiscal_year
),

cumulated as (
    select
        grid.fiscal_year,
        grid.period,
        grid.org_unit_code,
        grid.cost_category,
        coalesce(per_month.outcome, 0) as outcome_month,
        coalesce(per_month.budget, 0) as budget_month,
        sum(coalesce(per_month.outcome, 0)) over year_to_date as outcome_ytd,
        sum(coalesce(per_month.budget, 0)) over year_to_date as budget_ytd,
        sum(coalesce(per_month.outcome_prior, 0)) over year_to_date as outcome_prior_ytd,
        sum(coalesce(per_month.budget, 0)) over whole_year as budget_annual,
        sum(coalesce(per_month.budget_adopted, 0)) over whole_year as budget_annual_adopted,
        sum(coalesce(per_month.outcome_prior, 0)) over whole_year as outcome_prior_annual
    from grid
    left join per_month
        on per_month.fiscal_year = grid.fiscal_year
        and per_month.period = grid.period
        and per_month.org_unit_code = grid.org_unit_code
        and per_month.cost_category = grid.cost_category
    window
        year_to_date as (
            partition by grid.fiscal_year, grid.org_unit_code, grid.cost_category
            order by grid.period rows between unbounded preceding and current row
        ),
        whole_year as (
            partition by grid.fiscal_year, grid.org_unit_code, grid.cost_category
        )
),

closed_units as (
    select org_unit_code, max(valid_to) as closed_on
    from {{ ref('stg_org_register__org_units') }}
    group by 1
    having max(valid_to) < date '9999-12-31'
)

{#- this year's run rate against last year's: the ratio of the amounts to 12 decimals, in
    whole numbers (the same digits on every engine), then decimal arithmetic for the money,
    in precisions that no engine widens past what it holds (19 + 19 digits: Spark keeps 18
    decimals of the product). The ratio is used between 0.5 and 2 only, so it is computed
    only below 3 in size (a ratio a hair above 2 is cut to 2 and used, as it always was):
    a unit whose outcome is a hundred times last year's (a write-down, a new unit) has no
    run rate, and decimal(19, 17) (below 100) never sees its ratio -#}
{%- set run_rate = "cast("
    ~ amount_ratio('cumulated.outcome_ytd', 'cumulated.outcome_prior_ytd', below=3)
    ~ " as decimal(19, 17))" %}

select
    cumulated.*,
    case
        when cumulated.outcome_prior_ytd <> 0 and {{ run_rate }} between 0.5 and 2
            then {{ run_rate }}
    end as run_rate,
    cast(round(cast(cumulated.outcome_ytd as decimal(18, 2)) + case
        when closed.closed_on <= periods.period_end then 0
        when cumulated.cost_category = 'internal_items'
            then cumulated.budget_annual - cumulated.budget_ytd
        else
            coalesce(
                cast(
                    cumulated.outcome_prior_annual - cumulated.outcome_prior_ytd
                    as decimal(19, 2)
                ) * case
                    when cumulated.outcome_prior_ytd <> 0 and {{ run_rate }} between 0.5 and 2
                        then {{ run_rate }}
                end,
                cumulated.budget_annual - cumulated.budget_ytd
            )
    end, 2) as decimal(18, 2)) as forecast_baseline
from cumulated
inner join {{ ref('int_follow_up_periods') }} as periods
    on periods.fiscal_year = cumulated.fiscal_year
    and periods.period = cumulated.period
left join closed_units as closed
    on closed.org_unit_code = cumulated.org_unit_code
