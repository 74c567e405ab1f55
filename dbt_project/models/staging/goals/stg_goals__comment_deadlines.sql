with source as (
    select * from {{ source('goals', 'comment_deadlines') }}
)

select
    cast(substr(period, 1, 4) as integer) as fiscal_year,
    cast(substr(period, 6, 2) as integer) as period,
    level as deadline_level,
    deadline
from source
