-- The budget KF adopted, per fiscal year: the lines of the approved version (the seed
-- budget_versions' budget_phase) with the highest precedence delivered, result accounts
-- only, categorised like the ledger. The follow-up compares with the version in force
-- (int_budget_lines_versioned); this one is kept beside it as antagen budget.
with lines as (
    select
        lines.*,
        versions.precedence
    from {{ ref('stg_budget__budget_lines') }} as lines
    inner join {{ ref('budget_versions') }} as versions
        on versions.budget_version = lines.budget_version
    where {{ is_result_account('lines.account') }}
        and versions.budget_phase = 'approved'
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
