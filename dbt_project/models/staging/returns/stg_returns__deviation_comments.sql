with source as (
    select * from {{ source('returns', 'deviation_comments') }}
)

select
    fiscal_year,
    period,
    org_unit_code,
    cost_category,
    comment,
    cause,
    action,
    responsible,
    action_plan_status,
    submitted_at
from source
