"""Per-area Dagster modules: ingest, transform, quality, reports."""

import warnings

import dagster as dg

# single-run backfills (BackfillPolicy) are beta in Dagster 1.13; we rely on them on purpose
warnings.filterwarnings("ignore", category=dg.BetaWarning)
