"""Sammanfattning: the result the way a board reads it, the scope's cost categories, the
largest deviations with the units' comments, and charts of budget against outcome per unit
below the scope and of the full-year forecast month by month."""

from __future__ import annotations

from pipelines.domain import UNKNOWN_UNIT
from pipelines.packages import charts, readings
from pipelines.packages.content import MONTHS_SV, Package
from pipelines.packages.figures import ROUNDING_NOTE
from pipelines.packages.layout import summary_parts
from pipelines.packages.sections import blocks, changes, operating, wording
from pipelines.packages.sections.operating import Line, round_lines


def _category_lines(package: Package, columns: list[str]) -> list[Line]:
    """The scope's top unit per cost category as the board reads it (packages.readings):
    the categories, their nettokostnad, and where the unit holds the kommun's financing,
    the financing on its own lines and the net after it (for the kommun årets resultat)."""
    records = package.summary.to_dict("records")
    if not records:
        return []
    top = records[0]["org_unit_code"]
    by = {r["cost_category"]: r for r in records}
    sums = ("net", readings.OPERATING_NET)
    financing = readings.FINANCING if readings.OPERATING_NET in by else ()

    def line(r: dict, style: str = "unit") -> Line:
        name, sign = package.reading(0, r["cost_category"], top)
        return Line(name, {c: float(r[c]) for c in columns}, sign=sign, style=style)

    lines = [line(r) for r in records if r["cost_category"] not in (*sums, *financing)]
    if readings.OPERATING_NET in by:
        lines.append(line(by[readings.OPERATING_NET], "sum"))
        lines += [line(by[c]) for c in financing if c in by]
    if "net" in by:
        lines.append(line(by["net"], "total"))
    round_lines(lines, columns)
    return lines


def _table(package: Package) -> dict:
    year_end = package.is_year_end
    columns = (["outcome_ytd", "budget_ytd", "deviation_ytd"] if year_end else
               ["outcome_ytd", "budget_ytd", "deviation_ytd", "budget_annual",
                "forecast_annual", "forecast_deviation"])
    headings = {"outcome_ytd": wording.outcome(package), "budget_ytd":
                wording.budget_ytd(package), "deviation_ytd": wording.deviation_ytd(package),
                "budget_annual": "Årsbudget", "forecast_annual": "Prognos helår",
                "forecast_deviation": "Avvikelse prognos"}
    rows = [blocks.row([line.label, *[operating.printed(line, c) for c in columns]],
                       line.style) for line in _category_lines(package, columns)]
    return blocks.table([blocks.text_column("Tkr"),
                         *[blocks.Column(headings[c], width="1.9cm") for c in columns]],
                        rows, f"{package.scope.name} per kostnadsslag, {package.period_label}",
                        f"{wording.convention(package)} {ROUNDING_NOTE}")


def _bars(package: Package) -> dict | None:
    units = [(name, values) for code, name, values in operating.boards_operating(package)
             if code != UNKNOWN_UNIT]
    if not units:
        return None
    sub = package.follow_up[package.follow_up["depth"] == 1]
    level = str(sub.iloc[0]["org_level_name"]).lower()
    period = str(package.year) if package.is_year_end else wording.months(package)
    what = "verksamhetens nettokostnad" if package.scope.is_kommun else "nettokostnad"
    return blocks.chart(charts.bars_against_budget(
        [name for name, _ in units], [v["outcome_ytd"] / 1e6 for _, v in units],
        [v["budget_ytd"] / 1e6 for _, v in units],
        f"Utfall mot budget per {level}, {period}", what))


def _trend(package: Package) -> dict | None:
    trend = package.trend
    if package.is_year_end or len(trend) < 2:
        return None
    months = [MONTHS_SV[p - 1][:3] for p in trend["period"]]
    deviations = [(float(b) - float(f)) / 1e6 for b, f in
                  zip(trend["budget_annual"], trend["forecast_annual"], strict=True)]
    top = package.summary["org_unit_code"].iloc[0] if not package.summary.empty else None
    what = package.reading(0, "net", top)[0].lower()  # the net, as the tables name it
    return blocks.chart(charts.forecast_trend(
        months, deviations, f"Prognosavvikelse för helåret efter varje månads bokslut, {what}"))


def corrected(package: Package) -> str:
    """What was wrong in the year's data and has been put right, and whether any error is
    still open in what the document shows."""
    text = ("Kontrollerna av underlaget hittade fel som har rättats: "
            + "; ".join(package.corrections) + ".")
    open_errors = (not package.quality.empty
                   and bool((package.quality["severity"] == "error").any()))
    return text + ("" if open_errors else " Inga kända fel återstår i underlaget.")


def section(package: Package) -> dict:
    paragraphs, largest = summary_parts(package)
    out = [blocks.paragraphs(*paragraphs), _table(package)]
    if largest:
        out += [blocks.subheading("Största avvikelser"), blocks.bullets(largest)]
    told = changes.sentences(package)
    if told:
        out += [blocks.subheading("Budget- och organisationsförändringar"),
                blocks.paragraphs("Sedan föregående uppföljning har årsbudgeten ändrats:"),
                blocks.bullets(told)]
    if package.corrections:
        out += [blocks.subheading("Underlagets kvalitet"),
                blocks.paragraphs(corrected(package))]
    out += [_bars(package), _trend(package)]
    return blocks.section("Sammanfattning", out)
