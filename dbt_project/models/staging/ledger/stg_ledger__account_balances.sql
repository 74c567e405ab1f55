-- The accounts' year balances (#IB, #UB, #RES) as the latest delivered file states them: every
-- monthly export repeats them, and an early export of a year may still hold preliminary
-- opening balances (last year not yet closed), so per year and kind the file delivered last
-- wins. Ledger sign (debit +, credit −). first_period and last_period are the months the
-- fiscal year spans ('YYYY-MM', from #RAR); rows loaded before they were kept are taken as
-- a calendar year.
with source as (
    select * from {{ source('ledger', 'account_balances') }}
),

latest as (
    select fiscal_year, balance_kind, max(file_order) as file_order
    from source
    group by 1, 2
)

select
    source.fiscal_year,
    source.balance_kind,
    source.account,
    sum(source.amount) as amount,
    min(source.source_file) as source_file,
    coalesce(
        min(source.first_period),
        cast(source.fiscal_year as {{ dbt.type_string() }}) || '-01'
    ) as first_period,
    coalesce(
        min(source.last_period),
        cast(source.fiscal_year as {{ dbt.type_string() }}) || '-12'
    ) as last_period
from source
inner join latest
    on latest.fiscal_year = source.fiscal_year
    and latest.balance_kind = source.balance_kind
    and latest.file_order = source.file_order
group by 1, 2, 3
