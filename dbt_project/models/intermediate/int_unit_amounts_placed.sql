-- Each unit's amounts placed under every ancestor it has at the period end. Amounts booked on
-- an ansvar that is not in the organisation (unknown or missing) get a branch of their own,
-- "Okänt ansvar", under the kommun, so that the kommun total still holds every ledger row.
with amounts as (
    select * from {{ ref('int_unit_amounts_cumulated') }}
),

tree as (
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
    inner join levels on levels.org_level = tree.unit_level and levels.level_order = levels.top_order
    where tree.depth = 0
),

known as (
    select
        amounts.*,
        tree.ancestor_level as org_level,
        tree.ancestor_code as org_unit_code_at_level,
        tree.ancestor_name as org_unit_name,
        tree.ancestor_parent_code as parent_unit_code
    from amounts
    inner join tree
        on tree.fiscal_year = amounts.fiscal_year
        and tree.period = amounts.period
        and tree.unit_code = amounts.org_unit_code
),

unknown as (
    select
        amounts.*,
        levels.org_level,
        case
            when levels.level_order = levels.top_order then roots.root_code
            when levels.level_order = levels.bottom_order then amounts.org_unit_code
            else '(okänt)'
        end as org_unit_code_at_level,
        case
            when levels.level_order = levels.top_order then roots.root_name
            when levels.level_order = levels.bottom_order
                then 'Okänt ansvar ' || amounts.org_unit_code
            else 'Okänt ansvar'
        end as org_unit_name,
        case
            when levels.level_order = levels.top_order then null
            when levels.level_order = levels.top_order + 1 then roots.root_code
            else '(okänt)'
        end as parent_unit_code
    from amounts
    inner join roots
        on roots.fiscal_year = amounts.fiscal_year
        and roots.period = amounts.period
    cross join levels
    where not exists (
        select 1 from tree
        where tree.fiscal_year = amounts.fiscal_year
            and tree.period = amounts.period
            and tree.unit_code = amounts.org_unit_code
    )
)

select * from known
union all
select * from unknown
