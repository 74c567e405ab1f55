-- Employee-months placed on the organisation for each follow-up period that has an HR export:
-- the month itself (period_scope 'month') and every month from January (period_scope 'ytd'),
-- each under every ancestor of its unit on the tree at that period's end (as budget_follow_up).
-- employee_month is the month a row is of (in 'ytd', one of the months through the period).
{%- set columns -%}
employee_months.person_key, employee_months.period as employee_month,
        employee_months.org_unit_code, employee_months.gender_group,
        employee_months.age_group, employee_months.fte, employee_months.scheduled_hours,
        employee_months.sick_hours, employee_months.sick_hours_long,
        employee_months.overtime_hours, employee_months.additional_hours,
        employee_months.personnel_cost
{%- endset %}
with employee_months as (
    select * from {{ ref('int_employee_months_apportioned') }}
),

hr_periods as (
    select
        fiscal_year,
        period,
        -- the months with an export from January through this one, for the average FTE
        count(*) over (
            partition by fiscal_year order by period
            rows between unbounded preceding and current row
        ) as months_with_export
    from (select distinct fiscal_year, period from employee_months) as months
),

scoped as (
    select
        hr_periods.fiscal_year,
        hr_periods.period,
        'month' as period_scope,
        1 as months_in_scope,
        {{ columns }}
    from hr_periods
    inner join employee_months
        on employee_months.fiscal_year = hr_periods.fiscal_year
        and employee_months.period = hr_periods.period

    union all

    select
        hr_periods.fiscal_year,
        hr_periods.period,
        'ytd' as period_scope,
        hr_periods.months_with_export as months_in_scope,
        {{ columns }}
    from hr_periods
    inner join employee_months
        on employee_months.fiscal_year = hr_periods.fiscal_year
        and employee_months.period <= hr_periods.period
),

placed as (
    {{ place_on_org_tree('scoped') }}
)

select * from placed
