with source as (
    select * from {{ source('goals', 'goal_statuses') }}
)

select
    goal_id,
    cast(substr(period, 1, 4) as integer) as fiscal_year,
    cast(substr(period, 6, 2) as integer) as period,
    status,
    comment,
    submitted_on,
    submitted_by,
    source_file,
    source_line
from source
