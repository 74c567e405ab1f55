{{ config(meta={"dagster": {"ref": {"name": "financial_statements"}}}) }}

-- The kassaflödesanalys ends in the balansräkning's kassa och bank in every month: likvida
-- medel vid årets början plus the flows of the three activities, except by exactly what the
-- vouchers fail to balance by.
with ledger as (
    select
        cast(substr(period, 1, 4) as integer) as fiscal_year,
        cast(substr(period, 6, 2) as integer) as period,
        sum(amount) as amount
    from {{ source('ledger', 'ledger_transactions') }}
    group by 1, 2
),

ledger_ytd as (
    select
        fiscal_year, period,
        sum(amount) over (partition by fiscal_year order by period) as amount
    from ledger
),

cash as (
    select
        fiscal_year,
        period,
        sum(case when line_code = 'kf_cash_closing' then amount else 0 end) as cash_flow_closing,
        sum(case when line_code = 'br_cash' then amount else 0 end) as balance_sheet_cash
    from {{ ref('financial_statements') }}
    where line_code in ('kf_cash_closing', 'br_cash')
    group by 1, 2
)

select cash.*, ledger_ytd.amount as unbalanced_vouchers
from cash
inner join ledger_ytd
    on ledger_ytd.fiscal_year = cash.fiscal_year and ledger_ytd.period = cash.period
where cash.cash_flow_closing <> cash.balance_sheet_cash - ledger_ytd.amount
