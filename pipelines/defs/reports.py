"""Reports area: what the pipeline hands to people.

`load_report` is the inläsningsrapport: per source, rows loaded and quarantined, and every
quarantined line with file, line and rule, so Ekonomi can correct the delivery.
"""

import dagster as dg
import pandas as pd

from pipelines.resources import WAREHOUSE_POOL, Settings, Warehouse

RAW_TABLES = {"org_register": "org_units", "accounts": "accounts",
              "ledger": "ledger_transactions", "budget": "budget_lines",
              "hr": "hr_employee_months"}
SOURCE_NAMES = {"org_register": "Organisationsregister", "accounts": "Kontoplan",
                "ledger": "Huvudbok", "budget": "Budget", "hr": "Personal"}

def load_summary(con) -> pd.DataFrame:
    rows = []
    for source, table in RAW_TABLES.items():
        loaded = con.execute(f"SELECT count(*) FROM raw.{table}").fetchone()[0]
        quarantined = con.execute("SELECT count(*) FROM raw.quarantine WHERE source = ?",
                                  [source]).fetchone()[0]
        rows.append({"Källa": SOURCE_NAMES[source], "Inlästa rader": loaded,
                     "Karantänsatta rader": quarantined, "Lästa rader": loaded + quarantined})
    return pd.DataFrame(rows)

@dg.asset(group_name="reports", pool=WAREHOUSE_POOL,
          deps=[dg.AssetKey(["raw", t]) for t in RAW_TABLES.values()],
          description="Inläsningsrapport: rows loaded and quarantined per source, with reasons.")
def load_report(settings: Settings, warehouse: Warehouse) -> dg.MaterializeResult:
    config = settings.load()
    with warehouse.connect(read_only=True) as con:
        summary = load_summary(con)
        quarantine = con.execute(
            "SELECT source, file, line, rule, raw, period FROM raw.quarantine "
            "ORDER BY source, file, line").df()
    quarantine["source"] = quarantine["source"].map(SOURCE_NAMES)
    quarantine.columns = ["Källa", "Fil", "Rad", "Regel", "Innehåll", "Period"]
    out = config.reports_path / "inlasningsrapport.xlsx"
    out.parent.mkdir(parents=True, exist_ok=True)
    with pd.ExcelWriter(out, engine="openpyxl") as xl:
        summary.to_excel(xl, sheet_name="Sammanfattning", index=False)
        quarantine.to_excel(xl, sheet_name="Karantän", index=False)
        for sheet in xl.book.worksheets:
            sheet.freeze_panes = "A2"
            for col in sheet.columns:
                width = max(len(str(c.value or "")) for c in col[:200])
                sheet.column_dimensions[col[0].column_letter].width = min(60, width + 2)
    return dg.MaterializeResult(metadata={"path": dg.MetadataValue.path(str(out)),
                                          "quarantined": int(len(quarantine))})

defs = dg.Definitions(assets=[load_report])
