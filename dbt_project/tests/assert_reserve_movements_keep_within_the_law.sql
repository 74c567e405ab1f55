{{ config(severity='warn', meta={"dagster": {"ref": {"name": "balance_requirement"}}}) }}

-- Resultatutjämningsreserv (kommunallagen 11 kap. 14 §): KF may put into the reserve only
-- the part of årets resultat efter balanskravsjusteringar that exceeds 1 % of skatteintäkter
-- och generella statsbidrag (2 % when equity including pension obligations is negative; the
-- stricter rule is not checked here), and may use the reserve only to cover a deficit. A row
-- is a year whose decisions go beyond that: a warning to Ekonomi before the årsredovisning.
with lines as (
    select
        fiscal_year,
        max(amount) filter (where line = 'result_after_adjustments') as after_adjustments,
        -max(amount) filter (where line = 'to_reserve') as to_reserve,
        max(amount) filter (where line = 'from_reserve') as from_reserve
    from {{ ref('balance_requirement') }}
    group by 1
),

taxes as (
    select fiscal_year, -sum(amount) as taxes_and_grants
    from {{ ref('int_ledger_transactions_categorised') }}
    where cost_category = 'taxes_and_grants'
    group by 1
)

select
    lines.*,
    greatest(lines.after_adjustments - 0.01 * taxes.taxes_and_grants, 0) as most_to_reserve,
    greatest(-lines.after_adjustments, 0) as most_from_reserve
from lines
inner join taxes using (fiscal_year)
where lines.to_reserve > greatest(lines.after_adjustments - 0.01 * taxes.taxes_and_grants, 0)
    or lines.from_reserve > greatest(-lines.after_adjustments, 0)
