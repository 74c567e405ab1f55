-- Every unit of the organisation with its validity, for drill-down and joins.
select
    org_unit_code,
    org_unit_name,
    org_level,
    parent_unit_code,
    valid_from,
    valid_to,
    activity_code
from {{ ref('stg_org_register__org_units') }}
