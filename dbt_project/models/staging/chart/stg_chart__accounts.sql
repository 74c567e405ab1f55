with source as (
    select * from {{ source('chart', 'accounts') }}
)

select
    account,
    name as account_name,
    account_type,
    is_summary,
    is_blocked,
    requires_project,
    requires_counterpart
from source
