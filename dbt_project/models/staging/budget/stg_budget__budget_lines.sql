with source as (
    select * from {{ source('budget', 'budget_lines') }}
)

select
    version as budget_version,
    fiscal_year,
    period,
    cast(substr(period, 6, 2) as integer) as period_month,
    account,
    ansvar as org_unit_code,
    project as project_code,
    counterpart as counterpart_code,
    amount,
    source_file,
    source_line
from source
