-- Each unit's amounts placed under every ancestor it has at the period end (see the macro
-- place_on_org_tree: unknown ansvar gets an "Okänt ansvar" branch under the kommun).
with amounts as (
    select * from {{ ref('int_unit_amounts_cumulated') }}
),

placed as (
    {{ place_on_org_tree('amounts') }}
)

select * from placed
