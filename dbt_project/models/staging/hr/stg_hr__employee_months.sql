with source as (
    select * from {{ source('hr', 'hr_employee_months') }}
)

select
    period,
    person_key,
    gender,
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
