-- Every account must fall in at most one line of the financial_statement_accounts seed.
select a.account_from, a.account_to, b.account_from as other_from, b.account_to as other_to
from {{ ref('financial_statement_accounts') }} as a
inner join {{ ref('financial_statement_accounts') }} as b
    on b.account_from > a.account_from
    and b.account_from <= a.account_to
