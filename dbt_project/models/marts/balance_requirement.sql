-- Balanskravsutredning per fiscal year with a complete December: årets resultat, less the
-- realisation gains, plus or minus unrealised gains and losses on securities (the accounts in
-- the seed balance_requirement_accounts) = årets resultat efter balanskravsjusteringar =
-- årets balanskravsresultat. Allocations to or from a resultatutjämningsreserv are a
-- decision of KF and are not in the ledger; they are not made here. Amounts in SEK with the
-- report's sign: a surplus is positive.
with ledger as (
    select * from {{ ref('int_ledger_transactions_categorised') }}
),

complete_years as (
    select distinct fiscal_year from ledger where period = 12
),

adjustments as (
    select
        ledger.fiscal_year,
        accounts.adjustment,
        -sum(ledger.amount) as amount  -- revenue (−) as a positive gain
    from ledger
    inner join {{ ref('balance_requirement_accounts') }} as accounts
        on {{ account_number('ledger.account') }}
            between accounts.account_from and accounts.account_to
    group by 1, 2
),

result as (
    select
        ledger.fiscal_year,
        -sum(ledger.amount) filter (where ledger.cost_category <> 'internal_items') as result
    from ledger
    inner join complete_years using (fiscal_year)
    group by 1
),

years as (
    select
        result.fiscal_year,
        result.result,
        coalesce(gains.amount, 0) as realisation_gains,
        coalesce(unrealised_gains.amount, 0) as unrealised_gains,
        coalesce(unrealised_losses.amount, 0) as unrealised_losses
    from result
    left join adjustments as gains
        on gains.fiscal_year = result.fiscal_year and gains.adjustment = 'realisation_gains'
    left join adjustments as unrealised_gains
        on unrealised_gains.fiscal_year = result.fiscal_year
        and unrealised_gains.adjustment = 'unrealised_gains'
    left join adjustments as unrealised_losses
        on unrealised_losses.fiscal_year = result.fiscal_year
        and unrealised_losses.adjustment = 'unrealised_losses'
),

lines as (
    select fiscal_year, 1 as line_order, 'result' as line, 'Årets resultat' as line_name,
        result as amount
    from years
    union all
    select fiscal_year, 2, 'realisation_gains', 'Avgår: samtliga realisationsvinster',
        -realisation_gains
    from years
    union all
    select fiscal_year, 3, 'unrealised_securities',
        'Justering för orealiserade vinster och förluster i värdepapper',
        -(unrealised_gains + unrealised_losses)
    from years
    union all
    select fiscal_year, 4, 'result_after_adjustments',
        'Årets resultat efter balanskravsjusteringar',
        result - realisation_gains - (unrealised_gains + unrealised_losses)
    from years
    union all
    select fiscal_year, 5, 'balance_requirement_result', 'Årets balanskravsresultat',
        result - realisation_gains - (unrealised_gains + unrealised_losses)
    from years
)

select
    fiscal_year,
    line_order,
    line,
    line_name,
    cast(round(amount, 2) as decimal(18, 2)) as amount
from lines
