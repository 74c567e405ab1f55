-- The budget KF adopted, per fiscal year: the lines of the approved version (the seed
-- budget_versions' budget_phase) with the highest precedence delivered, result accounts
-- only, categorised like the ledger. The follow-up compares with the version in force
-- (int_budget_lines_versioned); this one is kept beside it as antagen budget.
{{ budget_lines_of_one_version(phase='approved') }}
