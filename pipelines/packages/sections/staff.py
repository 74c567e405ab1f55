"""Personal: headcount, årsarbetare, personnel cost, overtime and mertid, sick leave per unit,
and at tertial, delår and year end the law's sick-leave table (LKBR 11 kap. 11 §): sick leave
as % of ordinary working time in total, for women and men and three age groups, and the share
of the sick leave that is from spells of 60 days or more. A figure the marts suppressed
(a group of ten or fewer, one that with the others shown would let a small group be worked
out, or traceable to a person) is printed as the suppression mark: the section shows the
mart's figures only, so what the mart guarantees holds here too."""

from __future__ import annotations

from pipelines.packages import charts
from pipelines.packages.content import Package
from pipelines.packages.figures import count_phrase, decimal, missing, tkr, whole
from pipelines.packages.layout import layout
from pipelines.packages.sections import blocks, wording

WORKING_TIME = [  # % of ordinary working time
    ("sick_leave_pct", "Total sjukfrånvaro"),
    ("sick_leave_women_pct", "Kvinnor"),
    ("sick_leave_men_pct", "Män"),
    ("sick_leave_age_29_pct", "29 år och yngre"),
    ("sick_leave_age_30_49_pct", "30–49 år"),
    ("sick_leave_age_50_pct", "50 år och äldre"),
]
LONG_SHARE = ("sick_leave_long_share_pct",
              "Andel av sjukfrånvaron som avser sammanhängande sjukfrånvaro 60 dagar eller mer")


def _pct(row: dict, field: str) -> str:
    if isinstance(row.get(f"{field}_suppression"), str) or missing(row.get(field)):
        return layout()["suppressed_mark"]
    return decimal(row[field])


def _statutory(package: Package, top: dict) -> list[dict]:
    years = [package.year] + [y for y in sorted(package.staff_history, reverse=True)
                              if y != package.year]
    rows_by_year = {package.year: top, **package.staff_history}
    columns = [blocks.text_column("Procent"), *[blocks.Column(str(y), width="1.6cm")
                                                for y in years]]
    period = wording.months(package) if not package.is_year_end else "helår"
    rows = [blocks.row([label, *[_pct(rows_by_year[y], f) for y in years]])
            for f, label in WORKING_TIME]
    long_rows = [blocks.row([LONG_SHARE[1], *[_pct(rows_by_year[y], LONG_SHARE[0])
                                              for y in years]])]
    caption = f"Sjukfrånvaro {period} enligt lagen om kommunal bokföring och redovisning"
    note = ("Samma period föregående år jämförs där uppgift finns. "
            + layout()["suppressed_note"])
    return [
        blocks.table(columns, rows, caption + " (% av ordinarie arbetstid)"),
        blocks.table(columns, long_rows, "Långtidssjukfrånvaro (% av sjukfrånvaron)", note),
    ]


def section(package: Package) -> dict:
    staff = package.staff
    if staff.empty:
        return blocks.section("Personal", [blocks.paragraphs(
            "Ingen personalstatistik för perioden: personalsystemets export saknas.")])
    top = staff.iloc[0].to_dict()
    period = str(package.year) if package.is_year_end else wording.months(package)
    facts = [
        ("Antal anställda", whole(int(top["headcount"]))),
        ("Årsarbetare", decimal(top["fte"])),
        (f"Personalkostnad {period}", f"{tkr(top['personnel_cost_outcome'])} tkr "
         f"(budget {tkr(top['personnel_cost_budget'])} tkr, avvikelse "
         f"{tkr(top['personnel_cost_deviation'])} tkr)"),
        (f"Övertid {period}", f"{whole(round(float(top['overtime_hours'] or 0)))} timmar"),
        (f"Mertid {period}", f"{whole(round(float(top['additional_hours'] or 0)))} timmar"),
    ]
    out = [blocks.facts(facts)]
    level = staff["level_order"].min() + 1
    sub = staff[staff["level_order"] == level]
    shown = sub[sub["sick_leave_pct"].notna()]
    level_name = str(package.level_names.get(int(level), "enhet")).lower()
    if not shown.empty:
        out.append(blocks.chart(charts.sick_leave(
            list(shown["org_unit_name"]), [float(v) for v in shown["sick_leave_pct"]],
            f"Sjukfrånvaro {period} per {level_name}, % av ordinarie arbetstid")))
    hidden = len(sub) - len(shown)
    if hidden:
        out.append(blocks.note(
            f"{count_phrase(hidden, level_name, _plural(level_name))} redovisas inte: gruppen "
            "har högst tio anställda eller uppgiften skulle kunna härledas."))
    if package.is_statutory:
        out += _statutory(package, top)
    out.append(blocks.paragraphs(
        "Övertid och mertid i timmar ur personalsystemet; personalkostnad ur bokföringen."))
    return blocks.section("Personal", out)


def _plural(level_name: str) -> str:
    return {"nämnd": "nämnder", "sektor": "sektorer", "verksamhet": "verksamheter",
            "enhet": "enheter"}.get(level_name, level_name)

