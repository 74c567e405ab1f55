-- Every report of a goal's status and comment for a tertial, from wherever it came: the
-- goal-status files (CSV/Excel) and the Mål sheet of returned packages.
select *, 'fil' as reported_through
from {{ ref('stg_goals__goal_statuses') }}

union all by name

select *, 'paket' as reported_through
from {{ ref('stg_returns__goal_statuses') }}
