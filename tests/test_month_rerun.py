"""A corrected month run alone (issue 31, item 10).

On a copy of the demo: Ekonomi re-delivers July 2025 with one supplier invoice booked on
another unit (121108 → 111301) and 100 000 kr larger, its counter-row on leverantörsskulder
changed with it, so the voucher still balances. The controller runs that month alone,
`uppfoljning run --from 2025-07 --through 2025-07`. The run succeeds; the year to date of
July and of every later month is rebuilt (the kommun's and both units' outcome equal the
ledger's rows summed independently); the marts are what a build of every period gives; the
packages of the periods that read July are made again in the same run, the others left.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest
from sie_helpers import parse_sie

from pipelines.rebuild import mart_differences

pytestmark = pytest.mark.slow

MONTH = "2025-07"
DELIVERED = '#TRANS 6421 {1 "121108" 20 "407" 21 "84"} 2949.73\n#TRANS 2440 {} -2949.73\n'
CORRECTED = '#TRANS 6421 {1 "111301" 20 "811" 21 "84"} 102949.73\n#TRANS 2440 {} -102949.73\n'
UNITS = ("111301", "121108")  # the unit the cost moves to, and the one it leaves
INTERNAL = {"1", "2", "3", "4"}  # motpart (SIE object 21) of an internal item


@pytest.fixture(scope="module")
def rerun(demo_run, tmp_path_factory):
    """The demo copied, July corrected, and the one-month run from the command line."""
    work = tmp_path_factory.mktemp("month_rerun") / "kommun"
    shutil.copytree(demo_run.config.base_dir, work, ignore=shutil.ignore_patterns(".dagster"))
    july = work / "sources" / "ekonomi" / "2025" / f"huvudbok_{MONTH}.se"
    text = july.read_bytes().decode("cp437")
    assert text.count(DELIVERED) == 1
    july.write_bytes(text.replace(DELIVERED, CORRECTED).encode("cp437"))
    process = subprocess.run(
        [str(Path(sys.executable).with_name("uppfoljning")), "run", "--config",
         str(work / "uppfoljning.yaml"), "--from", MONTH, "--through", MONTH],
        capture_output=True, text=True, timeout=900)
    return work, process


def query(warehouse: Path, sql: str, params=()) -> list[tuple]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute(sql, list(params)).fetchall()


def ledger_ytd(sources: Path) -> dict[tuple[str, int], Decimal]:
    """Year to date per period of the ledger files' result-account rows (classes 3-8), read
    with the tests' own SIE reader: per ansvar, and for the kommun without internal items."""
    month: dict[tuple[str, int], Decimal] = {}
    for number in range(1, 13):
        for _, row in parse_sie(sources / f"huvudbok_2025-{number:02d}.se").trans():
            if not 3000 <= int(row.account) <= 8999:
                continue
            for who in (row.objects.get("1"),
                        "kommun" if row.objects.get("21") not in INTERNAL else None):
                if who is not None:
                    month[who, number] = month.get((who, number), Decimal(0)) + row.amount
    whos = {who for who, _ in month}
    return {(who, p): sum((month.get((who, n), Decimal(0)) for n in range(1, p + 1)),
                          Decimal(0)) for who in whos for p in range(1, 13)}


def test_the_month_alone_succeeds_and_rebuilds_the_rest_of_its_year(rerun, demo_run):
    work, process = rerun
    assert process.returncode == 0, process.stderr[-800:]
    assert "misslyckades" not in process.stderr
    warehouse = work / "warehouse" / "uppfoljning.duckdb"
    ledger = ledger_ytd(work / "sources" / "ekonomi" / "2025")
    sql = ("select org_unit_code, period, outcome_ytd from marts.budget_follow_up where "
           "fiscal_year = 2025 and cost_category = 'net' and ((org_level = 'enhet' and "
           "org_unit_code in (select unnest(?))) or org_level = 'kommun')")
    after = {(("kommun" if u not in UNITS else u), p): v
             for u, p, v in query(warehouse, sql, [list(UNITS)])}
    before = {(("kommun" if u not in UNITS else u), p): v
              for u, p, v in query(demo_run.warehouse, sql, [list(UNITS)])}
    assert len(after) == 3 * 12
    for key, outcome in sorted(after.items()):
        assert outcome == ledger[key], key
    # the correction itself: July on, 100 000 kr more for the kommun, the invoice moved
    moved = {"kommun": Decimal("100000.00"), "111301": Decimal("102949.73"),
             "121108": Decimal("-2949.73")}
    for (who, period), outcome in after.items():
        assert outcome - before[who, period] == (moved[who] if period >= 7 else 0), (who, period)


def test_the_marts_are_what_a_build_of_every_period_gives(rerun, tmp_path):
    """Every mart but the incremental ones is rebuilt whole by any build; the incremental
    ones (budget_follow_up, budget_changes) built anew from the same warehouse's rows must
    hold what the one-month run left."""
    work, _ = rerun
    warehouse = work / "warehouse" / "uppfoljning.duckdb"
    full = tmp_path / "full.duckdb"
    shutil.copyfile(warehouse, full)
    from pipelines.defs.transform import DBT_DIR, dbt_executable

    env = {k: v for k, v in os.environ.items() if not k.startswith("UPPFOLJNING_PERIOD_")}
    env.update(UPPFOLJNING_WAREHOUSE=str(full), UPPFOLJNING_DBT_TARGET="local")
    built = subprocess.run(
        [dbt_executable(), "--no-send-anonymous-usage-stats", "run", "--full-refresh",
         "--select", "config.materialized:incremental", "--project-dir", str(DBT_DIR),
         "--profiles-dir", str(DBT_DIR), "--target-path", str(tmp_path / "target"),
         "--log-path", str(tmp_path / "logs")],
        env=env, capture_output=True, text=True, timeout=600)
    assert built.returncode == 0, built.stdout[-800:]
    differences = mart_differences(warehouse, full)
    assert {"budget_follow_up", "budget_changes"} <= differences.keys()
    assert differences == dict.fromkeys(differences, (0, 0))


def test_the_periods_that_read_the_month_get_their_packages_again(rerun, demo_run):
    """The packages of 2025-08, -10 and -12 read July: the run makes them again, as the
    asset graph's re-delivery does (the job's packages decide: defs/reports.periods_due),
    so none is left on older figures; 2025-06 does not read July and stays as issued."""
    from pipelines.packages.staleness import stale_packages

    work, process = rerun
    with duckdb.connect(str(work / "warehouse" / "uppfoljning.duckdb"), read_only=True) as con:
        assert stale_packages(con) == []
        made = dict(con.execute("select period, max(issued_at) from reports.issued_packages "
                                "group by 1").fetchall())
    assert min(made["2025-08"], made["2025-10"], made["2025-12"]) > made["2025-06"]
    for period in ("2025-08", "2025-10", "2025-12"):
        assert f"Paket {period}: " in process.stdout
    assert "Paket 2025-06" not in process.stdout
    assert "bygger på äldre siffror" not in process.stdout
    kommun = "uppfoljning_2025-08_kommunen.pdf"  # a draft or published, in both
    [before] = (demo_run.reports / "paket" / "2025-08").rglob(kommun)
    after = work / before.relative_to(demo_run.reports.parent)
    assert after.read_bytes() != before.read_bytes()
    june = list((demo_run.reports / "paket" / "2025-06").rglob("*.pdf"))
    assert june
    for pdf in june:
        assert (work / pdf.relative_to(demo_run.reports.parent)).read_bytes() == \
            pdf.read_bytes()
