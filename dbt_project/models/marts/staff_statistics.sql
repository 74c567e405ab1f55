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
-- Complementary suppression (macros/staff_disclosure.sql): no figure is published where a
-- group of ten or fewer, or long spells of one or two persons, could be worked out from the
-- figures shown. Sets of figures add up (a unit's total with women and men; with the age
-- groups; a parent with its units): where a set's hidden figure follows from the others, or
-- its shown total less its shown parts (and less the shown cells inside its hidden parts)
-- leaves such a group, one more figure of the set is hidden. Rounds repeat this (the
-- `staff_suppression_rounds` var, 12) and the test no_small_sick_leave_group_can_be_derived
-- proves that they sufficed.
{#- DuckDB 2.0.0, for this model only: its rewrite of window aggregates into self-joins binds
    a wrong column in the rounds ("Failed to bind column reference ... inequal types"), and
    its inlining of the CTEs runs a large kommun's year out of memory (1 GB); without both
    the plan runs as written, each CTE read more than once computed once -#}
{#- PostgreSQL: the rounds sort the sets' members some ninety times; with the default 4 MB
    of work_mem each sort of a large kommun's year spills to disk. And their estimated cost
    makes it compile the plan (JIT) first: 20 s for a query that runs in 1.5 -#}
{{ config(
    pre_hook=(["set disabled_optimizers = 'window_self_join,cte_inlining'"]
              if target.type == 'duckdb' else
              ["set work_mem = '256MB'", "set jit = off"] if target.type == 'postgres'
              else []),
    post_hook=(["reset disabled_optimizers"] if target.type == 'duckdb' else
               ["reset work_mem", "reset jit"] if target.type == 'postgres' else []),
) }}
{%- set empty_group = 'inga anställda i gruppen' %}
{%- set derivable = 'kan annars räknas fram ur summan och övriga grupper' %}
{%- set figures = sick_leave_figures() %}
{%- set rounds = var('staff_suppression_rounds', 12) %}

with staff as {{ materialized_cte() }} (
    -- computed once: every step below reads it
    {{ sick_leave_units() | indent(4) }}
),

cells as {{ materialized_cte() }} (
    -- every figure of every unit with its group's size and why it is hidden to begin with
    -- (a group of ten or fewer; long spells of one or two persons), numbered: the rounds
    -- work on numbers
    {{ sick_leave_cells('staff') | indent(4) }}
),

{{ sick_leave_sets('staff', 'cells') }},

{{ sick_leave_suppression_rounds('memberships', rounds) }},

settled as (
    select cell_id, max(case when hidden then 1 else 0 end) as hidden
    from state_{{ rounds }}
    group by 1
),

hidden_cells as (
    -- hidden at the start (also the figures in no set), or by a round
    select
        cells.unit_id, cells.figure,
        coalesce(cells.reason, '{{ derivable }}') as reason
    from cells
    left join settled on settled.cell_id = cells.cell_id
    where cells.reason is not null or settled.hidden = 1
),

reasons as (
    select
        unit_id
        {%- for figure in figures %},
        max(
            case when figure = '{{ figure[0] }}' then reason end
        ) as {{ figure[0] }}_reason{% endfor %}
    from hidden_cells
    group by 1
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
    cast(
        cast(staff.personnel_cost_budget as decimal(18, 2))
        - cast(staff.personnel_cost_outcome as decimal(18, 2))
        as decimal(18, 2)
    ) as personnel_cost_deviation,
    cast(staff.personnel_cost_budget_annual as decimal(18, 2)) as personnel_cost_budget_annual,
    cast(staff.personnel_cost_hr as decimal(18, 2)) as personnel_cost_hr,
    cast(staff.overtime_hours as decimal(14, 2)) as overtime_hours,
    cast(staff.additional_hours as decimal(14, 2)) as additional_hours
    {%- for figure, numerator, denominator, size in figures %},
    {%- set value = percentage('staff.' ~ numerator, 'staff.' ~ denominator) %}
    {%- set value = 'coalesce(' ~ value ~ ', 0)' if figure == 'sick_leave_long_share_pct'
        else value %}
    case
        when reasons.{{ figure }}_reason is null and staff.{{ size }} > 0
            then {{ value }}
    end as {{ figure }},
    coalesce(
        reasons.{{ figure }}_reason,
        case when coalesce(staff.{{ size }}, 0) = 0 then '{{ empty_group }}' end
    ) as {{ figure }}_suppression{% endfor %}
from staff
left join reasons on reasons.unit_id = staff.unit_id
