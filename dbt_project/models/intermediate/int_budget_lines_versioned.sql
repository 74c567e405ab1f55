-- The budget the follow-up compares with: per fiscal year the version with the highest
-- precedence that was delivered (reviderad over antagen), result accounts only.
{{ budget_lines_of_one_version() }}
