"""Avvikelser: every deviation over the thresholds, in the tree's order, with the unit's
comment, cause (orsak), action (åtgärd) and who answers for it, in full."""

from __future__ import annotations

from pipelines.packages.content import Package
from pipelines.packages.figures import tkr
from pipelines.packages.layout import layout
from pipelines.packages.sections import blocks, wording


def _text(value) -> str:
    return value.strip() if isinstance(value, str) else ""


def section(package: Package) -> dict:
    frame = package.deviations
    year_end = package.is_year_end
    columns = [blocks.text_column("Enhet"), blocks.text_column("Kostnadsslag", "4.3cm"),
               blocks.Column(wording.deviation_ytd(package), width="2cm")]
    if not year_end:
        columns += [blocks.Column("Prognos helår", width="2cm"),
                    blocks.Column("Prognosavvikelse", width="2.2cm")]
    rows = []
    uncommented = 0
    for r in frame.to_dict("records"):
        category = r["cost_category"]
        cells = [f"{r['org_unit_code']} {r['org_unit_name']}", package.board_name(category),
                 tkr(r["deviation_ytd"])]
        if not year_end:  # the forecast as the board reads it; a deviation reads either way
            cells += [tkr(float(r["forecast_annual"]) * package.board_sign(category)),
                      tkr(r["forecast_deviation"])]
        texts = [("Kommentar", _text(r.get("comment"))), ("Orsak", _text(r.get("cause"))),
                 ("Åtgärd", _text(r.get("action"))), ("Ansvarig", _text(r.get("responsible")))]
        if not any(t for _, t in texts):
            uncommented += 1
            texts = [("Kommentar", "ännu inte kommenterad av enheten")]
        rows.append(blocks.commented_row(cells, texts))
    if frame.empty:
        return blocks.section("Avvikelser", [blocks.paragraphs(
            "Ingen enhet har en avvikelse över beloppsgränserna för perioden.")])
    intro = (f"{len(rows)} avvikelser över beloppsgränserna, alla redovisade nedan i "
             "organisationens ordning."
             + (f" {uncommented} av dem är ännu inte kommenterade." if uncommented else ""))
    note = (wording.convention(package) + " Beloppsgränserna per nivå står i "
            f"arbetsbokens blad {layout()['sheets']['deviations']}.")
    return blocks.section("Avvikelser", [
        blocks.paragraphs(intro),
        blocks.commented_table(columns, rows, f"Avvikelser, {package.period_label}", note)])
