-- Each fiscal year's opening balance per balance account (classes 1-2), as at 1 January:
-- the year's #IB where the file's fiscal year starts in January, else the #UB of the year
-- before where that year ends in December (a SIE file of last year, or a file whose year -1
-- carries them). A kommun's fiscal year is the calendar year (LKBR 2:1). A broken fiscal
-- year (e.g. May-April) states no balance at 1 January, so it opens no year; a year without
-- an opening has no balansräkning (the package says so; the quality rule
-- leverans.balances_carried still compares the file's own year with its #UB). Ledger sign.
with balances as (
    select * from {{ ref('stg_ledger__account_balances') }}
    where not ({{ is_result_account('account') }})
),

opening as (
    select fiscal_year, account, amount, 'IB' as opened_from
    from balances
    where balance_kind = 'IB'
        and first_period = cast(fiscal_year as {{ dbt.type_string() }}) || '-01'
),

closing_before as (
    select fiscal_year + 1 as fiscal_year, account, amount, 'UB' as opened_from
    from balances
    where balance_kind = 'UB'
        and last_period = cast(fiscal_year as {{ dbt.type_string() }}) || '-12'
        and fiscal_year + 1 not in (select fiscal_year from opening)
)

select * from opening
union all
select * from closing_before
