-- Investeringsuppföljning: outcome against budget per investment project (dimension 6),
-- year to date and full year, per follow-up period. The forecast (prognos) is the outcome so
-- far and the rest of the year's budget (the operating budget's fallback rule); in December
-- it is the outcome.
with outcome as (
    select
        fiscal_year, period_month as period, project_code,
        max(org_unit_code) as org_unit_code, sum(amount) as outcome
    from {{ ref('stg_ledger__transactions') }}
    where project_code is not null
    group by 1, 2, 3
),

budget as (
    select
        fiscal_year, period_month as period, project_code,
        max(org_unit_code) as org_unit_code, sum(amount) as budget
    from {{ ref('stg_budget__budget_lines') }}
    where project_code is not null
    group by 1, 2, 3
),

monthly as (
    select
        coalesce(outcome.fiscal_year, budget.fiscal_year) as fiscal_year,
        coalesce(outcome.period, budget.period) as period,
        coalesce(outcome.project_code, budget.project_code) as project_code,
        coalesce(budget.org_unit_code, outcome.org_unit_code) as org_unit_code,
        coalesce(outcome.outcome, 0) as outcome,
        coalesce(budget.budget, 0) as budget
    from outcome
    full outer join budget
        on budget.fiscal_year = outcome.fiscal_year
        and budget.period = outcome.period
        and budget.project_code = outcome.project_code
),

projects as (
    select distinct
        fiscal_year,
        project_code,
        max(org_unit_code) over (partition by fiscal_year, project_code) as org_unit_code
    from monthly
),

grid as (
    select projects.*, periods.period
    from projects
    inner join {{ ref('int_follow_up_periods') }} as periods
        on periods.fiscal_year = projects.fiscal_year
)

select
    grid.fiscal_year,
    grid.period,
    grid.project_code,
    project_names.object_name as project_name,
    grid.org_unit_code,
    sum(coalesce(monthly.outcome, 0)) over year_to_date as outcome_ytd,
    sum(coalesce(monthly.budget, 0)) over year_to_date as budget_ytd,
    (
        sum(coalesce(monthly.budget, 0)) over year_to_date
        - sum(coalesce(monthly.outcome, 0)) over year_to_date
    ) as deviation_ytd,
    sum(coalesce(monthly.budget, 0)) over whole_year as budget_annual,
    (
        sum(coalesce(monthly.outcome, 0)) over year_to_date
        + sum(coalesce(monthly.budget, 0)) over whole_year
        - sum(coalesce(monthly.budget, 0)) over year_to_date
    ) as forecast_annual
from grid
left join monthly
    on monthly.fiscal_year = grid.fiscal_year
    and monthly.period = grid.period
    and monthly.project_code = grid.project_code
left join {{ ref('stg_chart__dimension_objects') }} as project_names
    on project_names.dimension = '6'
    and project_names.object_code = grid.project_code
window
    year_to_date as (
        partition by grid.fiscal_year, grid.project_code order by grid.period
        rows between unbounded preceding and current row
    ),
    whole_year as (partition by grid.fiscal_year, grid.project_code)
