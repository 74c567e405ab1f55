-- Every ledger row with its voucher and source line: the drill-down behind every figure.
select
    fiscal_year,
    period,
    period_month,
    series,
    voucher_number,
    voucher_date,
    voucher_text,
    voucher_row_number,
    account,
    org_unit_code,
    project_code,
    activity_code,
    counterpart_code,
    amount,
    transaction_text,
    source_file,
    source_line
from {{ ref('stg_ledger__transactions') }}
