-- The budget lines the follow-up compares with, result accounts only, per fiscal year:
-- the version in force (the highest precedence delivered: reviderad over antagen) is
-- followed up; the budget KF adopted (the approved version with the highest precedence) is
-- kept beside it for what the open data and the boards show as antagen budget.
with lines as (
    select
        lines.*,
        versions.precedence,
        versions.budget_phase
    from {{ ref('stg_budget__budget_lines') }} as lines
    inner join {{ ref('budget_versions') }} as versions
        on versions.budget_version = lines.budget_version
    where {{ is_result_account('lines.account') }}
),

followed as (
    select fiscal_year, max(precedence) as precedence
    from lines
    group by fiscal_year
),

adopted as (
    select fiscal_year, max(precedence) as precedence
    from lines
    where budget_phase = 'approved'
    group by fiscal_year
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
    followed.precedence is not null as is_followed,
    adopted.precedence is not null as is_adopted
from lines
left join followed
    on followed.fiscal_year = lines.fiscal_year
    and followed.precedence = lines.precedence
left join adopted
    on adopted.fiscal_year = lines.fiscal_year
    and adopted.precedence = lines.precedence
left join categories
    on {{ account_number('lines.account') }}
        between categories.account_from and categories.account_to
where followed.precedence is not null or adopted.precedence is not null
