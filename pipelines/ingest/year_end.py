"""KF's decisions at year end that the balanskravsutredning needs and the ledger does not
hold (CSV or Excel, one row per decision; the format is in docs/source-files.md):

    År;Post;Belopp;Beslut
    2025;till_resultatutjamningsreserv;5000000;KF 2026-04-20 § 52

`Post` names the line of the balanskravsutredning the amount goes to; `Belopp` is in kronor
and without sign: the line gives the direction.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from pipelines.ingest.batch import Batch
from pipelines.ingest.tables import parse_decimal_amount, table_rows

# the decisions the law allows (kommunallagen 11 kap., LKBR 4 kap. 3 §) -> what they are called
DECISION_ITEMS = {
    "undantag_realisationsvinster": "Vissa realisationsvinster enligt undantagsmöjlighet",
    "undantag_realisationsforluster": "Vissa realisationsförluster enligt undantagsmöjlighet",
    "till_resultatutjamningsreserv": "Medel till resultatutjämningsreserv",
    "fran_resultatutjamningsreserv": "Medel från resultatutjämningsreserv",
}
DECISION_COLUMNS = {"fiscal_year": "År", "item": "Post", "amount": "Belopp",
                    "decision": "Beslut"}


def read_balance_requirement_decisions(path: Path, kind: str = "csv", delimiter: str = ";",
                                       encoding: str = "utf-8", decimal: str = ",",
                                       sheet: str | int = 0,
                                       columns: dict[str, str] | None = None) -> Batch:
    cols = {**DECISION_COLUMNS, **(columns or {})}
    batch = Batch()
    for line, rec in table_rows(path, kind, delimiter, encoding, sheet,
                                required=[cols[k] for k in ("fiscal_year", "item", "amount")]):
        batch.read += 1
        v = {k: (rec.get(h) or "").strip() for k, h in cols.items()}
        try:
            rec.check()
            if not v["fiscal_year"].isdigit() or len(v["fiscal_year"]) != 4:
                raise ValueError(f"året '{v['fiscal_year']}' är inte ÅÅÅÅ")
            item = v["item"].lower()
            if item not in DECISION_ITEMS:
                raise ValueError(f"posten '{v['item']}' är inte en av "
                                 + ", ".join(DECISION_ITEMS))
            try:
                ore = parse_decimal_amount(v["amount"], decimal)
            except ValueError as e:
                raise ValueError(f"beloppet: {e}") from None
            if ore < 0:
                raise ValueError(f"beloppet '{v['amount']}' ska anges utan minustecken; "
                                 "posten anger riktningen")
            batch.add({"fiscal_year": int(v["fiscal_year"]), "item": item,
                       "amount": Decimal(ore) / 100, "decision": v["decision"] or None,
                       "source_file": path.name, "source_line": line})
        except ValueError as e:
            batch.reject("balance_requirement_decisions", path.name, line, rec.raw[:500],
                         str(e))
    return batch
