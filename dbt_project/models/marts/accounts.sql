-- Kontoplanen: every account with its type, booking rules and cost category.
with accounts as (
    select * from {{ ref('stg_chart__accounts') }}
)

select
    accounts.account,
    accounts.account_name,
    accounts.account_type,
    {{ dbt.safe_cast('accounts.account', api.Column.translate_type('integer')) }} between 3000 and 8999
        as is_result_account,
    categories.cost_category,
    categories.cost_category_name,
    accounts.is_summary,
    accounts.is_blocked,
    accounts.requires_project,
    accounts.requires_counterpart
from accounts
left join {{ ref('account_categories') }} as categories
    on {{ dbt.safe_cast('accounts.account', api.Column.translate_type('integer')) }}
        between categories.account_from and categories.account_to
