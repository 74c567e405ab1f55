-- Every account must fall in at most one range of the account_categories seed.
select a.account_from, a.account_to, b.account_from as other_from, b.account_to as other_to
from {{ ref('account_categories') }} as a
inner join {{ ref('account_categories') }} as b
    on b.account_from > a.account_from
    and b.account_from <= a.account_to
