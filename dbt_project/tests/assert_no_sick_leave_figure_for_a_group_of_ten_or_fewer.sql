-- The law (and every report below kommun level): no sick-leave figure for a group of at
-- most ten employees. Every row returned is a figure that should not be there.
select *
from {{ ref('staff_statistics') }}
where (headcount <= 10 and (sick_leave_pct is not null or sick_leave_long_share_pct is not null))
    or (headcount_women <= 10 and sick_leave_women_pct is not null)
    or (headcount_men <= 10 and sick_leave_men_pct is not null)
    or (headcount_age_29 <= 10 and sick_leave_age_29_pct is not null)
    or (headcount_age_30_49 <= 10 and sick_leave_age_30_49_pct is not null)
    or (headcount_age_50 <= 10 and sick_leave_age_50_pct is not null)
