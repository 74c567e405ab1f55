"""Avstämning: the marts against the ledger. Used by the blocking asset check on
budget_follow_up and by the packages' publication gate."""

from __future__ import annotations

ACCOUNT_DIFFERENCES = """
    with raw as (
        select period, account, sum(amount) as amount
        from raw.ledger_transactions group by 1, 2
    ),
    mart as (
        select period, account, sum(amount) as amount
        from marts.ledger_transactions group by 1, 2
    )
    select coalesce(raw.period, mart.period) as period, coalesce(raw.account, mart.account),
        coalesce(raw.amount, 0), coalesce(mart.amount, 0)
    from raw full outer join mart on mart.period = raw.period and mart.account = raw.account
    where coalesce(raw.amount, 0) <> coalesce(mart.amount, 0)
    order by 1, 2
"""
PERIOD_DIFFERENCES = """
    with ledger as (
        select cast(substr(period, 1, 4) as integer) as fiscal_year,
            cast(substr(period, 6, 2) as integer) as period, sum(amount) as amount
        from raw.ledger_transactions
        where try_cast(substr(account, 1, 4) as integer) between 3000 and 8999
        group by 1, 2
    ),
    ledger_ytd as (
        select fiscal_year, period,
            sum(amount) over (partition by fiscal_year order by period) as amount_ytd
        from ledger
    ),
    follow_up as (  -- the level below the kommun holds every unit, internal items included
        select fiscal_year, period, sum(outcome_ytd) as outcome_ytd
        from marts.budget_follow_up
        where cost_category = 'net' and level_order = 2
        group by 1, 2
    )
    select l.fiscal_year, l.period, l.amount_ytd, f.outcome_ytd
    from ledger_ytd l left join follow_up f using (fiscal_year, period)
    where f.outcome_ytd is null or f.outcome_ytd <> l.amount_ytd
    order by 1, 2
"""


def reconciliation_differences(con) -> list[str]:
    """Avstämning: what the marts show against what the ledger holds; empty when they agree."""
    out = [f"{period} konto {account}: huvudbok {raw} kr, marts {mart} kr"
           for period, account, raw, mart in con.execute(ACCOUNT_DIFFERENCES).fetchall()]
    out += [f"{year}-{period:02d} ackumulerat: huvudbok {ledger} kr, budget_follow_up "
            f"{follow_up} kr" for year, period, ledger, follow_up in
            con.execute(PERIOD_DIFFERENCES).fetchall()]
    return out
