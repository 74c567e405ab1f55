-- Every report of a goal's status and comment for a tertial, from wherever it came: the
-- goal-status files (CSV/Excel) and the Mål sheet of returned packages.
{%- set columns = 'goal_id, fiscal_year, period, status, comment, submitted_on, submitted_by, '
                 'source_file, source_line' %}
select {{ columns }}, 'fil' as reported_through
from {{ ref('stg_goals__goal_statuses') }}

union all

select {{ columns }}, 'paket' as reported_through
from {{ ref('stg_returns__goal_statuses') }}
