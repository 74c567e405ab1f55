"""What the PDF of a package says, section by section, as one JSON value for the Typst
template (reports/templates/package.typ). The PDF is the board's document (nämndhandling):
what the board reads and decides on, never the controller's working notes (the checks of
the goals' statuses, who has not yet commented: the workbook holds those). The variant
decides the sections: every period has sammanfattning, driftredovisning, avvikelser,
investeringar and personal; tertial, delår and årsredovisning add måluppföljning and the
balanskrav; the kommun total adds, at delår and year end, god ekonomisk hushållning and the
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
    wording,
)


def data_as_of(package: Package) -> str:
    """"Underlag per": the data cut-off the figures stand on (the tidplan's datauttag for
    the period), else the last day of the period's month: never the day a file was made."""
    if package.data_cutoff:
        return f"{package.data_cutoff.isoformat()} (datauttaget för {package.period_label})"
    last = dt.date(package.year + package.month // 12, package.month % 12 + 1, 1) \
        - dt.timedelta(days=1)
    return last.isoformat()


def cover_facts(package: Package, generated: dt.date) -> list[list[str]]:
    facts = [["Period", package.period_label],
             ["Organ", package.scope.name if not package.scope.is_kommun
              else "Kommunen som helhet"]]
    if package.meeting:
        facts.append(["Sammanträde", package.meeting.isoformat()])
    facts += [["Underlag per", data_as_of(package)],
              ["Status", "Publicerad" if package.published else "Utkast"]]
    missing = deviations.uncommented(package)
    if missing:  # named in the section Avvikelser, once
        facts.append(["Kommentarer saknas",
                      f"{len(missing)} {'enhet' if len(missing) == 1 else 'enheter'} har inte "
                      "kommenterat sina avvikelser (se Avvikelser)"])
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
                  statements.section(package), balance.year_end(package)]
    return [p for p in parts if p]


def document(package: Package, generated: dt.date) -> dict:
    return {"meta": meta(package, generated), "sections": sections(package)}


def as_json(package: Package, generated: dt.date) -> str:
    return json.dumps(document(package, generated), ensure_ascii=False, sort_keys=True)
