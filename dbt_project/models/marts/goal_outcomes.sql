-- Outcomes of the goals that are computed from the marts (the goals file's `berakning`), per
-- fiscal year and period, as the full-year picture at that period (the forecast; at
-- December the year's outcome):
--   resultat_andel_skatter  årets resultat as % of skatteintäkter och generella statsbidrag
--   namndernas_avvikelse    the boards' forecast deviation together (kr; + = överskott), of
--                           their net cost without financing (skatter, generella
--                           statsbidrag and finansiella poster, which KS holds for all)
--   namnder_over_budget     how many boards forecast a deficit on that net cost
--   sjalvfinansieringsgrad  (årets resultat + kapitalkostnader) as % of the investments
--                           (the investment budget, at December the outcome)
--   budgetavvikelse         a unit's net forecast deviation as % of its annual budget
--   personalstatistik       the kommun's sick leave year to date (%)
-- outcome_basis says what the value stands on, as the packages show it.
with follow_up as (
    select * from {{ ref('budget_follow_up') }}
),

top_level as (
    -- the kommun's: the top of the tree, where budget_follow_up holds the kommun's total
    select min(level_order) as level_order from follow_up
),

kommun as (
    select
        fiscal_year,
        period,
        -sum(forecast_annual) filter (where cost_category = 'net') as result,
        -sum(forecast_annual) filter (where cost_category = 'taxes_and_grants') as taxes,
        sum(forecast_annual) filter (where cost_category = 'capital_costs') as capital_costs
    from follow_up
    where level_order = (select level_order from top_level)
    group by 1, 2
),

investments as (
    select
        fiscal_year,
        period,
        case when period = 12 then sum(outcome_ytd) else sum(budget_annual) end as investments
    from {{ ref('investment_follow_up') }}
    group by 1, 2
),

boards as (
    select
        fiscal_year,
        period,
        org_unit_code,
        (
            sum(forecast_deviation) filter (where cost_category = 'net')
            - coalesce(
                sum(forecast_deviation) filter (
                    where cost_category in ('taxes_and_grants', 'financial_items')
                ),
                0
            )
        ) as deviation
    from follow_up
    where org_level = 'nämnd' and org_unit_code <> '(okänt)'
    group by 1, 2, 3
),

computed as (
    select
        fiscal_year, period, 'resultat_andel_skatter' as computation,
        cast(null as {{ dbt.type_string() }}) as org_unit_code,
        {{ rounded_share('result', 'taxes', 2) }} as outcome_value
    from kommun

    union all

    select fiscal_year, period, 'namndernas_avvikelse', null, round(sum(deviation), 0)
    from boards
    group by 1, 2

    union all

    select
        fiscal_year, period, 'namnder_over_budget', null,
        count(*) filter (where deviation < 0)
    from boards
    group by 1, 2

    union all

    select
        kommun.fiscal_year, kommun.period, 'sjalvfinansieringsgrad', null,
        {{ rounded_share('kommun.result + kommun.capital_costs', 'investments.investments', 1) }}
    from kommun
    inner join investments using (fiscal_year, period)

    union all

    -- per unit; not for the branch of unknown ansvar, which stands under one code on
    -- several levels and is no unit a goal can be given to
    select
        fiscal_year, period, 'budgetavvikelse', org_unit_code,
        {{ rounded_share('forecast_deviation', 'abs(budget_annual)', 2) }}
    from follow_up
    where cost_category = 'net' and org_unit_code <> '(okänt)'
)

select
    *,
    case when period = 12 then 'årets utfall' else 'helårsprognos' end as outcome_basis
from computed

union all

select
    fiscal_year, period, 'personalstatistik', null, sick_leave_pct,
    'personalstatistik januari-' || {{ month_name('period') }}
from {{ ref('staff_statistics') }}
where period_scope = 'ytd'
    and level_order = (select level_order from top_level)
