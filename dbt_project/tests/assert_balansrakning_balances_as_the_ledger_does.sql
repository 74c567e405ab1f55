{{ config(meta={"dagster": {"ref": {"name": "financial_statements"}}}) }}

-- The balansräkning balances (summa tillgångar = summa eget kapital, avsättningar och
-- skulder) in every month, except by exactly what the delivered balances and vouchers fail
-- to balance by (opening balances that do not sum to zero, vouchers that do not balance:
-- kontering.voucher_balanced finds those). So no account falls outside the lines.
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

opening as (
    select fiscal_year, sum(amount) as amount
    from {{ ref('int_account_balances_opened') }}
    group by 1
),

sides as (
    select
        fiscal_year,
        period,
        (
            sum(case when line_code = 'br_assets_total' then amount else 0 end)
            + sum(case when line_code = 'br_equity_and_liabilities_total' then amount else 0 end)
        ) as difference
    from {{ ref('financial_statements') }}
    where statement = 'balansrakning'
    group by 1, 2
)

select sides.*, opening.amount + ledger_ytd.amount as unbalanced_input
from sides
inner join opening on opening.fiscal_year = sides.fiscal_year
inner join ledger_ytd
    on ledger_ytd.fiscal_year = sides.fiscal_year and ledger_ytd.period = sides.period
where sides.difference <> opening.amount + ledger_ytd.amount
