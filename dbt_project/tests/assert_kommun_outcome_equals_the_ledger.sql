{{ config(meta={"dagster": {"ref": {"name": "budget_follow_up"}}}) }}

-- Avstämning: for every period, the kommun's net outcome year to date plus the eliminated
-- internal items equals the ledger's result-account rows (classes 3-8) of the raw load.
with ledger as (
    select
        cast(substr(period, 1, 4) as integer) as fiscal_year,
        cast(substr(period, 6, 2) as integer) as period,
        sum(amount) as amount
    from {{ source('ledger', 'ledger_transactions') }}
    where {{ is_result_account('account') }}
    group by 1, 2
),

ledger_ytd as (
    select
        fiscal_year, period,
        sum(amount) over (partition by fiscal_year order by period) as amount_ytd
    from ledger
),

second_level as (
    select org_level from {{ ref('org_levels') }}
    where level_order = (select min(level_order) + 1 from {{ ref('org_levels') }})
),

follow_up as (
    select fiscal_year, period, sum(outcome_ytd) as outcome_ytd
    from {{ ref('budget_follow_up') }}
    where cost_category = 'net' and org_level in (select org_level from second_level)
    group by 1, 2
)

select ledger_ytd.*, follow_up.outcome_ytd
from ledger_ytd
left join follow_up
    on follow_up.fiscal_year = ledger_ytd.fiscal_year
    and follow_up.period = ledger_ytd.period
where follow_up.outcome_ytd is null or follow_up.outcome_ytd <> ledger_ytd.amount_ytd
