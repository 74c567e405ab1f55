with source as (
    select * from {{ source('year_end', 'balance_requirement_decisions') }}
)

select
    fiscal_year,
    item,
    sum(amount) as amount,
    {{ ordered_listagg('decision', "'; '", ['source_file', 'source_line']) }} as decisions
from source
group by 1, 2
