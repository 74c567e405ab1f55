"""Investeringsredovisning: per project its annual budget, outcome, forecast and the
deviation the forecast gives against the budget. Investment expenditure reads positive."""

from __future__ import annotations

from pipelines.packages.content import Package
from pipelines.packages.figures import missing, rounded_to_total, whole
from pipelines.packages.sections import blocks, wording


def section(package: Package) -> dict:
    frame = package.investments
    if frame.empty:
        return blocks.section("Investeringar", [blocks.paragraphs(
            "Inga investeringsprojekt med budget eller utfall för perioden.")])
    year_end = package.is_year_end
    fields = ["budget_annual", "outcome_ytd"] + ([] if year_end else ["forecast_annual"])
    fields.append("deviation_annual")
    frame = frame.assign(deviation_annual=frame["budget_annual"].astype(float) - (
        frame["outcome_ytd"] if year_end else frame["forecast_annual"]).astype(float))
    headings = {"budget_annual": "Budget" if year_end else "Årsbudget",
                "outcome_ytd": wording.outcome(package), "forecast_annual": "Prognos helår",
                "deviation_annual": "Avvikelse" if year_end else "Prognosavvikelse"}
    printed = {}
    for f in fields:
        values = [0.0 if missing(v) else float(v) for v in frame[f]]
        printed[f] = rounded_to_total(values) + [rounded_to_total([sum(values)])[0]]
    rows = []
    for i, r in enumerate(frame.to_dict("records")):
        rows.append(blocks.row([f"{r['project_code']} {r['project_name']}",
                                str(r["org_unit_code"]),
                                *[whole(printed[f][i]) for f in fields]]))
    rows.append(blocks.row(["Summa investeringar", "",
                            *[whole(printed[f][-1]) for f in fields]], "total"))
    columns = [blocks.text_column("Projekt"), blocks.text_column("Ansvar", "1.5cm"),
               *[blocks.Column(headings[f], width="2cm") for f in fields]]
    note = ("Belopp i tkr, utgifter positiva. Avvikelse = budget − "
            + ("utfall" if year_end else "prognos") + ": + är lägre utgift än budget."
            + ("" if year_end else " Prognosen är utfallet hittills och resten av årets "
               "budget, om inte projektet lämnat en egen."))
    return blocks.section("Investeringar", [
        blocks.table(columns, rows, f"Investeringsredovisning, {package.period_label}", note)])
