{#-
    Disclosure control of the sick-leave figures (staff_statistics), in SQL that builds on
    every engine: the sets of figures that add up, the rule that says whether a set gives a
    small group away, and the rounds that hide more figures until none does.

    A set is a total with parts: within a unit its total with women and men, and with the
    three age groups; for each figure a parent unit with its units on the level below. Each
    member is a cell (a unit's figure) with its group's size in persons (and, for the share
    of long spells, the persons with long spells); the rest is who is in the total and in
    no part (unknown sex or age; persons placed on the parent itself). A reader who knows a
    shown total and shown parts can work out the rest's sick leave: the total less the
    parts, and further less the shown cells inside the hidden parts (a nämnd less its shown
    sektorer, less the shown verksamheter of a hidden sektor). A set gives a group away
    (`breached`) where

    - one figure of it alone is hidden (it follows from the others): a hidden total whose
      parts are shown, or a shown total with one hidden part;
    - its total is shown and the smallest group left (the hidden parts less every shown cell
      inside them, and the rest) may have ten persons or fewer;
    - for the share of long spells, its total is shown and that group's long spells may be
      one or two persons'.

    Persons are counted from the headcounts: within a unit exactly (the parts are disjoint);
    within a parent at least its headcount less the shown units' (a person who changed unit
    counts in both) and at least the largest hidden unit's. Each cell carries, as if it were
    hidden, `covered` (at most how many of its persons shown cells inside it cover) and
    `fewest` (at least how many the smallest group left holds); a set of which it is the
    total gives both one level further down each time it is judged.
-#}

{#- each published figure: (figure, numerator hours, denominator hours, group size) -#}
{% macro sick_leave_figures() %}
    {{ return([
        ('sick_leave_pct', 'sick_hours', 'scheduled_hours', 'headcount'),
        ('sick_leave_long_share_pct', 'sick_hours_long', 'sick_hours', 'headcount'),
        ('sick_leave_women_pct', 'sick_hours_women', 'scheduled_hours_women',
            'headcount_women'),
        ('sick_leave_men_pct', 'sick_hours_men', 'scheduled_hours_men', 'headcount_men'),
        ('sick_leave_age_29_pct', 'sick_hours_age_29', 'scheduled_hours_age_29',
            'headcount_age_29'),
        ('sick_leave_age_30_49_pct', 'sick_hours_age_30_49', 'scheduled_hours_age_30_49',
            'headcount_age_30_49'),
        ('sick_leave_age_50_pct', 'sick_hours_age_50', 'scheduled_hours_age_50',
            'headcount_age_50'),
    ]) }}
{% endmacro %}

{#- the sets within a unit: (set, its parts; the total is sick_leave_pct) -#}
{% macro sick_leave_partitions() %}
    {{ return([
        ('kön', ['sick_leave_women_pct', 'sick_leave_men_pct']),
        ('ålder', ['sick_leave_age_29_pct', 'sick_leave_age_30_49_pct',
                   'sick_leave_age_50_pct']),
    ]) }}
{% endmacro %}

{#- Each unit of int_staff_figures_aggregated with its level's order and a number, unit_id
    (in the order of the slice, the level and the code): the sets join on numbers, which
    every engine's planner estimates well. -#}
{% macro sick_leave_units() %}
    select
        staff.*,
        levels.level_order,
        row_number() over (
            order by staff.fiscal_year, staff.period, staff.period_scope, levels.level_order,
                staff.org_unit_code) as unit_id
    from {{ ref('int_staff_figures_aggregated') }} as staff
    left join {{ ref('org_levels') }} as levels on levels.org_level = staff.org_level
{%- endmacro %}

{#- Every figure of every unit of `units` (sick_leave_units): its group's size, its persons
    with long spells (the long share's only), the hours it is worked out of, and why it is
    hidden to begin with (`reason`: a group of ten or fewer; long spells of one or two). -#}
{% macro sick_leave_cells(units) %}
{%- set figures = sick_leave_figures() %}
    select
        *,
        reason is not null as hidden,
        row_number() over (order by unit_id, figure) as cell_id
    from (
        {%- for figure, numerator, denominator, size in figures %}
        select
            unit_id, fiscal_year, period, period_scope, level_order, org_unit_code,
            '{{ figure }}' as figure,
            coalesce({{ size }}, 0) as group_size,
            {%- if figure == 'sick_leave_long_share_pct' %}
            coalesce(headcount_long_term_sick, 0) as long_term,
            {%- else %}
            0 as long_term,
            {%- endif %}
            coalesce({{ numerator }}, 0) as numerator_hours,
            coalesce({{ denominator }}, 0) as denominator_hours,
            case
                when coalesce({{ size }}, 0) between 1 and 10
                    then 'högst tio anställda i gruppen'
                {%- if figure == 'sick_leave_long_share_pct' %}
                when coalesce(headcount_long_term_sick, 0) between 1 and 2
                    then 'kan härledas till enskild person (långtidssjukfrånvaro hos högst två '
                        || 'anställda)'
                {%- endif %}
            end as reason
        from {{ units }}
        {{ "union all" if not loop.last }}
        {%- endfor %}
    ) as figures
{%- endmacro %}

{#- The CTEs parents, set_members and memberships: one row per set and member (set_id,
    cell_id, is_total, group_size, long_term, hidden, the cell's keys, and the set's exact,
    is_long, rest_size and rest_any), from `units` (sick_leave_units) and `cells`
    (sick_leave_cells). One join on numbers makes the members; what a set holds beside
    them is summed over the set. -#}
{% macro sick_leave_sets(units, cells) %}
{%- set slice = 'fiscal_year, period, period_scope' %}
{%- set figures = sick_leave_figures() %}
{%- set unit_sets = [] %}
{%- for set_name, parts in sick_leave_partitions() %}
    {%- do unit_sets.append((set_name, 'sick_leave_pct', 1)) %}
    {%- for part in parts %}{% do unit_sets.append((set_name, part, 0)) %}{% endfor %}
{%- endfor %}
parents as (
    -- each unit's parent: the unit with the parent's code on the nearest level above (the
    -- unknown branch repeats one code on several levels)
    select *
    from (
        select
            child.unit_id as child_id, parent.unit_id as parent_id,
            child.fiscal_year, child.period, child.period_scope,
            parent.level_order as parent_level_order,
            parent.org_unit_code as parent_unit_code,
            row_number() over (
                partition by child.unit_id order by parent.level_order desc) as nearest
        from {{ units }} as child
        inner join {{ units }} as parent
            on {{ columns_equal('parent', 'child', slice) }}
            and parent.org_unit_code = child.parent_unit_code
            and parent.level_order < child.level_order
    ) as candidates
    where nearest = 1
),

set_members as (
    -- the sets of figures that add up, cell by cell
    select
        units.fiscal_year, units.period, units.period_scope,
        units.level_order as set_level_order, units.org_unit_code as set_unit_code,
        unit_sets.set_name, units.unit_id, unit_sets.figure, unit_sets.is_total
    from {{ units }} as units
    cross join (values
        {%- for set_name, figure, is_total in unit_sets %}
        ('{{ set_name }}', '{{ figure }}', {{ is_total }}){{ "," if not loop.last }}
        {%- endfor %}
    ) as unit_sets (set_name, figure, is_total)
    {%- for figure in figures %}

    union all

    select distinct
        fiscal_year, period, period_scope, parent_level_order, parent_unit_code,
        'enheter {{ figure[0] }}', parent_id, '{{ figure[0] }}', 1
    from parents

    union all

    select
        fiscal_year, period, period_scope, parent_level_order, parent_unit_code,
        'enheter {{ figure[0] }}', child_id, '{{ figure[0] }}', 0
    from parents
    {%- endfor %}
),

memberships as (
    -- a set's number orders the sets of a slice: the sets of units under a parent first,
    -- from the top of the tree down, then the sets within a unit (see waiting_). The rest
    -- is who is in the total and in no part: persons at least (of unknown sex or age within
    -- a unit), and somebody where a parent has hours beyond its units' (persons placed on
    -- the parent itself). A set whose
    -- total is ten or fewer is left out: its parts are no larger, so all of it is hidden
    -- from the start, and it neither gives a group away nor covers anybody
    select
        *,
        case when rest_size > 0 then 1 else 0 end as rest_any
    from (
        select
            *,
            case
                when exact = 0 and (total_numerator_hours <> parts_numerator_hours
                    or total_denominator_hours <> parts_denominator_hours)
                    then greatest(total_size_of_set - parts_size, 1)
                else greatest(total_size_of_set - parts_size, 0)
            end as rest_size
        from (
            select
                *,
                {%- for name, column in [('total_size_of_set', 'group_size'),
                                         ('total_numerator_hours', 'numerator_hours'),
                                         ('total_denominator_hours', 'denominator_hours')] %}
                max(case when is_total = 1 then {{ column }} else 0 end)
                    over (partition by set_id) as {{ name }},
                {%- endfor %}
                {%- for name, column in [('parts_size', 'group_size'),
                                         ('parts_numerator_hours', 'numerator_hours'),
                                         ('parts_denominator_hours', 'denominator_hours')] %}
                sum(case when is_total = 0 then {{ column }} else 0 end)
                    over (partition by set_id) as {{ name }}{{ "," if not loop.last }}
                {%- endfor %}
            from (
                select
                    dense_rank() over (
                        order by members.fiscal_year, members.period, members.period_scope,
                            case when members.set_name like 'enheter %' then 0 else 1 end,
                            members.set_level_order, members.set_unit_code, members.set_name)
                        as set_id,
                    cells.cell_id,
                    members.is_total,
                    cells.group_size,
                    cells.long_term,
                    cells.hidden,
                    cells.numerator_hours,
                    cells.denominator_hours,
                    case when members.set_name like 'enheter %' then 0 else 1 end as exact,
                    case when members.set_name = 'enheter sick_leave_long_share_pct'
                        then 1 else 0 end as is_long,
                    cells.fiscal_year, cells.period, cells.period_scope, cells.level_order,
                    cells.org_unit_code, cells.figure
                from set_members as members
                inner join {{ cells }} as cells
                    on cells.unit_id = members.unit_id and cells.figure = members.figure
            ) as members
        ) as summed
    ) as rests
    where total_size_of_set > 10
)
{%- endmacro %}

{#- `state`'s rows (memberships with each cell's covered and fewest, as if hidden) with the
    set's figures beside each: what the shown and hidden parts hold, the smallest group a
    shown total leaves (fewest_left), whether the set gives a group away (breached), and
    the set as one way to cover its total (set_covered, set_fewest). -#}
{% macro sick_leave_sets_judged(state) %}
{%- set max_small = 10 %}
{%- set max_traceable = 2 %}
{%- set left = '(hidden_parts > 0 or rest_any = 1)' %}
{%- set long_term_left = '(hidden_long_term = 1 or rest_any = 1)' %}
{%- set fewest_left -%}
    case
        when exact = 1 then hidden_fewest + rest_size
        else greatest(total_size - shown_size - hidden_covered, hidden_fewest_max, rest_size)
    end
{%- endset %}
{%- set fewest_long_term_left -%}
    greatest(total_long_term - shown_long_term - hidden_covered_long_term,
             hidden_fewest_long_term_max, 0)
{%- endset %}
select
    *,
    case
        when total_hidden = 1 and total_size > 0 and hidden_parts = 0 and shown_parts > 0
            then 1
        when total_hidden = 0 and hidden_parts = 1 then 1
        when total_hidden = 0 and {{ left }} and {{ fewest_left }} <= {{ max_small }} then 1
        when total_hidden = 0 and is_long = 1 and {{ long_term_left }}
            and {{ fewest_long_term_left }} <= {{ max_traceable }} then 1
        else 0
    end as breached,
    -- this part hidden too: the group then left, and whether the set keeps it
    case
        when is_total = 0 and not hidden and group_size > 0 and (total_hidden = 1 or (
            hidden_parts >= 1
            and case
                when exact = 1 then hidden_fewest + fewest + rest_size
                else greatest(total_size - shown_size + group_size - hidden_covered - covered,
                              hidden_fewest_max, fewest, rest_size)
            end > {{ max_small }}
            and (is_long = 0 or greatest(
                total_long_term - shown_long_term + long_term - hidden_covered_long_term
                    - covered_long_term,
                hidden_fewest_long_term_max, fewest_long_term, 0) > {{ max_traceable }})))
            then 1 else 0
    end as enough,
    case
        when is_total = 0 and exact = 1 then hidden_fewest + fewest + rest_size
        when is_total = 0
            then greatest(total_size - shown_size + group_size - hidden_covered - covered,
                          hidden_fewest_max, fewest, rest_size)
        else 0
    end as fewest_if_hidden,
    case when {{ left }} then {{ fewest_left }} end as fewest_left,
    least(total_size, shown_size + hidden_covered) as set_covered,
    case when {{ left }} then {{ fewest_left }} else 0 end as set_fewest,
    least(total_long_term, shown_long_term + hidden_covered_long_term)
        as set_covered_long_term,
    case when {{ long_term_left }} then {{ fewest_long_term_left }} else 0 end
        as set_fewest_long_term
from (
    select
        *,
        {%- for name, expression, aggregate in [
            ('total_hidden', 'case when is_total = 1 and hidden then 1 else 0 end', 'max'),
            ('total_size', 'case when is_total = 1 then group_size else 0 end', 'max'),
            ('total_long_term', 'case when is_total = 1 then long_term else 0 end', 'max'),
            ('shown_size', 'case when is_total = 0 and not hidden then group_size else 0 end',
                'sum'),
            ('shown_long_term',
                'case when is_total = 0 and not hidden then long_term else 0 end', 'sum'),
            ('shown_parts',
                'case when is_total = 0 and not hidden and group_size > 0 then 1 else 0 end',
                'sum'),
            ('hidden_parts',
                'case when is_total = 0 and hidden and group_size > 0 then 1 else 0 end',
                'sum'),
            ('hidden_long_term',
                'case when is_total = 0 and hidden and long_term > 0 then 1 else 0 end',
                'max'),
            ('hidden_covered', 'case when is_total = 0 and hidden then covered else 0 end',
                'sum'),
            ('hidden_covered_long_term',
                'case when is_total = 0 and hidden then covered_long_term else 0 end', 'sum'),
            ('hidden_fewest', 'case when is_total = 0 and hidden then fewest else 0 end',
                'sum'),
            ('hidden_fewest_max', 'case when is_total = 0 and hidden then fewest else 0 end',
                'max'),
            ('hidden_fewest_long_term_max',
                'case when is_total = 0 and hidden then fewest_long_term else 0 end', 'max'),
            ('hidden_covering',
                'case when is_total = 0 and hidden and covered > 0 then 1 else 0 end', 'max'),
        ] %}
        {{ aggregate }}({{ expression }}) over (partition by set_id) as {{ name }}
        {{- "," if not loop.last }}
        {%- endfor %}
    from {{ state }}
) as aggregated
{%- endmacro %}

{#- What each cell covers and leaves as if hidden, from the sets of which it is the total
    (in sick_leave_sets_judged's rows): the best of them; a cell that is no set's
    total covers nothing and leaves itself. -#}
{% macro sick_leave_cells_covered() %}
    coalesce(max(case when is_total = 1 then set_covered end)
        over (partition by cell_id), 0) as covered,
    least(group_size, coalesce(min(case when is_total = 1 then set_fewest end)
        over (partition by cell_id), group_size)) as fewest,
    coalesce(max(case when is_total = 1 then set_covered_long_term end)
        over (partition by cell_id), 0) as covered_long_term,
    least(long_term, coalesce(min(case when is_total = 1 then set_fewest_long_term end)
        over (partition by cell_id), long_term)) as fewest_long_term
{%- endmacro %}

{#- The rounds, as CTEs state_0 (memberships, nothing covered yet) to state_<rounds>. Each
    round first takes what each cell covers one level further down, with the figures hidden
    so far; then judges every set, and in each set that gives a group away hides one more
    figure: the smallest shown part whose hiding keeps the set, else the shown part that
    leaves the largest group. Where no part is shown, but shown figures inside the hidden
    parts cover persons, the set asks those parts to leave more instead of hiding its
    total: each set of which such a part is the total hides one of its shown parts (the
    smallest that uncovers enough, else the one that uncovers most); the total goes only
    where nothing else can. A set waits a round where a set ranked before it chose one of
    its figures, or where a figure is hidden inside one of its hidden parts (either may
    already be enough, as hiding one figure at a time would). A chain of window functions,
    each step reading the one before it. -#}
{% macro sick_leave_suppression_rounds(memberships, rounds) %}
{%- set max_small = 10 %}
{%- set pushes -%}
    (breached = 1 and total_hidden = 0 and shown_parts = 0 and hidden_parts >= 2
        and hidden_covering = 1)
{%- endset %}
{%- set columns = 'set_id, cell_id, is_total, group_size, long_term, exact, is_long, '
                  ~ 'rest_size, rest_any, hidden' %}
state_0 as (
    select
        {{ columns }},
        0 as covered, group_size as fewest, 0 as covered_long_term,
        long_term as fewest_long_term
    from {{ memberships }}
),
{%- for n in range(rounds) %}

covering_{{ n }} as (
    {{ sick_leave_sets_judged('state_' ~ n) | indent(4) }}
),

covered_{{ n }} as (
    select
        {{ columns }},
        {{ sick_leave_cells_covered() | indent(8) }}
    from covering_{{ n }}
),

judged_{{ n }} as (
    {{ sick_leave_sets_judged('covered_' ~ n) | indent(4) }}
),

chosen_{{ n }} as (
    -- a set whose only shown figure is its total, but inside whose hidden parts shown
    -- figures cover persons, asks those parts to leave more (demand: how many more)
    select
        *,
        breached = 1 and not hidden and group_size > 0 and not {{ pushes }}
            and row_number() over (
                partition by set_id
                order by case when not hidden and group_size > 0 then 0 else 1 end,
                    is_total, 1 - enough,
                    case when enough = 1 then group_size else 0 end,
                    case when enough = 1 then 0 else -fewest_if_hidden end,
                    group_size, cell_id) = 1 as chosen,
        case
            when {{ pushes }} and is_total = 0 and hidden and covered > 0
                then greatest({{ max_small + 1 }} - fewest_left, 1)
        end as demand
    from judged_{{ n }}
),

first_chooser_{{ n }} as (
    select
        *,
        min(case when chosen then set_id end) over (partition by cell_id) as first_chooser,
        -- a set of which the cell is the total hides a figure (it gives a group away and
        -- has a figure left to hide): what the cell covers changes
        max(case when is_total = 1 and breached = 1
                and (shown_parts > 0 or (total_hidden = 0 and total_size > 0)) then 1 else 0
            end) over (partition by cell_id) as inside_chosen,
        max(demand) over (partition by cell_id) as cell_demand
    from chosen_{{ n }}
),

waiting_{{ n }} as (
    select
        *,
        max(case
                when breached = 1 and first_chooser < set_id then 1
                when breached = 1 and is_total = 0 and hidden and inside_chosen = 1 then 1
                else 0
            end) over (partition by set_id) as waits,
        max(case when is_total = 1 and hidden then cell_demand end)
            over (partition by set_id) as set_demand
    from first_chooser_{{ n }}
),

pushed_{{ n }} as (
    -- a hidden total asked to leave more hides a shown part: the smallest that uncovers
    -- enough, else the one that uncovers most
    select
        *,
        set_demand is not null and not hidden and group_size > 0 and is_total = 0
            and row_number() over (
                partition by set_id
                order by case when not hidden and group_size > 0 and is_total = 0
                        then 0 else 1 end,
                    case when group_size - covered >= set_demand then 0 else 1 end,
                    case when group_size - covered >= set_demand then group_size
                        else covered - group_size end,
                    group_size, cell_id) = 1 as pushed
    from waiting_{{ n }}
),

state_{{ n + 1 }} as (
    select
        set_id, cell_id, is_total, group_size, long_term, exact, is_long, rest_size,
        rest_any,
        hidden or max(case when (chosen and waits = 0) or pushed then 1 else 0 end)
            over (partition by cell_id) = 1 as hidden,
        covered, fewest, covered_long_term, fewest_long_term
    from pushed_{{ n }}
){{ "," if not loop.last }}
{%- endfor %}
{%- endmacro %}
