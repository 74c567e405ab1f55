"""Balanskravsutredning (the kommun): at year end for the year and the three before, from
marts.balance_requirement; at tertial and delår assessed from the forecast of årets resultat
(the realisation gains so far taken out), as the law asks of a delårsrapport."""

from __future__ import annotations

from pipelines.packages.content import Package
from pipelines.packages.figures import missing, mnkr
from pipelines.packages.sections import blocks


def year_end(package: Package) -> dict | None:
    frame = package.balance_requirement
    if frame.empty:
        return None
    years = list(range(package.year - 3, package.year + 1))
    columns = [blocks.text_column("Mnkr"), *[blocks.Column(str(y), width="1.7cm")
                                             for y in years]]
    rows = []
    for r in frame.to_dict("records"):
        style = "total" if r["line_name"].startswith("Årets balanskravsresultat") else "unit"
        rows.append(blocks.row([r["line_name"], *[
            "–" if y not in r or missing(r[y]) else mnkr(r[y]) for y in years]], style))
    absent = [str(y) for y in years if y not in frame.columns]
    decisions = package.balance_requirement_decisions
    out = [blocks.table(columns, rows, "Balanskravsutredning",
                        "Årets resultat + för överskott." + (
                            f" Uppgift saknas för {', '.join(absent)}: inget bokslut i lagret."
                            if absent else ""))]
    out.append(blocks.paragraphs(
        "Kommunfullmäktiges beslut: " + "; ".join(decisions) + "." if decisions else
        "Inga beslut om undantag eller om resultatutjämningsreserven för året."))
    return blocks.section("Balanskravsutredning", out)


def from_forecast(package: Package) -> dict | None:
    """Tertial and delår: the balanskrav assessed from the full-year forecast."""
    if not package.scope.is_kommun or package.is_year_end or not package.is_statutory:
        return None
    net = package.summary[package.summary["cost_category"] == "net"]
    if net.empty:
        return None
    result = -float(net.iloc[0]["forecast_annual"])
    gains = package.realisation_gains_ytd
    after = result - gains
    rows = [blocks.row(["Prognos för årets resultat", mnkr(result)]),
            blocks.row(["Avgår: realisationsvinster hittills i år", mnkr(-gains)]),
            blocks.row(["Prognos för årets balanskravsresultat", mnkr(after)], "total")]
    verdict = ("Prognosen innebär att balanskravet uppfylls för året." if after >= 0 else
               "Prognosen innebär att balanskravet inte uppfylls för året: ett negativt "
               "balanskravsresultat ska enligt lagen återställas inom tre år, och fullmäktige "
               "ska besluta om en plan för det.")
    return blocks.section("Balanskrav", [
        blocks.table([blocks.text_column("Mnkr"), blocks.Column("Prognos", width="2.2cm")],
                     rows, "Balanskravet bedömt utifrån helårsprognosen",
                     "Årets resultat + för överskott."),
        blocks.paragraphs(verdict)])
