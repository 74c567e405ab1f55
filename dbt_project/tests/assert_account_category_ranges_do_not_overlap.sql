-- Every account must fall in at most one range of the account_categories seed.
select a.account_from, a.account_to, b.account_from as other_from, b.account_to as other_to
from {{ ref('account_categories') }} a
join {{ ref('account_categories') }} b
  on a.account_from < b.account_from
 and a.account_to >= b.account_from
