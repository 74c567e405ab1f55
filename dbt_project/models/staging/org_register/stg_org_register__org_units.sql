with source as (
    select * from {{ source('org_register', 'org_units') }}
)

select
    code as org_unit_code,
    name as org_unit_name,
    level as org_level,
    parent_code as parent_unit_code,
    coalesce(valid_from, date '1900-01-01') as valid_from,
    coalesce(valid_to, date '9999-12-31') as valid_to,
    activity_code
from source
