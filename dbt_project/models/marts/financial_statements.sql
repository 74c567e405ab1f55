-- Resultaträkning, balansräkning and kassaflödesanalys of the kommun per fiscal year and
-- month (year to date), in the lines of the seed financial_statement_lines; the seed
-- financial_statement_accounts maps account ranges to them (Kommun-Bas by default, a kommun
-- replaces it). Amounts in SEK: RR and BR in ledger sign (display_sign turns them into the
-- statements' reading), the kassaflödesanalys as the cash they bring (+ in, − out).
--   RR lines:  the year-to-date movements of their accounts; internal items (motpart 1-4) on
--              their own line, zero when eliminated.
--   BR lines:  opening balance (int_account_balances_opened) + year-to-date movements; årets
--              resultat is the RR's, so the BR balances whenever every voucher does.
--   KF lines:  årets resultat, depreciation added back, and the change of each BR line
--              turned into cash (an increase of an asset is cash out); investments in
--              fixed assets are their change plus the depreciation that reduced them.
--   Totals:    the sum of the sections their `sums_sections` names.
-- BR and KF only for years with opening balances.
with lines as (
    select * from {{ ref('financial_statement_lines') }}
),

ranges as (
    select * from {{ ref('financial_statement_accounts') }}
),

movements as (
    select * from {{ ref('int_account_movements_summed') }}
),

openings as (
    select * from {{ ref('int_account_balances_opened') }}
),

periods as (
    select distinct fiscal_year, period from movements
),

known_accounts as (
    select account from movements
    union
    select account from openings
),

account_lines as (
    select known_accounts.account, ranges.line_code
    from known_accounts
    inner join ranges
        on {{ account_number('known_accounts.account') }}
        between ranges.account_from and ranges.account_to
),

year_to_date as (
    select
        periods.fiscal_year,
        periods.period,
        case when movements.is_internal then 'rr_internal' else account_lines.line_code end
            as line_code,
        sum(movements.amount) as amount
    from periods
    inner join movements
        on movements.fiscal_year = periods.fiscal_year
        and movements.period <= periods.period
    inner join account_lines on account_lines.account = movements.account
    group by 1, 2, 3
),

opening_by_line as (
    select openings.fiscal_year, account_lines.line_code, sum(openings.amount) as amount
    from openings
    inner join account_lines on account_lines.account = openings.account
    group by 1, 2
),

opened_years as (
    select distinct fiscal_year from openings
),

grid as (
    select periods.fiscal_year, periods.period, lines.*
    from periods
    cross join lines
    where lines.statement = 'resultatrakning'
        or periods.fiscal_year in (select fiscal_year from opened_years)
),

result as (
    select grid.fiscal_year, grid.period, sum(year_to_date.amount) as amount
    from grid
    inner join year_to_date
        on year_to_date.fiscal_year = grid.fiscal_year
        and year_to_date.period = grid.period
        and year_to_date.line_code = grid.line_code
    where grid.statement = 'resultatrakning'
    group by 1, 2
),

depreciation as (
    select fiscal_year, period, amount
    from year_to_date
    where line_code = 'rr_depreciation'
),

balance_changes as (  -- each BR line's change since the opening, by its cash-flow line
    select grid.fiscal_year, grid.period, grid.cash_flow_line, sum(year_to_date.amount) as amount
    from grid
    inner join year_to_date
        on year_to_date.fiscal_year = grid.fiscal_year
        and year_to_date.period = grid.period
        and year_to_date.line_code = grid.line_code
    where grid.statement = 'balansrakning' and grid.cash_flow_line is not null
    group by 1, 2, 3
),

detail as (
    select
        grid.fiscal_year,
        grid.period,
        grid.line_code,
        case
            when grid.statement = 'resultatrakning' then coalesce(ytd.amount, 0)
            when grid.statement = 'balansrakning' and grid.line_kind = 'result'
                then coalesce(result.amount, 0)
            when grid.statement = 'balansrakning'
                then coalesce(opening.amount, 0) + coalesce(ytd.amount, 0)
            when grid.line_kind = 'result' then -coalesce(result.amount, 0)
            when grid.line_kind = 'depreciation' then coalesce(depreciation.amount, 0)
            when grid.line_kind = 'cash_opening' then coalesce(cash.amount, 0)
            when grid.line_code = 'kf_fixed_investments'
                then -coalesce(changes.amount, 0) - coalesce(depreciation.amount, 0)
            else -coalesce(changes.amount, 0)
        end as amount
    from grid
    left join year_to_date as ytd
        on ytd.fiscal_year = grid.fiscal_year
        and ytd.period = grid.period
        and ytd.line_code = grid.line_code
    left join opening_by_line as opening
        on opening.fiscal_year = grid.fiscal_year
        and opening.line_code = grid.line_code
    left join opening_by_line as cash
        on cash.fiscal_year = grid.fiscal_year
        and cash.line_code = 'br_cash'
    left join result
        on result.fiscal_year = grid.fiscal_year
        and result.period = grid.period
    left join depreciation
        on depreciation.fiscal_year = grid.fiscal_year
        and depreciation.period = grid.period
    left join balance_changes as changes
        on changes.fiscal_year = grid.fiscal_year
        and changes.period = grid.period
        and changes.cash_flow_line = grid.line_code
    where grid.line_kind <> 'total'
),

totals as (
    select grid.fiscal_year, grid.period, grid.line_code, coalesce(sum(detail.amount), 0) as amount
    from grid
    left join lines as part
        on part.statement = grid.statement
        and part.line_kind <> 'total'
        and grid.sums_sections like '%|' || part.section || '|%'
    left join detail
        on detail.fiscal_year = grid.fiscal_year
        and detail.period = grid.period
        and detail.line_code = part.line_code
    where grid.line_kind = 'total'
    group by 1, 2, 3
),

amounts as (
    select * from detail
    union all
    select * from totals
)

select
    grid.fiscal_year,
    grid.period,
    grid.statement,
    grid.line_code,
    grid.line_name,
    grid.line_kind,
    grid.section,
    grid.sort_order,
    grid.display_sign,
    cast(amounts.amount as decimal(18, 2)) as amount
from grid
inner join amounts
    on amounts.fiscal_year = grid.fiscal_year
    and amounts.period = grid.period
    and amounts.line_code = grid.line_code
