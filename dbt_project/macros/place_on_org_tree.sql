{#-
    Rows of `rows` (a CTE with fiscal_year, period and org_unit_code) placed under every
    ancestor their unit has at that period's end, one copy per org level, with the columns
    org_level, org_unit_code_at_level, org_unit_name and parent_unit_code added. A unit that is
    not in the organisation (unknown or missing ansvar) gets a branch of its own, "Okänt
    ansvar", under the kommun, so that the kommun total still holds every row.
-#}
{% macro place_on_org_tree(rows) %}
    with tree as (
        select * from {{ ref('int_org_units_flattened') }}
    ),

    levels as (
        select
            org_level,
            level_order,
            min(level_order) over () as top_order,
            max(level_order) over () as bottom_order
        from {{ ref('org_levels') }}
    ),

    roots as (
        select fiscal_year, period, unit_code as root_code, ancestor_name as root_name
        from tree
        inner join levels
            on levels.org_level = tree.unit_level and levels.level_order = levels.top_order
        where tree.depth = 0
    ),

    known as (
        select
            {{ rows }}.*,
            tree.ancestor_level as org_level,
            tree.ancestor_code as org_unit_code_at_level,
            tree.ancestor_name as org_unit_name,
            tree.ancestor_parent_code as parent_unit_code
        from {{ rows }}
        inner join tree
            on tree.fiscal_year = {{ rows }}.fiscal_year
            and tree.period = {{ rows }}.period
            and tree.unit_code = {{ rows }}.org_unit_code
    ),

    unknown as (
        select
            {{ rows }}.*,
            levels.org_level,
            case
                when levels.level_order = levels.top_order then roots.root_code
                when levels.level_order = levels.bottom_order then {{ rows }}.org_unit_code
                else '(okänt)'
            end as org_unit_code_at_level,
            case
                when levels.level_order = levels.top_order then roots.root_name
                when levels.level_order = levels.bottom_order
                    then 'Okänt ansvar ' || {{ rows }}.org_unit_code
                else 'Okänt ansvar'
            end as org_unit_name,
            case
                when levels.level_order = levels.top_order then null
                when levels.level_order = levels.top_order + 1 then roots.root_code
                else '(okänt)'
            end as parent_unit_code
        from {{ rows }}
        inner join roots
            on roots.fiscal_year = {{ rows }}.fiscal_year
            and roots.period = {{ rows }}.period
        cross join levels
        where not exists (
            select 1 from tree
            where tree.fiscal_year = {{ rows }}.fiscal_year
                and tree.period = {{ rows }}.period
                and tree.unit_code = {{ rows }}.org_unit_code
        )
    )

    select * from known
    union all
    select * from unknown
{% endmacro %}
