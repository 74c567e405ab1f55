-- The ledger's movements per fiscal year, month and account: every row, balance accounts
-- included. `is_internal`: a result-account row with an internal motpart (1-4), which the
-- kommun's resultaträkning eliminates (it nets to zero across the nämnder).
select
    fiscal_year,
    period_month as period,
    account,
    (
        ({{ is_result_account('account') }})
        and coalesce(counterpart_code in ('1', '2', '3', '4'), false)
    ) as is_internal,
    sum(amount) as amount
from {{ ref('stg_ledger__transactions') }}
group by 1, 2, 3, 4
