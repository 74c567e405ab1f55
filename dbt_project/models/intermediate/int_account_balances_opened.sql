-- Each fiscal year's opening balance per balance account (classes 1-2): the year's #IB where
-- a file states the year's opening balances, else the #UB of the year before (a SIE file of
-- last year, or a file whose year -1 carries them). A year without either has none: its
-- balansräkning cannot be drawn (the package says so). Ledger sign.
with balances as (
    select * from {{ ref('stg_ledger__account_balances') }}
    where not ({{ is_result_account('account') }})
),

opening as (
    select fiscal_year, account, amount, 'IB' as opened_from
    from balances
    where balance_kind = 'IB'
),

closing_before as (
    select fiscal_year + 1 as fiscal_year, account, amount, 'UB' as opened_from
    from balances
    where balance_kind = 'UB'
        and fiscal_year + 1 not in (select fiscal_year from opening)
)

select * from opening
union all
select * from closing_before
