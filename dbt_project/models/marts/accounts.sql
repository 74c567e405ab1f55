-- Kontoplanen: every account with its type, booking rules and cost category.
with accounts as (
    select * from {{ ref('stg_chart__accounts') }}
)

select
    accounts.account,
    accounts.account_name,
    accounts.account_type,
    {{ is_result_account('accounts.account') }}
        as is_result_account,
    categories.cost_category,
    categories.cost_category_name,
    accounts.is_summary,
    accounts.is_blocked,
    accounts.requires_project,
    accounts.requires_counterpart
from accounts
left join {{ ref('account_categories') }} as categories
    on {{ account_number('accounts.account') }}
    between categories.account_from and categories.account_to
