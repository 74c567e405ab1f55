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
    -- exact decimals from here on: a sum of them is the same whatever order it runs in
    cast(employment_rate as decimal(9, 4)) as employment_rate,
    cast(scheduled_hours as decimal(12, 2)) as scheduled_hours,
    cast(sick_hours as decimal(12, 2)) as sick_hours,
    cast(sick_hours_long as decimal(12, 2)) as sick_hours_long,
    cast(overtime_hours as decimal(12, 2)) as overtime_hours,
    cast(additional_hours as decimal(12, 2)) as additional_hours,
    cast(personnel_cost as decimal(18, 2)) as personnel_cost
from source
