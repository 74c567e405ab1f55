-- int_org_units_flattened walks each unit's ancestors up to org_tree_depth levels. Every
-- row returned is a unit whose walk stopped below the top of the tree: a chain longer than
-- that, or a loop in the org register (a unit that is its own ancestor).
select *
from {{ ref('int_org_units_flattened') }}
where depth = {{ var('org_tree_depth', 12) }}
    and ancestor_parent_code is not null
