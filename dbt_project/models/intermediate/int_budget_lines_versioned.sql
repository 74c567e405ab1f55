-- The budget the follow-up compares with: per fiscal year the version with the highest
-- precedence that was delivered (reviderad over antagen), result accounts only.
with lines as (
    select
        lines.*,
        versions.precedence
    from {{ ref('stg_budget__budget_lines') }} as lines
    inner join {{ ref('budget_versions') }} as versions
        on versions.budget_version = lines.budget_version
    where {{ dbt.safe_cast('lines.account', api.Column.translate_type('integer')) }} between 3000 and 8999
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
    case
        when lines.counterpart_code in ('1', '2', '3', '4') then 'internal_items'
        else coalesce(categories.cost_category, 'other_costs')
    end as cost_category
from lines
inner join chosen
    on chosen.fiscal_year = lines.fiscal_year
    and chosen.precedence = lines.precedence
left join categories
    on {{ dbt.safe_cast('lines.account', api.Column.translate_type('integer')) }}
        between categories.account_from and categories.account_to
