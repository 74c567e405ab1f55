with source as (
    select * from {{ source('ledger', 'ledger_transactions') }}
)

select
    period,
    cast(substr(period, 1, 4) as integer) as fiscal_year,
    cast(substr(period, 6, 2) as integer) as period_month,
    series,
    voucher_number,
    voucher_date,
    voucher_text,
    registration_date,
    row_number as voucher_row_number,
    account,
    ansvar as org_unit_code,
    project as project_code,
    activity_code,
    counterpart as counterpart_code,
    amount,
    transaction_date,
    transaction_text,
    row_kind,
    source_file,
    source_line
from source
