-- Helårsprognoser per follow-up period, org level, unit and cost category: the automatic
-- baseline (outcome YTD + last year's seasonal profile at this year's run rate, or the rest
-- of the budget), the forecast submitted for the unit itself, and the one in force. Once the
-- year is complete, how far each period's forecast was from the final outcome.
with placed as (
    select * from {{ ref('int_unit_amounts_placed') }}
),

baseline as (
    select
        fiscal_year, period, org_level, org_unit_code_at_level as org_unit_code,
        cost_category,
        sum(forecast_baseline) as forecast_baseline
    from placed
    group by 1, 2, 3, 4, 5
),

follow_up as (
    select * from {{ ref('budget_follow_up') }}
),

last_month as (
    select fiscal_year, max(period) as last_period
    from {{ ref('int_ledger_transactions_categorised') }}
    group by 1
),

final as (
    select fiscal_year, org_level, org_unit_code, cost_category, outcome_ytd as outcome_final
    from follow_up
    where period = 12
)

select
    follow_up.fiscal_year,
    follow_up.period,
    follow_up.org_level,
    follow_up.org_unit_code,
    follow_up.org_unit_name,
    follow_up.cost_category,
    follow_up.cost_category_name,
    follow_up.outcome_ytd,
    follow_up.budget_annual,
    coalesce(baseline.forecast_baseline, follow_up.forecast_annual) as forecast_baseline,
    submitted.forecast_annual as forecast_submitted,
    submitted.submitted_by,
    follow_up.forecast_annual,
    coalesce(last_month.last_period, 0) = 12 as is_year_complete,
    case when last_month.last_period = 12 then final.outcome_final end as outcome_final,
    case
        when last_month.last_period = 12
            then follow_up.forecast_annual - final.outcome_final
    end as forecast_error,
    case
        when last_month.last_period = 12 and final.outcome_final <> 0
            -- a share, not money: in binary floating point on every engine
            then cast(abs(follow_up.forecast_annual - final.outcome_final) as {{ type_double() }})
                / cast(abs(final.outcome_final) as {{ type_double() }})
    end as forecast_error_share
from follow_up
left join baseline
    on baseline.fiscal_year = follow_up.fiscal_year
    and baseline.period = follow_up.period
    and baseline.org_level = follow_up.org_level
    and baseline.org_unit_code = follow_up.org_unit_code
    and baseline.cost_category = follow_up.cost_category
left join {{ ref('stg_returns__submitted_forecasts') }} as submitted
    on submitted.fiscal_year = follow_up.fiscal_year
    and submitted.period = follow_up.period
    and submitted.org_unit_code = follow_up.org_unit_code
    and submitted.cost_category = follow_up.cost_category
left join last_month
    on last_month.fiscal_year = follow_up.fiscal_year
left join final
    on final.fiscal_year = follow_up.fiscal_year
    and final.org_level = follow_up.org_level
    and final.org_unit_code = follow_up.org_unit_code
    and final.cost_category = follow_up.cost_category
