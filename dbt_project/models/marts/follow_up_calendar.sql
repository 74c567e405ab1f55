-- Tidplanen: every follow-up period the tidplan names, with its report (kind and name), the
-- data cut-off, the meetings, and the follow-up period before it in the same year (the
-- report whose forecast the next one is compared with).
with calendar as (
    select * from {{ ref('stg_goals__follow_up_calendar') }}
)

select
    calendar.fiscal_year,
    calendar.period,
    calendar.report_kind,
    calendar.report_name,
    calendar.data_cutoff,
    calendar.board_meeting,
    calendar.executive_committee_meeting,
    calendar.council_meeting,
    lag(calendar.period) over (
        partition by calendar.fiscal_year order by calendar.period
    ) as previous_period
from calendar
