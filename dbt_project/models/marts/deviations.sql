-- Avvikelser: the rows of budget_follow_up whose deviation, year to date or in the full-year
-- forecast, passes the thresholds of its org level (absolute SEK and share of budget), ranked
-- by size within period and level, with what the units sent back. A row a unit commented
-- stays even when its submitted forecast brought it under the thresholds
-- (deviation_kind 'commented'), so that no comment goes out of sight.
with follow_up as (
    select * from {{ ref('budget_follow_up') }}
),

thresholds as (
    select * from {{ ref('deviation_thresholds') }}
),

flagged as (
    select
        follow_up.*,
        {{ passes_thresholds('follow_up.deviation_ytd', 'follow_up.budget_ytd') }}
            as passes_ytd,
        {{ passes_thresholds('follow_up.forecast_deviation', 'follow_up.budget_annual') }}
            as passes_forecast
    from follow_up
    inner join thresholds
        on thresholds.org_level = follow_up.org_level
),

comments as (
    select * from {{ ref('stg_returns__deviation_comments') }}
)

select
    flagged.fiscal_year,
    flagged.period,
    flagged.org_level,
    flagged.org_unit_code,
    flagged.org_unit_name,
    flagged.parent_unit_code,
    flagged.cost_category,
    flagged.cost_category_name,
    flagged.outcome_ytd,
    flagged.budget_ytd,
    flagged.deviation_ytd,
    flagged.budget_annual,
    flagged.forecast_annual,
    flagged.forecast_deviation,
    case
        when flagged.passes_ytd and flagged.passes_forecast then 'ytd_and_forecast'
        when flagged.passes_ytd then 'ytd'
        when flagged.passes_forecast then 'forecast'
        else 'commented'
    end as deviation_kind,
    case
        when
            greatest(abs(flagged.deviation_ytd), abs(flagged.forecast_deviation))
            = abs(flagged.deviation_ytd)
            then sign(flagged.deviation_ytd)
        else sign(flagged.forecast_deviation)
    end > 0 as is_favourable,
    cast(row_number() over (
        partition by flagged.fiscal_year, flagged.period, flagged.org_level
        order by
            greatest(abs(flagged.deviation_ytd), abs(flagged.forecast_deviation)) desc,
            flagged.org_unit_code asc, flagged.cost_category asc
    ) as bigint) as deviation_rank,
    comments.comment,
    comments.cause,
    comments.action,
    comments.responsible,
    coalesce(comments.action_plan_status, 'ej kommenterad') as action_plan_status,
    comments.comment is not null as is_commented
from flagged
left join comments
    on comments.fiscal_year = flagged.fiscal_year
    and comments.period = flagged.period
    and comments.org_unit_code = flagged.org_unit_code
    and comments.cost_category = flagged.cost_category
where flagged.passes_ytd or flagged.passes_forecast or comments.org_unit_code is not null
