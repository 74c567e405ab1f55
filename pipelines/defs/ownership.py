"""Who owns each asset, and what it holds of personal data: one place for the owners, kinds
and tags every area module puts on its assets (the Dagster UI filters by them).

Ekonomi (the kommun's finance office) owns the ledger, budget, goals, marts and packages;
HR owns the personnel data. HR's rows are about people: the personnummer is replaced by a
keyed pseudonym at extraction, and what is published is aggregated with small groups
suppressed, which the tag `personal_data` says on every asset that holds them.
"""

from __future__ import annotations

EKONOMI = "team:ekonomi"
HR = "team:hr"

PERSONAL_DATA = "personal_data"
PSEUDONYMISED = {PERSONAL_DATA: "pseudonymised"}  # one row per employee and month
AGGREGATED = {PERSONAL_DATA: "aggregated"}  # figures per unit, groups of ten or fewer hidden

# kinds (at most three an asset, Dagster's limit): what computes it and where it lands
INGEST_KINDS = {"python", "duckdb"}
QUALITY_KINDS = {"great_expectations", "pandas", "duckdb"}
