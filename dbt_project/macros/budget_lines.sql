{#- The budget lines of one version per fiscal year: among the versions delivered (of
    `phase` only, when given: the seed budget_versions' budget_phase), the one with the
    highest precedence; result accounts only, categorised like the ledger.
    int_budget_lines_versioned (the version in force) and int_budget_lines_adopted (KF's
    antagen budget) are this one rule with and without a phase. -#}
{% macro budget_lines_of_one_version(phase=none) %}
with lines as (
    select
        lines.*,
        versions.precedence
    from {{ ref('stg_budget__budget_lines') }} as lines
    inner join {{ ref('budget_versions') }} as versions
        on versions.budget_version = lines.budget_version
    where {{ is_result_account('lines.account') }}
    {%- if phase is not none %}
        and versions.budget_phase = '{{ phase }}'
    {%- endif %}
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
{% endmacro %}
