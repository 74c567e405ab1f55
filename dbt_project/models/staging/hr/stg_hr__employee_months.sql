with source as (
    select * from {{ source('hr', 'hr_employee_months') }}
)

select
    period as period_key,
    cast(substr(period, 1, 4) as integer) as fiscal_year,
    cast(substr(period, 6, 2) as integer) as period,
    person_key,
    upper(gender) as gender,
    birth_year,
    unit_code as org_unit_code,
    employment_type,
    employed_from,
    employed_to,
    employment_rate,
    scheduled_hours,
    sick_hours,
    sick_hours_long,
    overtime_hours,
    additional_hours,
    personnel_cost
from source
