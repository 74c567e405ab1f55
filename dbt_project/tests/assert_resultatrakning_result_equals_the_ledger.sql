{{ config(meta={"dagster": {"ref": {"name": "financial_statements"}}}) }}

-- Avstämning: the resultaträkning's årets resultat, year to date in every month, equals the
-- ledger's result-account rows (classes 3-8) as loaded: no account is left out of its lines.
with ledger as (
    select
        cast(substr(period, 1, 4) as integer) as fiscal_year,
        cast(substr(period, 6, 2) as integer) as period,
        sum(case when {{ is_result_account('account') }} then amount else 0 end) as amount
    from {{ source('ledger', 'ledger_transactions') }}
    group by 1, 2  -- every month the ledger has: one with balance rows only still has an RR
),

ledger_ytd as (
    select
        fiscal_year, period,
        sum(amount) over (partition by fiscal_year order by period) as amount
    from ledger
),

statement as (
    select fiscal_year, period, amount
    from {{ ref('financial_statements') }}
    where line_code = 'rr_result'
)

select
    ledger_ytd.fiscal_year, ledger_ytd.period, ledger_ytd.amount as ledger_amount,
    statement.amount as statement_amount
from ledger_ytd
full outer join statement
    on statement.fiscal_year = ledger_ytd.fiscal_year and statement.period = ledger_ytd.period
where coalesce(ledger_ytd.amount, 0) <> coalesce(statement.amount, 0)
