with source as (
    select * from {{ source('goals', 'follow_up_calendar') }}
)

select
    cast(substr(period, 1, 4) as integer) as fiscal_year,
    cast(substr(period, 6, 2) as integer) as period,
    kind as report_kind,
    name as report_name,
    data_cutoff,
    board_meetings as board_meeting,
    executive_committee as executive_committee_meeting,
    council as council_meeting
from source
