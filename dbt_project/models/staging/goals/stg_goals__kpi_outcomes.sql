with source as (
    select * from {{ source('goals', 'kpi_outcomes') }}
),

ranked as (
    -- overlapping exports: the latest file (by name) gives the value
    select
        *,
        row_number() over (
            partition by kpi, municipality, year, gender
            order by source_file desc, source_line desc
        ) as recency
    from source
)

select
    kpi as kolada_kpi,
    municipality as municipality_code,
    year as fiscal_year,
    gender,
    value,
    is_own_municipality
from ranked
where recency = 1
