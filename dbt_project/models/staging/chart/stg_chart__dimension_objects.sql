with source as (
    select * from {{ source('chart', 'dimension_objects') }}
)

select
    dimension,
    code as object_code,
    name as object_name
from source
