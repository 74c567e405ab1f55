"""Publiceringsspärr: a board's package is not published while an error-level quality rule
fails for the board, while the marts do not reconcile with the ledger (which concerns
every board), or before the tidplan's last day for the units' comments on their deviations
has passed: the board's document carries the units' own words, so it is made when they have
had their time (until then the package is a draft, and its workbook is what goes out to the
units). The reasons are written on the draft and reported by the run."""

from __future__ import annotations

import datetime as dt

import duckdb
import pandas as pd

from pipelines.packages.content import Package
from pipelines.quality.reconciliation import reconciliation_differences
from pipelines.warehouse_tables import has_table

COMMENTS = "kommentarer"  # the blocker of a package whose units are still commenting
COMMENT_LEVELS = ("enhet", "verksamhet", "sektor")  # who comments on the deviations


def comments_due(con: duckdb.DuckDBPyConnection, period_key: str,
                 today: dt.date | None = None) -> dt.date | None:
    """The tidplan's last day for the units' comments on the period's deviations, while it
    has not passed (`today`, default the machine's day); None when it has, or when the
    tidplan gives none."""
    if not has_table(con, "raw", "comment_deadlines"):
        return None
    [(due,)] = con.execute(
        "select max(deadline) from raw.comment_deadlines where period = ? and level in "
        f"({', '.join('?' for _ in COMMENT_LEVELS)})", [period_key, *COMMENT_LEVELS]
    ).fetchall()
    return due if due is not None and due >= (today or dt.date.today()) else None


def blockers(con: duckdb.DuckDBPyConnection, package: Package,
             differences: list[str] | None = None, today: dt.date | None = None) -> list[str]:
    """Why the package may not be published; empty when it may. In Swedish: the run and the
    draft's front page show these lines. `differences`: the reconciliation's
    (reconciliation_differences), when the caller has run it once for the period's packages."""
    out = []
    issues = package.quality
    if not issues.empty:
        errors = issues[issues["severity"] == "error"]
        for rule, rows in errors.groupby("rule", sort=True):
            first = rows.iloc[0]
            where = (f"{first['file']} rad {int(first['line'])}"
                     if isinstance(first["file"], str) and pd.notna(first["line"])
                     else f"period {first['period']}")
            out.append(f"{rule}: {len(rows)} fel (första: {where})")
    if differences is None:
        differences = reconciliation_differences(con)
    differences = [d for d in differences
                   if d[:5] == f"{package.year}-" and d[:7] <= package.period_key]
    if differences:
        out.append(f"avstämning mot huvudboken: {len(differences)} skillnader "
                   f"(första: {differences[0]})")
    due = comments_due(con, package.period_key, today)
    if due is not None:
        out.append(f"{COMMENTS}: enheterna kommenterar sina avvikelser till och med "
                   f"{due.isoformat()} enligt tidplanen; nämndhandlingen görs när den dagen "
                   "har passerat")
    return out


def in_words(package: Package) -> list[str]:
    """The blockers as a board reads them: the rule in Swedish words instead of its id
    ("Kontot finns i kontoplanen – 3 fel (första: …)")."""
    issues = package.quality
    described = {}
    if not issues.empty and "description" in issues:
        described = {r: d for r, d in zip(issues["rule"], issues["description"], strict=True)
                     if isinstance(d, str) and d}
    out = []
    for line in package.blockers:
        rule, _, rest = line.partition(": ")
        words = described.get(rule)
        out.append(f"{words.rstrip('.')} – {rest}" if words and rest else line)
    return out
