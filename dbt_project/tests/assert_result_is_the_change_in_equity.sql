{{ config(severity="warn", meta={"dagster": {"ref": {"name": "financial_statements"}}}) }}

-- Årets resultat is the change in eget kapital: the equity a year closes with (its opening
-- equity, its other equity movements and the resultaträkning's result) is the equity the
-- next year opens with. A warning, not an error: early in a year the files may still carry
-- last year's preliminary balances, before the year-end closing.
with closing as (
    select fiscal_year, amount
    from {{ ref('financial_statements') }}
    where line_code = 'br_equity_total' and period = 12
),

next_opening as (
    select openings.fiscal_year - 1 as fiscal_year, sum(openings.amount) as amount
    from {{ ref('int_account_balances_opened') }} as openings
    inner join {{ ref('financial_statement_accounts') }} as ranges
        on {{ account_number('openings.account') }}
        between ranges.account_from and ranges.account_to
    inner join {{ ref('financial_statement_lines') }} as statement_lines
        on statement_lines.line_code = ranges.line_code
    where statement_lines.section = 'br_equity'
    group by 1
)

select
    closing.fiscal_year, closing.amount as closing_equity,
    next_opening.amount as next_year_opening_equity
from closing
inner join next_opening on next_opening.fiscal_year = closing.fiscal_year
where closing.amount <> next_opening.amount
