"""Budget- och organisationsförändringar: why a nämnd's annual budget is not what it was at
the previous follow-up period (marts.budget_changes): units that moved between nämnder with
their budget, and budget revisions."""

from __future__ import annotations

import pandas as pd

from pipelines.packages.content import Package
from pipelines.packages.figures import missing, tkr


def _date(value) -> str:
    if missing(value):
        return ""
    return f" den {pd.Timestamp(value).date().isoformat()}"


def sentences(package: Package) -> list[str]:
    """One sentence per change, in Swedish; empty when nothing changed."""
    out = []
    for r in package.budget_changes.to_dict("records"):
        amount = tkr(abs(float(r["amount"])))
        unit = f"{r['org_unit_name'] or r['org_unit_code']} ({r['org_unit_code']})"
        board = "" if not package.scope.is_kommun else f"{r['board_name']}: "
        if r["change_kind"] == "moved_in":
            out.append(f"{board}{unit} flyttades{_date(r['moved_on'])} från "
                       f"{r['other_board_name']} och tog med sig en årsbudget på {amount} tkr.")
        elif r["change_kind"] == "moved_out":
            out.append(f"{board}{unit} flyttades{_date(r['moved_on'])} till "
                       f"{r['other_board_name']}; årsbudgeten minskar med {amount} tkr.")
        else:
            direction = "höjdes" if float(r["amount"]) > 0 else "sänktes"
            out.append(f"{board}Årsbudgeten för {unit} {direction} med {amount} tkr "
                       "(ny budgetversion eller beslut).")
    return out
