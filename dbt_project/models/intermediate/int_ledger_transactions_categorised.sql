-- Result-account rows (classes 3-8) with their cost category. A row with an internal
-- motpart (1-4) is an internal item whatever its account.
with rows as (
    select * from {{ ref('stg_ledger__transactions') }}
    where {{ is_result_account('account') }}
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
    {{ cost_category('rows.counterpart_code', 'categories.cost_category') }} as cost_category,
    rows.source_file,
    rows.source_line
from rows
left join categories
    on {{ account_number('rows.account') }}
    between categories.account_from and categories.account_to
