-- Each employee-month row with its årsarbetare (FTE) for the month and the law's groups.
--
-- FTE = employment rate × the share of the month the person was employed (calendar days
-- from Anställd från through Anställd till). A person with several rows in one month (a change
-- of unit) has that FTE shared between the rows in proportion to their scheduled hours, so
-- the person counts once in the kommun's FTE (in equal parts where a row has no hours or
-- negative hours). Age is the age reached during the fiscal year.
with employee_months as (
    select
        *,
        cast({{ period_key('fiscal_year', 'period') }} || '-01' as date) as month_start,
        cast({{ dbt.last_day("cast(" ~ period_key('fiscal_year', 'period') ~ " || '-01' as date)",
                             'month') }} as date) as month_end
    from {{ ref('stg_hr__employee_months') }}
),

employed as (
    select
        *,
        (
            cast(greatest(0, {{ dbt.datediff(
                'greatest(coalesce(employed_from, month_start), month_start)',
                'least(coalesce(employed_to, month_end), month_end)',
                'day') }} + 1) as {{ type_double() }})
            / ({{ dbt.datediff(
                'month_start', 'month_end', 'day') }} + 1)
        ) as employed_share,
        sum(scheduled_hours) over person_month as person_month_scheduled_hours,
        min(scheduled_hours) over person_month as person_month_least_hours,
        count(scheduled_hours) over person_month as person_month_rows_with_hours,
        count(*) over person_month as person_month_rows
    from employee_months
    window person_month as (partition by fiscal_year, period, person_key)
)

select
    fiscal_year,
    period,
    person_key,
    org_unit_code,
    case gender when 'K' then 'women' when 'M' then 'men' end as gender_group,
    case
        when fiscal_year - birth_year <= 29 then 'age_29'
        when fiscal_year - birth_year <= 49 then 'age_30_49'
        when fiscal_year - birth_year >= 50 then 'age_50'
    end as age_group,
    -- rounded once per row to eight decimals, so that the sums above are exact. Shared by
    -- hours only where every row of the person's month has hours and none is negative: each
    -- share is then between 0 and 1 (a correction of -159.99 hours beside 160 would make one
    -- row 16 000 persons, and larger hours more than decimal(18, 8) holds); else in equal
    -- parts
    cast(employment_rate / 100.0 * employed_share * case
        when person_month_rows = 1 then 1.0
        when person_month_scheduled_hours > 0 and person_month_least_hours >= 0
            and person_month_rows_with_hours = person_month_rows
            then scheduled_hours / person_month_scheduled_hours
        else 1.0 / person_month_rows
    end as decimal(18, 8)) as fte,
    scheduled_hours,
    sick_hours,
    sick_hours_long,
    overtime_hours,
    additional_hours,
    personnel_cost
from employed
