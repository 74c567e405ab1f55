"""The organisation register as a tree: one kommun at the top, every unit's parent one level
up while the unit is valid, no overlapping validity of one unit. Every level's roll-up
depends on it; the Dagster check org_tree_is_valid and `uppfoljning check` say what is wrong
with these messages, and on a broken tree the dbt models are not built (their assets show
as not run, not as failed) and `uppfoljning run` ends with the problems."""

from __future__ import annotations

import duckdb

from pipelines.domain import LEVELS
from pipelines.warehouse_tables import has_table


def org_tree_problems(rows: list[tuple]) -> list[str]:
    """Problems of an org register, in Swedish: (code, level, parent, valid_from, valid_to)
    rows."""
    rank = {level: i for i, level in enumerate(LEVELS)}
    by_code: dict[str, list[tuple]] = {}
    for r in rows:
        by_code.setdefault(r[0], []).append(r)
    problems = []
    roots = [r for r in rows if r[1] == LEVELS[0]]
    if len(roots) != 1:
        problems.append(f"{len(roots)} enheter på nivån {LEVELS[0]}, ska vara exakt en")
    for code, level, parent, valid_from, valid_to in rows:
        if level == LEVELS[0]:
            continue
        parents = [p for p in by_code.get(parent or "", [])
                   if p[3] <= (valid_to or p[3]) and (p[4] is None or valid_from is None
                                                      or p[4] >= valid_from)]
        if not parents:
            problems.append(f"{code}: överordnad enhet {parent or '(ingen)'} finns inte medan "
                            "enheten gäller")
        elif rank[parents[0][1]] != rank[level] - 1:
            problems.append(f"{code} ({level}): överordnad enhet {parent} är en "
                            f"{parents[0][1]}, ska vara en {LEVELS[rank[level] - 1]}")
    for code, versions in by_code.items():
        versions = sorted(versions, key=lambda r: r[3])
        for a, b in zip(versions, versions[1:], strict=False):
            if a[4] is None or a[4] >= b[3]:
                problems.append(f"{code}: giltighetsperioderna överlappar ({a[3]} och {b[3]})")
    return problems


def register_problems(con: duckdb.DuckDBPyConnection) -> list[str]:
    """The problems of the loaded register (raw.org_units); none where none is loaded."""
    if not has_table(con, "raw", "org_units"):
        return []
    return org_tree_problems(con.execute(
        "select code, level, parent_code, coalesce(valid_from, date '1900-01-01'), valid_to "
        "from raw.org_units").fetchall())
