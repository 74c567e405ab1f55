-- Helårsprognoser per follow-up period, org level, unit and cost category: the automatic
-- baseline (outcome YTD + last year's seasonal profile at this year's run rate, or the rest
-- of the budget), the forecast submitted for the unit itself, and the one in force. Once the
-- year is complete, how far each period's forecast was from the final outcome. Beside each
-- period's forecast, the one in force at the follow-up period before it in the year (the
-- tidplan's; in a year without a tidplan, two months before, as the follow-up runs every
-- other month): the "föregående prognos" a report compares with.
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
),

calendar as (
    select * from {{ ref('follow_up_calendar') }}
),

planned_years as (
    select distinct fiscal_year from calendar
),

previous_periods as (
    -- the period each month's report is compared with: the tidplan's previous follow-up
    -- period where the year has a tidplan, else two months before
    select
        months.fiscal_year,
        months.period,
        case
            when planned_years.fiscal_year is not null then calendar.previous_period
            when months.period > 2 then months.period - 2
        end as previous_period
    from {{ ref('int_follow_up_periods') }} as months
    left join planned_years on planned_years.fiscal_year = months.fiscal_year
    left join calendar
        on calendar.fiscal_year = months.fiscal_year and calendar.period = months.period
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
    previous.forecast_annual as forecast_previous,
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
left join previous_periods
    on previous_periods.fiscal_year = follow_up.fiscal_year
    and previous_periods.period = follow_up.period
left join follow_up as previous
    on previous.fiscal_year = follow_up.fiscal_year
    and previous.period = previous_periods.previous_period
    and previous.org_level = follow_up.org_level
    and previous.org_unit_code = follow_up.org_unit_code
    and previous.cost_category = follow_up.cost_category
