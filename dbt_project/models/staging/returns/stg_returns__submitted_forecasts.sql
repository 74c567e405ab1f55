with source as (
    select * from {{ source('returns', 'submitted_forecasts') }}
)

select
    fiscal_year,
    period,
    org_unit_code,
    cost_category,
    forecast_annual,
    submitted_by,
    submitted_at
from source
