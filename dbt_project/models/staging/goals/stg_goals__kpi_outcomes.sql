with source as (
    select * from {{ source('goals', 'kpi_outcomes') }}
)

select
    kpi as kolada_kpi,
    municipality as municipality_code,
    year as fiscal_year,
    gender,
    value,
    is_own_municipality
from source
