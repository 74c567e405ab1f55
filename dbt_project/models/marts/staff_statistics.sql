-- Personalstatistik: headcount, årsarbetare, personnel cost against budget and sick leave per
-- follow-up period (the month and the year to date), org level and unit.
--
-- Sick leave is given as the law asks for the annual report: per cent of the group's
-- ordinary (scheduled) hours, in total, the share of it from spells of 60 days or more, for
-- women, for men and for the ages up to 29, 30-49 and 50 or more. No sick-leave figure is
-- given for a group of ten or fewer employees; it is NULL and its `_suppression` column says
-- why. The share from spells of 60 days or more is also hidden where those spells are one or
-- two persons' (the law's second clause: 86,8 % in a group of 11 is one person's illness).
-- A group with no employees has no figure either, but hides nothing: everybody can see that
-- it is empty.
--
-- Complementary suppression: where a hidden figure could be worked out from the others of a
-- set that adds up (a unit's total with women and men; with the age groups; a parent with
-- its units), one more figure of that set is hidden: the smallest shown group, the total
-- only when no group is left. Each round does this for every set with exactly one hidden
-- figure at once; a hidden figure can make another set derivable, so rounds repeat (the
-- `staff_suppression_rounds` var, 12: a tree of five levels settles in far fewer) and the
-- test assert_no_hidden_sick_leave_figure_can_be_derived proves that they sufficed.
{#- DuckDB 2.0.0, for this model only: its rewrite of window aggregates into self-joins binds
    a wrong column in the rounds ("Failed to bind column reference ... inequal types"), and
    its inlining of the CTEs runs a large kommun's year out of memory (1 GB); without both
    the plan runs as written, each CTE read more than once computed once -#}
{#- PostgreSQL: the rounds sort the sets' members some sixty times; with the default 4 MB
    of work_mem each sort of a large kommun's year spills to disk -#}
{{ config(
    pre_hook=(["set disabled_optimizers = 'window_self_join,cte_inlining'"]
              if target.type == 'duckdb' else
              ["set work_mem = '256MB'"] if target.type == 'postgres' else []),
    post_hook=(["reset disabled_optimizers"] if target.type == 'duckdb' else
               ["reset work_mem"] if target.type == 'postgres' else []),
) }}
{%- set small_group = 'högst tio anställda i gruppen' %}
{%- set empty_group = 'inga anställda i gruppen' %}
{%- set derivable = 'kan annars räknas fram ur summan och övriga grupper' %}
{%- set traceable = 'kan härledas till enskild person (långtidssjukfrånvaro hos högst två anställda)' %}
{%- set max_suppressed_group = 10 %}
{%- set min_long_term_persons = 3 %}
{#- each published figure: (figure, numerator hours, denominator hours, group size) -#}
{%- set figures = [
    ('sick_leave_pct', 'sick_hours', 'scheduled_hours', 'headcount'),
    ('sick_leave_long_share_pct', 'sick_hours_long', 'sick_hours', 'headcount'),
    ('sick_leave_women_pct', 'sick_hours_women', 'scheduled_hours_women', 'headcount_women'),
    ('sick_leave_men_pct', 'sick_hours_men', 'scheduled_hours_men', 'headcount_men'),
    ('sick_leave_age_29_pct', 'sick_hours_age_29', 'scheduled_hours_age_29', 'headcount_age_29'),
    ('sick_leave_age_30_49_pct', 'sick_hours_age_30_49', 'scheduled_hours_age_30_49',
        'headcount_age_30_49'),
    ('sick_leave_age_50_pct', 'sick_hours_age_50', 'scheduled_hours_age_50', 'headcount_age_50'),
] %}
{#- within one unit: (set, figure, is the set's total) -#}
{%- set unit_sets = [
    ('kön', 'sick_leave_pct', true), ('kön', 'sick_leave_women_pct', false),
    ('kön', 'sick_leave_men_pct', false),
    ('ålder', 'sick_leave_pct', true), ('ålder', 'sick_leave_age_29_pct', false),
    ('ålder', 'sick_leave_age_30_49_pct', false), ('ålder', 'sick_leave_age_50_pct', false),
] %}
{%- set rounds = var('staff_suppression_rounds', 12) %}
{%- set slice = 'fiscal_year, period, period_scope' %}
{%- set cell = slice ~ ', level_order, org_unit_code, figure' %}
{%- set set_key = slice ~ ', set_level_order, set_unit_code, set_name' %}

with staff as {{ materialized_cte() }} (
    -- computed once: every step below reads it
    select staff.*, levels.level_order
    from {{ ref('int_staff_figures_aggregated') }} as staff
    left join {{ ref('org_levels') }} as levels on levels.org_level = staff.org_level
),

figure_names as (
    select * from (values
        {%- for figure in figures %}
        ('{{ figure[0] }}'){{ "," if not loop.last }}
        {%- endfor %}
    ) as f (figure)
),

figure_cells as (
    -- every figure of every unit with its group's size and why it is hidden to begin with
    {%- for figure, numerator, denominator, size in figures %}
    select
        {{ slice }}, level_order, org_unit_code,
        '{{ figure }}' as figure,
        coalesce({{ size }}, 0) as group_size,
        case
            when coalesce({{ size }}, 0) between 1 and {{ max_suppressed_group }}
                then '{{ small_group }}'
            {%- if figure == 'sick_leave_long_share_pct' %}
            when coalesce(headcount_long_term_sick, 0) between 1 and {{ min_long_term_persons - 1 }}
                then '{{ traceable }}'
            {%- endif %}
        end as reason
    from staff
    {{ "union all" if not loop.last }}
    {%- endfor %}
),

cells as {{ materialized_cte() }} (
    -- numbered in the order of the figures' keys: the rounds work on numbers
    select
        *,
        row_number() over (
            order by fiscal_year, period, period_scope, level_order, org_unit_code, figure
        ) as cell_id
    from figure_cells
),

parents as (
    -- each unit's parent: the unit with the parent's code on the nearest level above (the
    -- unknown branch repeats one code on several levels)
    select
        child.fiscal_year, child.period, child.period_scope,
        child.level_order, child.org_unit_code, child.parent_unit_code,
        max(parent.level_order) as parent_level_order
    from staff as child
    inner join staff as parent
        on {{ columns_equal('parent', 'child', slice) }}
        and parent.org_unit_code = child.parent_unit_code
        and parent.level_order < child.level_order
    group by 1, 2, 3, 4, 5, 6
),

members as (
    -- the sets of figures that add up, cell by cell
    select
        staff.fiscal_year, staff.period, staff.period_scope,
        staff.level_order as set_level_order, staff.org_unit_code as set_unit_code,
        unit_sets.set_name,
        staff.level_order, staff.org_unit_code, unit_sets.figure, unit_sets.is_total
    from staff
    cross join (values
        {%- for set_name, figure, is_total in unit_sets %}
        ('{{ set_name }}', '{{ figure }}', {{ is_total }}){{ "," if not loop.last }}
        {%- endfor %}
    ) as unit_sets (set_name, figure, is_total)

    union all

    select distinct
        parents.fiscal_year, parents.period, parents.period_scope,
        parents.parent_level_order, parents.parent_unit_code,
        'enheter ' || figure_names.figure,
        parents.parent_level_order, parents.parent_unit_code, figure_names.figure, true
    from parents
    cross join figure_names

    union all

    select
        parents.fiscal_year, parents.period, parents.period_scope,
        parents.parent_level_order, parents.parent_unit_code,
        'enheter ' || figure_names.figure,
        parents.level_order, parents.org_unit_code, figure_names.figure, false
    from parents
    cross join figure_names
),

memberships as (
    -- a set's number orders the sets of a slice: the sets of units under a parent first,
    -- from the top of the tree down, then the sets within a unit (see waiting_); a cell's
    -- number orders a set's figures after their group size (see chosen_)
    select
        dense_rank() over (
            order by members.fiscal_year, members.period, members.period_scope,
                case when members.set_name like 'enheter %' then 0 else 1 end,
                members.set_level_order, members.set_unit_code, members.set_name) as set_id,
        cells.cell_id,
        members.is_total,
        cells.group_size,
        cells.reason is not null as hidden
    from members
    inner join cells on {{ columns_equal('cells', 'members', cell) }}
),

{#- Each round is a chain of window functions over the sets' members, each step reading
    only the one before it: a plan that grows by a few steps a round on every engine, and
    rows of a few numbers, which a large kommun's year holds in little memory. -#}
state_0 as (
    select * from memberships
),
{%- for n in range(rounds) %}

counted_{{ n }} as (
    select
        *,
        sum(case when hidden then 1 else 0 end) over (partition by set_id) as hidden_in_set
    from state_{{ n }}
),

chosen_{{ n }} as (
    -- in each set with one hidden figure: the smallest shown group, else the total
    select
        *,
        hidden_in_set = 1 and not hidden and group_size > 0 and row_number() over (
            partition by set_id
            order by case when hidden_in_set = 1 and not hidden and group_size > 0
                    then 0 else 1 end,
                case when is_total then 1 else 0 end, group_size, cell_id) = 1 as chosen
    from counted_{{ n }}
),

first_chooser_{{ n }} as (
    select
        *,
        min(case when chosen then set_id end) over (partition by cell_id) as first_chooser
    from chosen_{{ n }}
),

waiting_{{ n }} as (
    -- a set waits a round where a set ranked before it chose a figure of its own: hiding
    -- that one may already keep its hidden figure from being worked out (as hiding one figure
    -- at a time would), instead of both sets hiding one more
    select
        *,
        max(case when hidden_in_set = 1 and first_chooser < set_id then 1 else 0 end)
            over (partition by set_id) as waits
    from first_chooser_{{ n }}
),

state_{{ n + 1 }} as (
    select
        set_id, cell_id, is_total, group_size,
        hidden or max(case when chosen and waits = 0 then 1 else 0 end)
            over (partition by cell_id) = 1 as hidden
    from waiting_{{ n }}
),
{%- endfor %}

hidden_cells as (
    -- hidden at the start (also the figures in no set), or by a round
    select
        cells.fiscal_year, cells.period, cells.period_scope, cells.level_order,
        cells.org_unit_code, cells.figure,
        coalesce(cells.reason, '{{ derivable }}') as reason
    from cells
    left join (
        select cell_id, max(case when hidden then 1 else 0 end) as hidden
        from state_{{ rounds }}
        group by cell_id
    ) as settled on settled.cell_id = cells.cell_id
    where cells.reason is not null or settled.hidden = 1
),

reasons as (
    select
        {{ slice }}, level_order, org_unit_code,
        {%- for figure in figures %}
        max(case when figure = '{{ figure[0] }}' then reason end)
            as {{ figure[0] }}_reason{{ "," if not loop.last }}
        {%- endfor %}
    from hidden_cells
    group by 1, 2, 3, 4, 5
)

select
    staff.fiscal_year,
    staff.period,
    staff.period_scope,
    staff.org_level,
    staff.level_order,
    staff.org_unit_code,
    staff.org_unit_name,
    staff.parent_unit_code,
    staff.headcount,
    staff.headcount_women,
    staff.headcount_men,
    staff.headcount_age_29,
    staff.headcount_age_30_49,
    staff.headcount_age_50,
    cast(round(staff.fte, 2) as decimal(12, 2)) as fte,
    cast(staff.personnel_cost_outcome as decimal(18, 2)) as personnel_cost_outcome,
    cast(staff.personnel_cost_budget as decimal(18, 2)) as personnel_cost_budget,
    cast(cast(staff.personnel_cost_budget as decimal(18, 2))
        - cast(staff.personnel_cost_outcome as decimal(18, 2)) as decimal(18, 2))
        as personnel_cost_deviation,
    cast(staff.personnel_cost_budget_annual as decimal(18, 2)) as personnel_cost_budget_annual,
    cast(staff.personnel_cost_hr as decimal(18, 2)) as personnel_cost_hr,
    cast(staff.overtime_hours as decimal(14, 2)) as overtime_hours,
    cast(staff.additional_hours as decimal(14, 2)) as additional_hours,
    {%- for figure, numerator, denominator, size in figures %}
    {%- set value = percentage('staff.' ~ numerator, 'staff.' ~ denominator) %}
    case
        when reasons.{{ figure }}_reason is null and staff.{{ size }} > 0
            then {% if figure == 'sick_leave_long_share_pct' %}coalesce({{ value }}, 0)
                 {%- else %}{{ value }}{% endif %}
    end as {{ figure }},
    coalesce(reasons.{{ figure }}_reason,
        case when coalesce(staff.{{ size }}, 0) = 0 then '{{ empty_group }}' end)
        as {{ figure }}_suppression{{ "," if not loop.last }}
    {%- endfor %}
from staff
left join reasons
    on {{ columns_equal('reasons', 'staff', slice ~ ', level_order, org_unit_code') }}
