"""Avvikelser: every deviation over the thresholds, in the tree's order, with the unit's
comment, cause (orsak), action (åtgärd) and who answers for it, in full. A unit that has not
commented is named once, in the section's introduction (and counted on the cover), not as a
placeholder in every row; the thresholds are printed, not referred to the workbook."""

from __future__ import annotations

import csv
from functools import cache
from pathlib import Path

from pipelines.packages.content import Package
from pipelines.packages.figures import ROUNDING_NOTE, board_value, tkr
from pipelines.packages.sections import blocks, wording

THRESHOLDS = Path(__file__).resolve().parents[3] / "dbt_project/seeds/deviation_thresholds.csv"


def _text(value) -> str:
    return value.strip() if isinstance(value, str) else ""


@cache
def thresholds_sentence(year_end: bool = False) -> str:
    """The thresholds of seeds/deviation_thresholds.csv (what marts.deviations flags) in
    words: 'enhet 100 tkr och 5 %, verksamhet 250 tkr och 3 % …'."""
    with THRESHOLDS.open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    levels = [f"{r['org_level']} {tkr(float(r['min_deviation_sek']))} tkr och "
              f"{float(r['min_deviation_share']) * 100:g} %".replace(".", ",") for r in rows]
    when = "för året" if year_end else "hittills i år eller i helårsprognosen"
    return (f"En avvikelse redovisas när den {when} är minst beloppsgränsen för enhetens nivå "
            "och minst andelen av dess budget: " + ", ".join(levels) + ".")


def uncommented(package: Package) -> list[str]:
    """The units with a deviation that carries no comment, cause or action: 'Förskola
    (1211)', once each, in the tree's order."""
    frame = package.deviations
    if frame.empty:
        return []
    names = [f"{r['org_unit_name']} ({r['org_unit_code']})" for r in frame.to_dict("records")
             if not any(_text(r.get(f)) for f in ("comment", "cause", "action"))]
    return list(dict.fromkeys(names))


def _row(package: Package, r: dict, year_end: bool) -> dict:
    # as every output names the row (packages.readings): a unit's net with the kommun's
    # financing is its netto efter finansiering, the kommun's its årets resultat
    name, sign = package.reading(0 if r["tree_position"] == 0 else 1, r["cost_category"],
                                 r["org_unit_code"])
    cells = [f"{r['org_unit_code']} {r['org_unit_name']}", name, tkr(r["deviation_ytd"])]
    if not year_end:  # the forecast as the board reads it; a deviation reads either way
        cells += [tkr(board_value(r["forecast_annual"], sign)), tkr(r["forecast_deviation"])]
    texts = [("Kommentar", _text(r.get("comment"))), ("Orsak", _text(r.get("cause"))),
             ("Åtgärd", _text(r.get("action"))), ("Ansvarig", _text(r.get("responsible")))]
    return blocks.commented_row(cells, [t for t in texts if t[1]])


def section(package: Package) -> dict:
    frame = package.deviations
    if frame.empty:
        return blocks.section("Avvikelser", [blocks.paragraphs(
            "Ingen enhet har en avvikelse över beloppsgränserna för perioden.",
            thresholds_sentence(package.is_year_end))])
    year_end = package.is_year_end
    columns = [blocks.text_column("Enhet"), blocks.text_column("Kostnadsslag", "4.3cm"),
               blocks.Column(wording.deviation_ytd(package), width="2cm")]
    if not year_end:
        columns += [blocks.Column("Prognos helår", width="2cm"),
                    blocks.Column("Prognosavvikelse", width="2.2cm")]
    rows = [_row(package, r, year_end) for r in frame.to_dict("records")]
    intro = [f"{len(rows)} avvikelser över beloppsgränserna, alla redovisade nedan i "
             "organisationens ordning. " + thresholds_sentence(year_end)]
    missing = uncommented(package)
    if missing:
        intro.append("Har inte kommenterat sina avvikelser: " + ", ".join(missing) + ".")
    return blocks.section("Avvikelser", [
        blocks.paragraphs(*intro),
        blocks.commented_table(columns, rows, f"Avvikelser, {package.period_label}",
                               f"{wording.convention(package)} {ROUNDING_NOTE}")])
