"""Quality area: checks on the loaded data that must pass before anyone analyses it.

The organisation tree is checked here; the kontering, periodisering and HR suites of
expectations/ run as checks on the ledger and HR assets.
"""

import dagster as dg

from pipelines.defs.ingest import org_units
from pipelines.ingest.loaders import LEVELS
from pipelines.resources import WAREHOUSE_POOL, Warehouse


def org_tree_problems(rows: list[tuple]) -> list[str]:
    """Problems of an org register: (code, level, parent, valid_from, valid_to) rows."""
    rank = {level: i for i, level in enumerate(LEVELS)}
    by_code: dict[str, list[tuple]] = {}
    for r in rows:
        by_code.setdefault(r[0], []).append(r)
    problems = []
    roots = [r for r in rows if r[1] == LEVELS[0]]
    if len(roots) != 1:
        problems.append(f"{len(roots)} units at level {LEVELS[0]}, expected exactly one")
    for code, level, parent, valid_from, valid_to in rows:
        if level == LEVELS[0]:
            continue
        parents = [p for p in by_code.get(parent or "", [])
                   if p[3] <= (valid_to or p[3]) and (p[4] is None or valid_from is None
                                                      or p[4] >= valid_from)]
        if not parents:
            problems.append(f"{code}: parent {parent or '(none)'} does not exist while valid")
        elif rank[parents[0][1]] != rank[level] - 1:
            problems.append(f"{code} ({level}): parent {parent} is a {parents[0][1]}")
    for code, versions in by_code.items():
        versions = sorted(versions, key=lambda r: r[3])
        for a, b in zip(versions, versions[1:], strict=False):
            if a[4] is None or a[4] >= b[3]:
                problems.append(f"{code}: validity periods overlap ({a[3]} and {b[3]})")
    return problems

@dg.asset_check(asset=org_units, blocking=True, pool=WAREHOUSE_POOL,
                description="Organisationsträdet: one kommun, every parent exists one level "
                            "up while the unit is valid, no overlapping validity.")
def org_tree_is_valid(warehouse: Warehouse) -> dg.AssetCheckResult:
    with warehouse.connect(read_only=True) as con:
        rows = con.execute("SELECT code, level, parent_code, valid_from, valid_to "
                           "FROM raw.org_units").fetchall()
    problems = org_tree_problems(rows)
    return dg.AssetCheckResult(passed=not problems, metadata={
        "units": len(rows), "problems": len(problems), "first_problems": "\n".join(problems[:20])})

defs = dg.Definitions(asset_checks=[org_tree_is_valid])
