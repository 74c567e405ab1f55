{#- The generic test of macros/staff_disclosure.sql: the published staff_statistics
    (`model`) against the rule: every set of figures that
    adds up, with what is shown in the mart, what each hidden figure's group covers and
    leaves worked out all the way down the tree (one level per step: as many steps as the
    org has levels, and one within the unit). A row for each set that gives a group away. -#}
{% test no_small_sick_leave_group_can_be_derived(model) %}
{%- set steps = 12 %}
{%- if execute %}
    {%- set levels = run_query('select count(*) from ' ~ ref('org_levels')) %}
    {%- set steps = levels.columns[0].values()[0] | int + 1 %}
{%- endif %}
{%- set columns = 'set_id, cell_id, is_total, group_size, long_term, exact, is_long, '
                  ~ 'rest_size, rest_any, hidden' %}
with units as (
    {{ sick_leave_units() | indent(4) }}
),

cells as (
    {{ sick_leave_cells('units') | indent(4) }}
),

{{ sick_leave_sets('units', 'cells') }},

published as (
    -- what the mart shows: a figure, or none
    {%- for figure in sick_leave_figures() %}
    select
        fiscal_year, period, period_scope, level_order, org_unit_code,
        '{{ figure[0] }}' as figure, {{ figure[0] }} is null as hidden
    from {{ model }}
    {{ "union all" if not loop.last }}
    {%- endfor %}
),

shown_memberships as (
    select
        memberships.set_id, memberships.cell_id, memberships.is_total,
        memberships.group_size, memberships.long_term, memberships.exact,
        memberships.is_long, memberships.rest_size, memberships.rest_any, published.hidden
    from memberships
    inner join published
        on {{ columns_equal('published', 'memberships',
                            'fiscal_year, period, period_scope, level_order, org_unit_code, '
                            ~ 'figure') }}
),

state_0 as (
    select
        {{ columns }},
        0 as covered, group_size as fewest, 0 as covered_long_term,
        long_term as fewest_long_term
    from shown_memberships
),
{%- for n in range(steps) %}

covering_{{ n }} as (
    {{ sick_leave_sets_judged('state_' ~ n) | indent(4) }}
),

state_{{ n + 1 }} as (
    select
        {{ columns }},
        {{ sick_leave_cells_covered() | indent(8) }}
    from covering_{{ n }}
),
{%- endfor %}

judged as (
    {{ sick_leave_sets_judged('state_' ~ steps) | indent(4) }}
)

select
    set_id, cell_id, total_hidden, total_size, shown_size, hidden_parts, fewest_left,
    rest_size
from judged
where is_total = 1 and breached = 1
{% endtest %}
