{#- rebuilt by follow-up period (rebuild_window); on Spark, which has no delete+insert for
    plain Parquet tables, rebuilt whole -#}
{{
    config(
        materialized=('table' if target.type == 'spark' else 'incremental'),
        incremental_strategy='delete+insert',
        unique_key=['fiscal_year', 'period'],
    )
}}

-- Budget- och organisationsförändringar: why a nämnd's annual budget differs from the one it
-- had at the previous follow-up period (two months earlier). A booked unit that moved to
-- another nämnd between the two period ends takes its annual budget with it: one row for
-- the nämnd it came to (+), one for the nämnd it left (−). A change of a unit's annual budget
-- that stays in its nämnd is a budget revision (a new budget version or a decision). Amounts
-- in ledger sign (net cost +), as budget_follow_up.
with boards as (
    select
        fiscal_year,
        period,
        unit_code,
        ancestor_code as board_code,
        ancestor_name as board_name
    from {{ ref('int_org_units_flattened') }}
    where ancestor_level = 'nämnd'
),

unit_names as (
    select fiscal_year, period, unit_code, ancestor_name as unit_name
    from {{ ref('int_org_units_flattened') }}
    where depth = 0
),

budgets as (
    select fiscal_year, period, org_unit_code, sum(budget_annual) as budget_annual
    from {{ ref('int_unit_amounts_cumulated') }}
    group by 1, 2, 3
),

moves as (
    select org_unit_code, valid_from
    from {{ ref('stg_org_register__org_units') }}
),

pairs as (
    select
        cur.fiscal_year,
        cur.period,
        cur.org_unit_code,
        unit_names.unit_name as org_unit_name,
        cur.budget_annual,
        prev.budget_annual as budget_previous,
        now_in.board_code,
        now_in.board_name,
        before_in.board_code as board_code_before,
        before_in.board_name as board_name_before,
        (
            select min(moves.valid_from) from moves
            where moves.org_unit_code = cur.org_unit_code
                and moves.valid_from > periods_prev.period_end
                and moves.valid_from <= periods_cur.period_end
        ) as moved_on
    from budgets as cur
    inner join budgets as prev
        on prev.fiscal_year = cur.fiscal_year
        and prev.period = cur.period - 2
        and prev.org_unit_code = cur.org_unit_code
    inner join {{ ref('int_follow_up_periods') }} as periods_cur
        on periods_cur.fiscal_year = cur.fiscal_year and periods_cur.period = cur.period
    inner join {{ ref('int_follow_up_periods') }} as periods_prev
        on periods_prev.fiscal_year = prev.fiscal_year and periods_prev.period = prev.period
    left join boards as now_in
        on now_in.fiscal_year = cur.fiscal_year and now_in.period = cur.period
        and now_in.unit_code = cur.org_unit_code
    left join boards as before_in
        on before_in.fiscal_year = prev.fiscal_year and before_in.period = prev.period
        and before_in.unit_code = prev.org_unit_code
    left join unit_names
        on unit_names.fiscal_year = cur.fiscal_year and unit_names.period = cur.period
        and unit_names.unit_code = cur.org_unit_code
),

changes as (
    select
        fiscal_year, period, board_code, board_name, 'moved_in' as change_kind,
        org_unit_code, org_unit_name, board_code_before as other_board_code,
        board_name_before as other_board_name, moved_on, budget_annual as amount
    from pairs
    where board_code <> board_code_before

    union all

    select
        fiscal_year, period, board_code_before, board_name_before, 'moved_out',
        org_unit_code, org_unit_name, board_code, board_name, moved_on,
        -budget_previous
    from pairs
    where board_code <> board_code_before

    union all

    select
        fiscal_year, period, board_code, board_name, 'revised',
        org_unit_code, org_unit_name, null, null, null,
        budget_annual - budget_previous
    from pairs
    where board_code = board_code_before and budget_annual <> budget_previous
)

select * from changes
where (amount <> 0 or change_kind <> 'revised')
{% if is_incremental() %}
    -- a run for some months rebuilds only those follow-up periods, as budget_follow_up
    and {{ rebuild_window(period_key('fiscal_year', 'period')) }}
{% endif %}
