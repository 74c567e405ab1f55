-- The budget lines the follow-up compares with, result accounts only, categorised like the
-- ledger, each under the role its version has in the fiscal year (budget_role): 'in_force',
-- the delivered version with the highest precedence in the seed budget_versions (reviderad
-- over antagen), which the follow-up compares with; and 'adopted', of the approved versions
-- (budget_phase) the one with the highest precedence delivered, which budget_follow_up keeps
-- beside it as antagen budget. A version that is both comes twice, once per role; the lines
-- of a version that is neither are left out.
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

chosen as (
    select
        fiscal_year,
        max(precedence) as precedence,
        'in_force' as budget_role
    from lines
    group by 1

    union all

    select
        fiscal_year,
        max(precedence) as precedence,
        'adopted' as budget_role
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
    chosen.budget_role,
    lines.budget_version,
    coalesce(lines.org_unit_code, '(saknas)') as org_unit_code,
    lines.account,
    lines.amount,
    {{ cost_category('lines.counterpart_code', 'categories.cost_category') }} as cost_category,
    lines.source_file,
    lines.source_line
from lines
inner join chosen
    on chosen.fiscal_year = lines.fiscal_year
    and chosen.precedence = lines.precedence
left join categories
    on {{ account_number('lines.account') }}
    between categories.account_from and categories.account_to
