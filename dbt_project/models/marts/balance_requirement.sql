-- Balanskravsutredning per fiscal year with a complete December, in the statutory lines:
--   årets resultat
--   − all realisation gains (the accounts in the seed balance_requirement_accounts)
--   + realisation gains and − losses excepted by KF (undantagsmöjlighet)
--   ∓ unrealised gains and losses on securities (accounts in the seed)
--   = årets resultat efter balanskravsjusteringar
--   − medel till and + medel från resultatutjämningsreserv (KF's decisions)
--   = årets balanskravsresultat.
-- KF's decisions come from the source year_end.balance_requirement_decisions; `decisions`
-- says which. Amounts in SEK with the report's sign: a surplus is positive.
with ledger as (
    select * from {{ ref('int_ledger_transactions_categorised') }}
),

decisions as (
    select * from {{ ref('stg_year_end__balance_requirement_decisions') }}
),

complete_years as (
    select distinct fiscal_year from ledger
    where period = 12
),

adjustments as (
    select
        ledger.fiscal_year,
        requirement_accounts.adjustment,
        -sum(ledger.amount) as amount  -- revenue (−) as a positive gain
    from ledger
    inner join {{ ref('balance_requirement_accounts') }} as requirement_accounts
        on {{ account_number('ledger.account') }}
        between requirement_accounts.account_from and requirement_accounts.account_to
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
        {{ item_amount('adjustments', 'adjustment', 'realisation_gains') }}
            as realisation_gains,
        {{ item_amount('adjustments', 'adjustment', 'unrealised_gains') }}
        + {{ item_amount('adjustments', 'adjustment', 'unrealised_losses') }} as unrealised,
        {{ item_amount('decisions', 'item', 'undantag_realisationsvinster') }} as excepted_gains,
        {{ item_amount('decisions', 'item', 'undantag_realisationsforluster') }}
            as excepted_losses,
        {{ item_amount('decisions', 'item', 'till_resultatutjamningsreserv') }} as to_reserve,
        {{ item_amount('decisions', 'item', 'fran_resultatutjamningsreserv') }} as from_reserve
    from result
    left join adjustments on adjustments.fiscal_year = result.fiscal_year
    left join decisions on decisions.fiscal_year = result.fiscal_year
    group by 1, 2
),

with_totals as (
    select
        *,
        result - realisation_gains + excepted_gains - excepted_losses - unrealised
            as after_adjustments
    from years
),

lines as (
    select
        fiscal_year, 1 as line_order, 'result' as line,
        'Årets resultat enligt resultaträkningen' as line_name, result as amount
    from with_totals
    union all
    select
        fiscal_year, 2, 'realisation_gains', 'Reducering av samtliga realisationsvinster',
        -realisation_gains
    from with_totals
    union all
    select
        fiscal_year, 3, 'excepted_realisation_gains',
        'Vissa realisationsvinster enligt undantagsmöjlighet', excepted_gains
    from with_totals
    union all
    select
        fiscal_year, 4, 'excepted_realisation_losses',
        'Vissa realisationsförluster enligt undantagsmöjlighet', -excepted_losses
    from with_totals
    union all
    select
        fiscal_year, 5, 'unrealised_securities',
        'Orealiserade vinster och förluster i värdepapper', -unrealised
    from with_totals
    union all
    select
        fiscal_year, 6, 'result_after_adjustments',
        'Årets resultat efter balanskravsjusteringar', after_adjustments
    from with_totals
    union all
    select fiscal_year, 7, 'to_reserve', 'Medel till resultatutjämningsreserv', -to_reserve
    from with_totals
    union all
    select fiscal_year, 8, 'from_reserve', 'Medel från resultatutjämningsreserv', from_reserve
    from with_totals
    union all
    select
        fiscal_year, 9, 'balance_requirement_result', 'Årets balanskravsresultat',
        after_adjustments - to_reserve + from_reserve
    from with_totals
),

line_items as (  -- the decision behind each line KF decides
    select l.line, l.item
    from (
        values
        ('excepted_realisation_gains', 'undantag_realisationsvinster'),
        ('excepted_realisation_losses', 'undantag_realisationsforluster'),
        ('to_reserve', 'till_resultatutjamningsreserv'),
        ('from_reserve', 'fran_resultatutjamningsreserv')
    ) as l (line, item)
)

select
    lines.fiscal_year,
    lines.line_order,
    lines.line,
    lines.line_name,
    cast(round(lines.amount, 2) as decimal(18, 2)) as amount,
    decisions.decisions
from lines
left join line_items using (line)
left join decisions
    on decisions.fiscal_year = lines.fiscal_year and decisions.item = line_items.item
