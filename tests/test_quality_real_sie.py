"""The kontering and periodisering suites on the real SIE files of ../shared/data/sie.

They come from companies, not a kommun: their chart is a BAS chart read from #KONTO, and there
is no organisation register, so the rules that need one are skipped with a note."""

from pathlib import Path

import duckdb
import pytest

from pipelines.ingest import ledger, loaders
from pipelines.ingest.raw_tables import ensure_raw_schema, replacing
from pipelines.quality.run import GxRunner, run_suite
from pipelines.quality.suites import load_suites

SIE_DIR = Path(__file__).resolve().parents[2] / "shared" / "data" / "sie"
pytestmark = pytest.mark.skipif(not SIE_DIR.is_dir(), reason=f"{SIE_DIR} not found")
ALL_MONTHS = {f"{y}-{m:02d}" for y in range(1990, 2031) for m in range(1, 13)}
WITH_VOUCHERS = sorted(p.name for p in SIE_DIR.iterdir() if b"#VER" in p.read_bytes()) \
    if SIE_DIR.is_dir() else []


def run_on(name: str, runner=None):
    path = SIE_DIR / name
    con = duckdb.connect()
    ensure_raw_schema(con)
    rows = ledger.read_sie_ledger(path, None, ALL_MONTHS)
    periods = sorted(set(rows.frame()["period"])) if rows.rows else []
    with replacing(con, "ledger_transactions", "ledger", periods) as load:
        load.insert(rows.frame())
    with replacing(con, "accounts", "accounts") as load:
        load.insert(loaders.read_sie_chart(path, set()).frame())
    outcomes = [run_suite(con, suite, period, include_scans=False, runner=runner)
                for suite in load_suites() if suite.applies_to == "ledger" for period in periods]
    return outcomes


@pytest.mark.parametrize("name", WITH_VOUCHERS)
def test_suites_run_on_every_real_file(name):
    outcomes = run_on(name)
    assert outcomes
    notes = {r["rule"]: r["note"] for o in outcomes for r in o.results}
    assert notes["kontering.ansvar_valid"] == "hoppades över: inget organisationsregister inläst"
    has_chart = b"#KONTO" in (SIE_DIR / name).read_bytes()
    assert notes["kontering.account_exists"] == (
        "" if has_chart else "hoppades över: ingen kontoplan inläst")


def test_the_broken_balance_is_found_in_the_real_file():
    outcomes = run_on("jsisie__transaktioner_ovnbolag-bad-balance.se")
    unbalanced = [i for o in outcomes for i in o.issues
                  if i["rule"] == "kontering.voucher_balances"]
    assert [(i["series"], i["voucher_number"]) for i in unbalanced] == [("B", "1")]
    assert "differens -12771.00 kr" in unbalanced[0]["message_sv"]
    good = run_on("jsisie__transaktioner_ovnbolag.se")
    assert not [i for o in good for i in o.issues if i["rule"] == "kontering.voucher_balances"]


def test_a_month_validated_is_let_go_of():
    """GX's engine keeps every DataFrame it validates, and its context outlives the run: a
    large kommun's year would stay in memory month after month (docs/architecture.md)."""
    runner = GxRunner()
    outcomes = run_on("jsisie__transaktioner_ovnbolag.se", runner)
    assert sum(r["element_count"] or 0 for o in outcomes for r in o.results) > 0
    manager = runner.source.get_execution_engine().batch_manager
    assert manager.batch_data_cache == {} and not manager.batch_cache
