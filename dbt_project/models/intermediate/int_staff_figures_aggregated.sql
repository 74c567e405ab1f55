-- Staff figures per follow-up period, scope (month / ytd), org level and unit, before any
-- suppression: headcount and the law's group sizes (distinct persons), FTE as the average of
-- the months in scope, hours per group, and the ledger's personnel cost against its budget.
-- Sick hours are here only to be turned into percentages in staff_statistics; they are never
-- published as such.
-- A table on every engine: it ends the chains of views from the ledger and the HR export
-- under staff_statistics (five views long as views), which reads it whole on every build.
{{ config(materialized='table') }}

with placed as (
    select * from {{ ref('int_employee_months_placed') }}
),

-- one row per person and unit in the scope first: counting rows is then counting persons
-- (far faster than count(distinct) per group)
persons as (
    select
        fiscal_year,
        period,
        period_scope,
        org_level,
        org_unit_code_at_level as org_unit_code,
        person_key,
        min(org_unit_name) as org_unit_name,
        min(parent_unit_code) as parent_unit_code,
        min(gender_group) as gender_group,
        min(age_group) as age_group,
        min(months_in_scope) as months_in_scope,
        sum(fte) as fte,
        sum(scheduled_hours) as scheduled_hours,
        sum(sick_hours) as sick_hours,
        sum(sick_hours_long) as sick_hours_long,
        sum(overtime_hours) as overtime_hours,
        sum(additional_hours) as additional_hours,
        sum(personnel_cost) as personnel_cost
    from placed
    group by 1, 2, 3, 4, 5, 6
),

staff as (
    select
        fiscal_year,
        period,
        period_scope,
        org_level,
        org_unit_code,
        min(org_unit_name) as org_unit_name,
        min(parent_unit_code) as parent_unit_code,
        count(*) as headcount,
        count(*) filter (where gender_group = 'women') as headcount_women,
        count(*) filter (where gender_group = 'men') as headcount_men,
        count(*) filter (where age_group = 'age_29') as headcount_age_29,
        count(*) filter (where age_group = 'age_30_49') as headcount_age_30_49,
        count(*) filter (where age_group = 'age_50') as headcount_age_50,
        -- how many persons the long spells come from: with one or two, the share points at
        -- them (staff_statistics suppresses it)
        count(*) filter (where sick_hours_long > 0) as headcount_long_term_sick,
        -- the average of the months, NULL (then 0) for no month or a billion årsarbetare
        -- or more: never past what decimal(18, 8) and staff_statistics' decimal(12, 2) hold
        cast(
            {{ quotient('sum(fte)', 'min(months_in_scope)', below=1000000000) }}
            as decimal(18, 8)
        ) as fte,
        sum(scheduled_hours) as scheduled_hours,
        sum(sick_hours) as sick_hours,
        sum(sick_hours_long) as sick_hours_long,
        sum(scheduled_hours) filter (where gender_group = 'women') as scheduled_hours_women,
        sum(sick_hours) filter (where gender_group = 'women') as sick_hours_women,
        sum(scheduled_hours) filter (where gender_group = 'men') as scheduled_hours_men,
        sum(sick_hours) filter (where gender_group = 'men') as sick_hours_men,
        sum(scheduled_hours) filter (where age_group = 'age_29') as scheduled_hours_age_29,
        sum(sick_hours) filter (where age_group = 'age_29') as sick_hours_age_29,
        sum(scheduled_hours) filter (where age_group = 'age_30_49') as scheduled_hours_age_30_49,
        sum(sick_hours) filter (where age_group = 'age_30_49') as sick_hours_age_30_49,
        sum(scheduled_hours) filter (where age_group = 'age_50') as scheduled_hours_age_50,
        sum(sick_hours) filter (where age_group = 'age_50') as sick_hours_age_50,
        sum(overtime_hours) as overtime_hours,
        sum(additional_hours) as additional_hours,
        sum(personnel_cost) as personnel_cost_hr
    from persons
    group by 1, 2, 3, 4, 5
),

scopes as (
    select s.period_scope from (values ('month'), ('ytd')) as s (period_scope)
),

-- the ledger's personnel cost, for the periods that have an HR export
personnel_cost as (
    select
        amounts.fiscal_year,
        amounts.period,
        scopes.period_scope,
        amounts.org_level,
        amounts.org_unit_code_at_level as org_unit_code,
        min(amounts.org_unit_name) as org_unit_name,
        min(amounts.parent_unit_code) as parent_unit_code,
        sum(case scopes.period_scope
            when 'month' then amounts.outcome_month else amounts.outcome_ytd
        end) as personnel_cost_outcome,
        sum(case scopes.period_scope
            when 'month' then amounts.budget_month else amounts.budget_ytd
        end) as personnel_cost_budget,
        sum(amounts.budget_annual) as personnel_cost_budget_annual
    from {{ ref('int_unit_amounts_placed') }} as amounts
    cross join scopes
    where amounts.cost_category = 'personnel'
        and exists (
            -- the periods placed has: those with an HR export (not placed itself, whose
            -- millions of rows a second reader would make DuckDB hold in memory)
            select 1 from {{ ref('int_employee_months_apportioned') }} as hr
            where hr.fiscal_year = amounts.fiscal_year and hr.period = amounts.period
        )
    group by 1, 2, 3, 4, 5
)

select
    coalesce(staff.fiscal_year, personnel_cost.fiscal_year) as fiscal_year,
    coalesce(staff.period, personnel_cost.period) as period,
    coalesce(staff.period_scope, personnel_cost.period_scope) as period_scope,
    coalesce(staff.org_level, personnel_cost.org_level) as org_level,
    coalesce(staff.org_unit_code, personnel_cost.org_unit_code) as org_unit_code,
    coalesce(staff.org_unit_name, personnel_cost.org_unit_name) as org_unit_name,
    coalesce(staff.parent_unit_code, personnel_cost.parent_unit_code) as parent_unit_code,
    coalesce(staff.headcount, 0) as headcount,
    coalesce(staff.headcount_women, 0) as headcount_women,
    coalesce(staff.headcount_men, 0) as headcount_men,
    coalesce(staff.headcount_age_29, 0) as headcount_age_29,
    coalesce(staff.headcount_age_30_49, 0) as headcount_age_30_49,
    coalesce(staff.headcount_age_50, 0) as headcount_age_50,
    coalesce(staff.fte, 0) as fte,
    {%- for column in ['headcount_long_term_sick', 'scheduled_hours', 'sick_hours',
                       'sick_hours_long', 'scheduled_hours_women', 'sick_hours_women',
                       'scheduled_hours_men', 'sick_hours_men', 'scheduled_hours_age_29',
                       'sick_hours_age_29', 'scheduled_hours_age_30_49',
                       'sick_hours_age_30_49', 'scheduled_hours_age_50', 'sick_hours_age_50',
                       'overtime_hours', 'additional_hours', 'personnel_cost_hr'] %}
    staff.{{ column }},
    {%- endfor %}
    coalesce(personnel_cost.personnel_cost_outcome, 0) as personnel_cost_outcome,
    coalesce(personnel_cost.personnel_cost_budget, 0) as personnel_cost_budget,
    coalesce(personnel_cost.personnel_cost_budget_annual, 0) as personnel_cost_budget_annual
from staff
full outer join personnel_cost
    on personnel_cost.fiscal_year = staff.fiscal_year
    and personnel_cost.period = staff.period
    and personnel_cost.period_scope = staff.period_scope
    and personnel_cost.org_level = staff.org_level
    and personnel_cost.org_unit_code = staff.org_unit_code
