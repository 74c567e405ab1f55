-- The budget lines the follow-up compares with, result accounts only, categorised like the
-- ledger. Per fiscal year two versions count: the one in force (is_in_force: the delivered
-- version with the highest precedence in the seed budget_versions, reviderad over antagen),
-- which the follow-up compares with, and the one KF adopted (is_adopted: of the approved
-- versions, budget_phase, the one with the highest precedence delivered), which
-- budget_follow_up keeps beside it as antagen budget. One version can be both; the lines of
-- a version that is neither are left out.
with lines as (
    select
        budget_lines.*,
        versions.precedence,
        versions.budget_phase
    from {{ ref('stg_budget__budget_lines') }} as budget_lines
    inner join {{ ref('budget_versions') }} as versions
        on versions.budget_version = budget_lines.budget_version
    where {{ is_result_account('budget_lines.account') }}
),

in_force as (
    select fiscal_year, max(precedence) as precedence
    from lines
    group by 1
),

adopted as (
    select fiscal_year, max(precedence) as precedence
    from lines
    where budget_phase = 'approved'
    group by 1
),

categories as (
    select * from {{ ref('account_categories') }}
)

select
    lines.fiscal_year,
    lines.period_month as period,
    lines.budget_version,
    coalesce(lines.org_unit_code, '(saknas)') as org_unit_code,
    lines.account,
    lines.amount,
    {{ cost_category('lines.counterpart_code', 'categories.cost_category') }} as cost_category,
    in_force.precedence is not null as is_in_force,
    adopted.precedence is not null as is_adopted,
    lines.source_file,
    lines.source_line
from lines
left join in_force
    on in_force.fiscal_year = lines.fiscal_year
    and in_force.precedence = lines.precedence
left join adopted
    on adopted.fiscal_year = lines.fiscal_year
    and adopted.precedence = lines.precedence
left join categories
    on {{ account_number('lines.account') }}
    between categories.account_from and categories.account_to
where in_force.precedence is not null or adopted.precedence is not null
