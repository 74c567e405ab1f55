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
-- overlapping exports: the latest file (by name) gives the value
qualify row_number() over (
    partition by kpi, municipality, year, gender
    order by source_file desc, source_line desc) = 1
