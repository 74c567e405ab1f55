with source as (
    select * from {{ source('goals', 'goals') }}
)

select
    fiscal_year,
    goal_id,
    goal_kind,
    parent_goal_id,
    board_code,
    strategic_area_id,
    name as goal_name,
    target_value,
    unit,
    direction,
    kolada_kpi,
    computation,
    responsible_unit as responsible_unit_code,
    sort_order
from source
