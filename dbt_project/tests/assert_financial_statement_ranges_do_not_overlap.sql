-- Every account must fall in at most one line of the financial_statement_accounts seed.
select a.account_from, a.account_to, b.account_from as other_from, b.account_to as other_to
from {{ ref('financial_statement_accounts') }} a
join {{ ref('financial_statement_accounts') }} b
  on a.account_from < b.account_from
 and a.account_to >= b.account_from
