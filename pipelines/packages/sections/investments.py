"""Investeringsredovisning: per project its annual budget, outcome, forecast and the
deviation the forecast gives against the budget. Investment expenditure reads positive."""

from __future__ import annotations

from pipelines.packages.content import Package
from pipelines.packages.figures import ROUNDING_NOTE, in_units, missing, whole
from pipelines.packages.sections import blocks, wording


def section(package: Package) -> dict:
    frame = package.investments
    if frame.empty:  # one sentence in the flow after the section before (sections.typ)
        who = "Kommunen" if package.scope.is_kommun else package.scope.name
        return blocks.section("Investeringar", [blocks.paragraphs(
            f"{who} har inga investeringsprojekt med budget eller utfall för "
            f"{package.period_label}.")])
    year_end = package.is_year_end
    fields = ["budget_annual", "outcome_ytd"] + ([] if year_end else ["forecast_annual"])
    fields.append("deviation_annual")
    frame = frame.assign(deviation_annual=frame["budget_annual"].astype(float) - (
        frame["outcome_ytd"] if year_end else frame["forecast_annual"]).astype(float))
    headings = {"budget_annual": "Budget" if year_end else "Årsbudget",
                "outcome_ytd": wording.outcome(package), "forecast_annual": "Prognos helår",
                "deviation_annual": "Avvikelse" if year_end else "Prognosavvikelse"}
    printed = {}  # each figure, and each column's exact sum, rounded once
    for f in fields:
        values = [0.0 if missing(v) else float(v) for v in frame[f]]
        printed[f] = [in_units(v) for v in values] + [in_units(sum(values))]
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
               "budget, om inte projektet lämnat en egen.") + " " + ROUNDING_NOTE)
    return blocks.section("Investeringar", [
        blocks.table(columns, rows, f"Investeringsredovisning, {package.period_label}", note)])
