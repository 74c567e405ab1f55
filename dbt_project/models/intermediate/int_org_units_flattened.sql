-- The organisation tree as it stands at each period end: for every unit, each of its
-- ancestors (itself included). A unit is taken in the version that had started by the period
-- end, so a unit that moved is restated under its new parent for the whole year, and a
-- closed unit still rolls up where it last belonged. A unit that opens later in the fiscal
-- year is placed where it will belong from the start of the year: its budget is part of its
-- parent's year.
{#- the tree is walked upwards one level per step, as far as org_tree_depth (12) reaches:
    a Swedish kommun's tree has five levels, and a chain of more (or a loop in the register)
    is stopped there and fails the test assert_org_tree_is_walked_to_its_top -#}
{%- set depth = var('org_tree_depth', 12) %}
with periods as (
    select * from {{ ref('int_follow_up_periods') }}
),

versions as (
    select
        periods.fiscal_year,
        periods.period,
        units.org_unit_code,
        units.org_unit_name,
        units.org_level,
        units.parent_unit_code,
        row_number() over (
            partition by periods.fiscal_year, periods.period, units.org_unit_code
            order by
                -- the latest version that has started, else the first one to come this year
                case when units.valid_from <= periods.period_end then 0 else 1 end,
                case when units.valid_from <= periods.period_end then units.valid_from end desc,
                units.valid_from
        ) as version_rank
    from periods
    inner join {{ ref('stg_org_register__org_units') }} as units
        on units.valid_from
        <= cast(cast(periods.fiscal_year as {{ dbt.type_string() }}) || '-12-31' as date)
),

units_at_period_end as {{ materialized_cte() }} (
    select * from versions
    where version_rank = 1
),

tree_0 as {{ materialized_cte() }} (
    select
        fiscal_year,
        period,
        org_unit_code as unit_code,
        org_level as unit_level,
        org_unit_code as ancestor_code,
        0 as depth
    from units_at_period_end
),
{%- for n in range(1, depth + 1) %}

tree_{{ n }} as {{ materialized_cte() }} (
    select
        tree.fiscal_year,
        tree.period,
        tree.unit_code,
        tree.unit_level,
        parent.parent_unit_code as ancestor_code,
        {{ n }} as depth
    from tree_{{ n - 1 }} as tree
    inner join units_at_period_end as parent
        on parent.fiscal_year = tree.fiscal_year
        and parent.period = tree.period
        and parent.org_unit_code = tree.ancestor_code
    where parent.parent_unit_code is not null
),
{%- endfor %}

tree as (
    {%- for n in range(depth + 1) %}
    select * from tree_{{ n }}
    {{ "union all" if not loop.last }}
    {%- endfor %}
)

select
    tree.fiscal_year,
    tree.period,
    tree.unit_code,
    tree.unit_level,
    tree.depth,
    ancestor.org_unit_code as ancestor_code,
    ancestor.org_unit_name as ancestor_name,
    ancestor.org_level as ancestor_level,
    ancestor.parent_unit_code as ancestor_parent_code
from tree
inner join units_at_period_end as ancestor
    on ancestor.fiscal_year = tree.fiscal_year
    and ancestor.period = tree.period
    and ancestor.org_unit_code = tree.ancestor_code
