{#- A goal report's row as staging keeps it, whichever way it came (Ekonomi's file of goal
    statuses, or a unit's returned workbook): the period split into year and month. -#}
{% macro staged_goal_statuses(relation) %}
with source as (
    select * from {{ relation }}
)

select
    goal_id,
    cast(substr(period, 1, 4) as integer) as fiscal_year,
    cast(substr(period, 6, 2) as integer) as period,
    status,
    comment,
    submitted_on,
    submitted_by,
    source_file,
    source_line
from source
{% endmacro %}
