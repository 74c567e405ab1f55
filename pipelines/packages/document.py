"""What the PDF of a package says, section by section, as one JSON value for the Typst
template (reports/templates/package.typ). The variant decides the sections: every period
has sammanfattning, driftredovisning, avvikelser, investeringar and personal; tertial, delår
and årsredovisning add måluppföljning and the balanskrav; the kommun total adds the
bevakning of the tidplan, and at delår and year end god ekonomisk hushållning and the
financial statements (resultaträkning, balansräkning; kassaflödesanalys at year end)."""

from __future__ import annotations

import datetime as dt
import json

from pipelines.packages import gate
from pipelines.packages.content import Package
from pipelines.packages.sections import (
    balance,
    deviations,
    goals,
    investments,
    operating,
    staff,
    statements,
    summary,
    tracking,
    wording,
)


def cover_facts(package: Package, generated: dt.date) -> list[list[str]]:
    facts = [["Period", package.period_label],
             ["Organ", package.scope.name if not package.scope.is_kommun
              else "Kommunen som helhet"]]
    if package.data_cutoff:
        facts.append(["Brytdatum", f"bokföringen till och med {package.data_cutoff.isoformat()}"])
    if package.meeting:
        facts.append(["Sammanträde", package.meeting.isoformat()])
    facts += [["Diarienummer", "_______________________"],
              ["Underlag per", generated.isoformat()],
              ["Status", "Publicerad" if package.published else "Utkast"]]
    return facts


def meta(package: Package, generated: dt.date) -> dict:
    return {
        "municipality": package.municipality, "scope_name": package.scope.name,
        "title": package.title, "period_label": package.period_label,
        "document_title": f"{package.title} – {package.scope.name}",
        "keywords": ["uppföljning", package.kind, package.period_key],
        "generated": [generated.year, generated.month, generated.day],
        "published": package.published, "blockers": gate.in_words(package),
        "cover_facts": cover_facts(package, generated), "diarienummer": "",
        "convention": wording.convention(package),
    }


def sections(package: Package) -> list[dict]:
    parts = [summary.section(package), operating.section(package),
             deviations.section(package), investments.section(package),
             staff.section(package)]
    if package.is_statutory:
        parts.append(goals.section(package))
    if package.scope.is_kommun:
        parts += [statements.good_management(package), balance.from_forecast(package),
                  statements.section(package), balance.year_end(package),
                  tracking.section(package)]
    return [p for p in parts if p]


def document(package: Package, generated: dt.date) -> dict:
    return {"meta": meta(package, generated), "sections": sections(package)}


def as_json(package: Package, generated: dt.date) -> str:
    return json.dumps(document(package, generated), ensure_ascii=False, sort_keys=True)
