-- Result-account rows (classes 3-8) with their cost category. A row with an internal
-- motpart (1-4) is an internal item whatever its account.
with rows as (
    select * from {{ ref('stg_ledger__transactions') }}
    where {{ dbt.safe_cast('account', api.Column.translate_type('integer')) }} between 3000 and 8999
),

categories as (
    select * from {{ ref('account_categories') }}
)

select
    rows.fiscal_year,
    rows.period_month as period,
    coalesce(rows.org_unit_code, '(saknas)') as org_unit_code,
    rows.account,
    rows.counterpart_code,
    rows.amount,
    case
        when rows.counterpart_code in ('1', '2', '3', '4') then 'internal_items'
        else coalesce(categories.cost_category, 'other_costs')
    end as cost_category
from rows
left join categories
    on {{ dbt.safe_cast('rows.account', api.Column.translate_type('integer')) }}
        between categories.account_from and categories.account_to
