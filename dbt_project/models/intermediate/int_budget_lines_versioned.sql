-- The budget the follow-up compares with: per fiscal year the version with the highest
-- precedence that was delivered (reviderad over antagen), result accounts only.
with lines as (
    select
        lines.*,
        versions.precedence
    from {{ ref('stg_budget__budget_lines') }} as lines
    inner join {{ ref('budget_versions') }} as versions
        on versions.budget_version = lines.budget_version
    where {{ is_result_account('lines.account') }}
),

chosen as (
    select fiscal_year, max(precedence) as precedence
    from lines
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
    {{ cost_category('lines.counterpart_code', 'categories.cost_category') }} as cost_category
from lines
inner join chosen
    on chosen.fiscal_year = lines.fiscal_year
    and chosen.precedence = lines.precedence
left join categories
    on {{ account_number('lines.account') }}
        between categories.account_from and categories.account_to
