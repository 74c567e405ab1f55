-- Måluppföljning per tertial (April, August, December): every goal of the goals file with its
-- target, outcome, status and comment, the roll-up of its children's statuses, and whether
-- the report came by the tidplan's deadline.
--
-- Outcome: computed from the marts where the goal names a `berakning`, else the kommun's
-- Kolada value of its KPI (the fiscal year's, else the latest before it). Status: as
-- reported for the tertial; a styrtal nobody reported on gets the status its outcome gives
-- (uppnått when the target is met). Roll-up (sammanvägd status), from the statuses of the
-- children: all uppnått -> uppnått; all ej påbörjad -> ej påbörjad; some ej uppnått and none
-- (delvis) uppnått -> ej uppnått; else delvis uppnått. A child with no status of its own
-- counts with its own roll-up, so the statuses of aktiviteter reach the strategic area
-- through a delmål and a nämndmål nobody reported on.
with goals as (
    select * from {{ ref('stg_goals__goals') }}
),

computed as (
    select * from {{ ref('goal_outcomes') }}
),

tertials as (
    -- the tertials followed up: the periods of budget_follow_up, where goal_outcomes has
    -- the kommun's result for each
    select distinct fiscal_year, period
    from computed
    where period in (4, 8, 12) and computation = 'resultat_andel_skatter'
),

grid as (
    select tertials.period, goals.*
    from goals
    inner join tertials on tertials.fiscal_year = goals.fiscal_year
),

reported as (
    -- field by field the latest report (a comment alone keeps the status reported before);
    -- the first report's day is the one held against the deadline. Of reports on one day
    -- the package's wins over the file's, then the later file, then the later line.
    select
        goal_id,
        fiscal_year,
        period,
        {{ value_at_max('status', 'report_key', 'status is not null') }} as status,
        {{ value_at_max('comment', 'report_key', 'comment is not null') }} as comment,
        min(submitted_on) as submitted_on,
        {{ value_at_max('submitted_by', 'report_key', 'submitted_by is not null') }} as submitted_by
    from (
        select
            *,
            (
                coalesce(cast(submitted_on as {{ dbt.type_string() }}), '1900-01-01')
                || '|' || reported_through || '|' || coalesce(source_file, '')
                || '|' || lpad(cast(coalesce(source_line, 0) as {{ dbt.type_string() }}), 9, '0')
            ) as report_key
        from {{ ref('int_goal_reports_unioned') }}
    ) as reports
    group by 1, 2, 3
),

kolada as (
    select
        kolada_kpi, fiscal_year, value,
        row_number() over (partition by kolada_kpi order by fiscal_year desc) as recency
    from {{ ref('stg_goals__kpi_outcomes') }}
    where is_own_municipality and gender = 'T' and value is not null
),

deadline_levels as (
    select d.goal_kind, d.deadline_level
    from (
        values
        ('activity', 'aktiviteter'), ('sub_goal', 'delmal'), ('board_goal', 'namndmal'),
        ('board_indicator', 'styrtal'), ('kf_indicator', 'styrtal'),
        ('strategic_area', 'strategiska_omraden')
    ) as d (goal_kind, deadline_level)
),

units as (
    select org_unit_code, org_unit_name, is_kommun
    from (
        select
            org_unit_code,
            org_unit_name,
            parent_unit_code is null as is_kommun,
            row_number() over (partition by org_unit_code order by valid_from desc) as recency
        from {{ ref('org_units') }}
    ) as versions
    where recency = 1
),

candidates as (
    -- the grid with every Kolada value of the fiscal year or before; measured keeps the latest
    select
        grid.*,
        coalesce(
            unit_computed.outcome_value, kommun_computed.outcome_value,
            kolada_value.value
        ) as outcome_value,
        case
            when unit_computed.outcome_value is not null then unit_computed.outcome_basis
            when kommun_computed.outcome_value is not null then kommun_computed.outcome_basis
            when kolada_value.value is not null
                then 'Kolada ' || cast(kolada_value.fiscal_year as {{ dbt.type_string() }})
        end as outcome_source,
        -- the unit the outcome measures: the responsible unit's own figure, or the kommun's
        -- (a computation over the kommun, a Kolada value of the municipality)
        case
            when unit_computed.outcome_value is not null then grid.responsible_unit_code
            when kommun_computed.outcome_value is not null or kolada_value.value is not null
                then (
                    select org_unit_code from units
                    where is_kommun
                )
        end as measured_unit_code,
        row_number() over (
            partition by grid.goal_id, grid.fiscal_year, grid.period
            order by kolada_value.fiscal_year desc nulls last
        ) as kolada_recency
    from grid
    left join computed as unit_computed
        on unit_computed.fiscal_year = grid.fiscal_year
        and unit_computed.period = grid.period
        and unit_computed.computation = grid.computation
        and unit_computed.org_unit_code = grid.responsible_unit_code
    left join computed as kommun_computed
        on kommun_computed.fiscal_year = grid.fiscal_year
        and kommun_computed.period = grid.period
        and kommun_computed.computation = grid.computation
        and kommun_computed.org_unit_code is null
    left join kolada as kolada_value
        on kolada_value.kolada_kpi = grid.kolada_kpi
        and kolada_value.fiscal_year <= grid.fiscal_year
),

measured as (
    select * from candidates
    where kolada_recency = 1
),

judged as (
    select
        measured.*,
        case
            when measured.outcome_value is null or measured.target_value is null then null
            when measured.direction = 'lower' then measured.outcome_value <= measured.target_value
            else measured.outcome_value >= measured.target_value
        end as target_met,
        reported.status as reported_status,
        reported.comment,
        reported.submitted_on,
        reported.submitted_by,
        deadlines.deadline
    from measured
    left join reported
        on reported.goal_id = measured.goal_id
        and reported.fiscal_year = measured.fiscal_year
        and reported.period = measured.period
    left join deadline_levels using (goal_kind)
    left join {{ ref('stg_goals__comment_deadlines') }} as deadlines
        on deadlines.fiscal_year = measured.fiscal_year
        and deadlines.period = measured.period
        and deadlines.deadline_level = deadline_levels.deadline_level
),

with_status as (
    select
        judged.*,
        coalesce(judged.reported_status, case
            when judged.target_met then 'uppnått'
            when not judged.target_met then 'ej uppnått'
        end) as status,
        case
            when judged.reported_status is not null then 'rapporterad'
            when judged.target_met is not null then 'beräknad ur utfall och målvärde'
        end as status_source
    from judged
),

{#- the goals file nests at most four levels (strategic area > nämndmål > delmål >
    aktivitet): each pass rolls up one more level from the bottom -#}
{%- set passes = 3 %}

rolled_up_0 as (
    select
        goal_id, fiscal_year, period, parent_goal_id, status,
        cast(null as {{ dbt.type_string() }}) as rolled_up_status,
        cast(null as integer) as children,
        cast(null as integer) as children_without_status
    from with_status
),
{% for n in range(1, passes + 1) %}
kids_{{ n }} as (
    select
        parent_goal_id,
        fiscal_year,
        period,
        count(*) as children,
        count(coalesce(status, rolled_up_status)) as with_status,
        count(*) filter (where coalesce(status, rolled_up_status) = 'uppnått') as achieved,
        count(*) filter (where coalesce(status, rolled_up_status) = 'delvis uppnått') as partly,
        count(*) filter (where coalesce(status, rolled_up_status) = 'ej uppnått')
            as not_achieved,
        count(*) filter (where coalesce(status, rolled_up_status) = 'ej påbörjad')
            as not_started
    from rolled_up_{{ n - 1 }}
    where parent_goal_id is not null
    group by 1, 2, 3
),

rolled_up_{{ n }} as (
    select
        goal.goal_id,
        goal.fiscal_year,
        goal.period,
        goal.parent_goal_id,
        goal.status,
        case
            when kids.with_status is null or kids.with_status = 0 then null
            when kids.achieved = kids.with_status then 'uppnått'
            when kids.not_started = kids.with_status then 'ej påbörjad'
            when kids.achieved + kids.partly = 0 and kids.not_achieved > 0 then 'ej uppnått'
            else 'delvis uppnått'
        end as rolled_up_status,
        coalesce(kids.children, 0) as children,
        coalesce(kids.children - kids.with_status, 0) as children_without_status
    from rolled_up_{{ n - 1 }} as goal
    left join kids_{{ n }} as kids
        on kids.parent_goal_id = goal.goal_id
        and kids.fiscal_year = goal.fiscal_year
        and kids.period = goal.period
){{ "," if not loop.last }}
{% endfor %}

select
    with_status.fiscal_year,
    with_status.period,
    with_status.goal_id,
    with_status.goal_kind,
    with_status.parent_goal_id,
    with_status.board_code,
    with_status.strategic_area_id,
    with_status.goal_name,
    with_status.responsible_unit_code,
    units.org_unit_name as responsible_unit_name,
    with_status.target_value,
    with_status.unit,
    with_status.direction,
    with_status.kolada_kpi,
    with_status.computation,
    with_status.outcome_value,
    with_status.outcome_source,
    with_status.measured_unit_code,
    measured_units.org_unit_name as measured_unit_name,
    with_status.target_met,
    with_status.status,
    with_status.status_source,
    with_status.comment,
    with_status.submitted_on,
    with_status.submitted_by,
    with_status.deadline,
    case
        when with_status.deadline is null then null
        else coalesce(with_status.submitted_on <= with_status.deadline, false)
    end as deadline_met,
    rolled_up.children,
    rolled_up.children_without_status,
    rolled_up.rolled_up_status,
    with_status.sort_order
from with_status
inner join rolled_up_{{ passes }} as rolled_up
    on rolled_up.goal_id = with_status.goal_id
    and rolled_up.fiscal_year = with_status.fiscal_year
    and rolled_up.period = with_status.period
left join units on units.org_unit_code = with_status.responsible_unit_code
left join units as measured_units
    on measured_units.org_unit_code = with_status.measured_unit_code
