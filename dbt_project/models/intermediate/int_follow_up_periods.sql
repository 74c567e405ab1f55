-- Every month (1-12) of every fiscal year that has ledger or budget data, with its last day.
-- A table on every engine: a few dozen rows that most models join, which as a view would
-- read the whole ledger again in each of them (and end chains of views under the marts).
{{ config(materialized='table') }}

with years as (
    select fiscal_year from {{ ref('stg_ledger__transactions') }}
    union
    select fiscal_year from {{ ref('stg_budget__budget_lines') }}
),

months as (
    select m.period
    from (values (1), (2), (3), (4), (5), (6), (7), (8), (9), (10), (11), (12)) as m (period)
)

select
    years.fiscal_year,
    months.period,
    cast({{ dbt.last_day(
        "cast(" ~ period_key('years.fiscal_year', 'months.period') ~ " || '-01' as date)",
        "month") }} as date) as period_end
from years
cross join months
