-- Complementary suppression: in a set of figures that add up (a unit's total with women and
-- men, or with the age groups; a parent with its units), one hidden figure alone could be
-- worked out from the others. Every set returned has exactly one hidden figure that could.
-- (An empty group is hidden from nobody; a hidden total whose groups are all empty gives
-- nothing away.)
with stats as (
    select * from {{ ref('staff_statistics') }}
),

cells as (
    {% for figure, size in [
        ('sick_leave_pct', 'headcount'),
        ('sick_leave_long_share_pct', 'headcount'),
        ('sick_leave_women_pct', 'headcount_women'),
        ('sick_leave_men_pct', 'headcount_men'),
        ('sick_leave_age_29_pct', 'headcount_age_29'),
        ('sick_leave_age_30_49_pct', 'headcount_age_30_49'),
        ('sick_leave_age_50_pct', 'headcount_age_50')] %}
    select
        fiscal_year, period, period_scope, level_order, org_unit_code, parent_unit_code,
        '{{ figure }}' as figure,
        {{ size }} > 0 and {{ figure }} is null as secret,
        {{ size }} > 0 and {{ figure }} is not null as shown
    from stats
    {% if not loop.last %}union all{% endif %}
    {% endfor %}
),

sets as (
    -- within a unit
    select
        totals.fiscal_year, totals.period, totals.period_scope, totals.org_unit_code,
        members.set_name,
        totals.secret as total_secret,
        count(*) filter (where parts.secret) as secret_parts,
        count(*) filter (where parts.shown) as shown_parts
    from cells as totals
    inner join (
        values
        ('kön', 'sick_leave_women_pct'), ('kön', 'sick_leave_men_pct'),
        ('ålder', 'sick_leave_age_29_pct'), ('ålder', 'sick_leave_age_30_49_pct'),
        ('ålder', 'sick_leave_age_50_pct')
    ) as members (set_name, figure)
        on totals.figure = 'sick_leave_pct'
    inner join cells as parts
        on parts.fiscal_year = totals.fiscal_year
        and parts.period = totals.period
        and parts.period_scope = totals.period_scope
        and parts.level_order = totals.level_order
        and parts.org_unit_code = totals.org_unit_code
        and parts.figure = members.figure
    group by 1, 2, 3, 4, 5, 6

    union all

    -- a parent and its units
    select
        parent.fiscal_year, parent.period, parent.period_scope, parent.org_unit_code,
        parent.figure as set_name,
        parent.secret as total_secret,
        count(*) filter (where child.secret) as secret_parts,
        count(*) filter (where child.shown) as shown_parts
    from cells as parent
    inner join cells as child
        on child.fiscal_year = parent.fiscal_year
        and child.period = parent.period
        and child.period_scope = parent.period_scope
        and child.level_order = parent.level_order + 1
        and child.parent_unit_code = parent.org_unit_code
        and child.figure = parent.figure
    group by 1, 2, 3, 4, 5, 6
)

select *
from sets
where cast(total_secret as integer) + secret_parts = 1
    and (secret_parts = 1 or shown_parts > 0)
