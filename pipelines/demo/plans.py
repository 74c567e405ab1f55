"""Goals (mål och styrtal) and the ekonomisk tidplan of Exempelkommun, as YAML files that
Verksamhetsstöd and Ekonomienheten keep. Keys are Swedish: the people who edit these files
are controllers and planners, not programmers. Formats: docs/source-files.md.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import yaml

from pipelines.demo.calendar import previous_workday
from pipelines.demo.catalogue import BOARDS, MUNICIPALITY_NAME
from pipelines.demo.organisation import Organisation


def _d(day: dt.date) -> str:
    return day.isoformat()


def _weekday(year: int, month: int, day: int) -> dt.date:
    """The given date, or the workday before it when it falls on a weekend or holiday."""
    return previous_workday(dt.date(year, month, day))


def _iso_week_range(year: int, first: int, last: int) -> dict[str, str]:
    return {"fran": _d(dt.date.fromisocalendar(year, first, 1)),
            "till": _d(dt.date.fromisocalendar(year, last, 5))}


def tidplan(year: int) -> dict:
    """The seeds' calendar (seed 000) turned into dates for `year`."""
    nxt = year + 1
    periods = []
    # period month -> (month of the follow-up work, month of KS, the boards' meeting day)
    bimonthly = {2: (3, 4, (3, 28)), 6: (7, 8, (7, 28)), 10: (11, 12, (12, 4))}
    for month, (m1, m2, (board_month, board_day)) in bimonthly.items():
        periods.append({
            "period": f"{year}-{month:02d}",
            "typ": "ekonomisk uppföljning",
            "benamning": f"Uppföljning januari-{_month(month)}",
            "datauttag": _d(_weekday(year, m1, 6)),
            "kommentarer": {
                "enhet": _d(_weekday(year, m1, 10)),
                "verksamhet": _d(_weekday(year, m1, 13)),
                "sektor": _d(_weekday(year, m1, 16)),
            },
            "uppfoljningsmoten": {"fran": _d(_weekday(year, m1, 17)),
                                  "till": _d(_weekday(year, m1, 21))},
            "rapport_till_ekonomi": _d(_weekday(year, m1, 24)),
            "namnder": _d(_weekday(year, board_month, board_day)),
            "kommunstyrelsen": _d(_weekday(year, m2, 8)),
        })
    periods.insert(1, {
        "period": f"{year}-04",
        "typ": "tertialrapport",
        "benamning": "Tertialrapport 1 (januari-april)",
        "datauttag": _d(_weekday(year, 5, 6)),
        "kommentarer": {
            "aktiviteter": _d(_weekday(year, 4, 15)),
            "delmal": _d(_weekday(year, 4, 25)),
            "enhet": _d(_weekday(year, 5, 8)),
            "verksamhet": _d(_weekday(year, 5, 12)),
            "sektor": _d(_weekday(year, 5, 15)),
            "namndmal": _d(_weekday(year, 5, 10)),
            "styrtal": _d(_weekday(year, 5, 20)),
            "strategiska_omraden": _d(_weekday(year, 5, 27)),
        },
        "uppfoljningsmoten": {"fran": _d(_weekday(year, 5, 18)),
                              "till": _d(_weekday(year, 5, 22))},
        "rapport_till_ekonomi": _d(_weekday(year, 5, 25)),
        "rapportdeadline_vecka": _iso_week_range(year, 22, 26),
        "namnder": _d(_weekday(year, 6, 3)),
        "kommunstyrelsen": _d(_weekday(year, 6, 10)),
        "kommunfullmaktige": _d(_weekday(year, 6, 17)),
    })
    periods.insert(3, {
        "period": f"{year}-08",
        "typ": "delårsrapport",
        "benamning": "Delårsrapport (januari-augusti)",
        "datauttag": _d(_weekday(year, 9, 5)),
        "kommentarer": {
            "aktiviteter": _d(_weekday(year, 8, 15)),
            "delmal": _d(_weekday(year, 8, 25)),
            "enhet": _d(_weekday(year, 9, 8)),
            "verksamhet": _d(_weekday(year, 9, 11)),
            "sektor": _d(_weekday(year, 9, 15)),
            "namndmal": _d(_weekday(year, 9, 10)),
            "styrtal": _d(_weekday(year, 9, 22)),
            "strategiska_omraden": _d(_weekday(year, 9, 29)),
        },
        "uppfoljningsmoten": {"fran": _d(_weekday(year, 9, 16)),
                              "till": _d(_weekday(year, 9, 19))},
        "rapport_till_ekonomi": _d(_weekday(year, 9, 24)),
        "rapportdeadline_vecka": _iso_week_range(year, 40, 42),
        "namnder": _d(_weekday(year, 10, 7)),
        "kommunstyrelsen": _d(_weekday(year, 10, 14)),
        "kommunfullmaktige": _d(_weekday(year, 10, 21)),
    })
    periods.append({
        "period": f"{year}-12",
        "typ": "årsredovisning",
        "benamning": f"Årsredovisning {year}",
        "datauttag": _d(_weekday(nxt, 1, 20)),
        "kommentarer": {
            "aktiviteter": _d(_weekday(year, 12, 10)),
            "delmal": _d(_weekday(year, 12, 20)),
            "enhet": _d(_weekday(nxt, 1, 22)),
            "verksamhet": _d(_weekday(nxt, 1, 26)),
            "sektor": _d(_weekday(nxt, 1, 29)),
            "namndmal": _d(_weekday(nxt, 1, 15)),
            "styrtal": _d(_weekday(nxt, 2, 16)),
            "strategiska_omraden": _d(_weekday(nxt, 3, 16)),
        },
        "uppfoljningsmoten": {"fran": _d(_weekday(nxt, 2, 2)), "till": _d(_weekday(nxt, 2, 6))},
        "rapport_till_ekonomi": _d(_weekday(nxt, 2, 10)),
        "rapportdeadline_vecka": _iso_week_range(nxt, 14, 18),
        "namnder": _d(_weekday(nxt, 2, 24)),
        "kommunstyrelsen": _d(_weekday(nxt, 3, 24)),
        "kommunfullmaktige": _d(_weekday(nxt, 4, 21)),
    })
    return {"ar": year, "kommun": MUNICIPALITY_NAME, "uppfoljningar": periods}


def _month(m: int) -> str:
    return ("januari", "februari", "mars", "april", "maj", "juni", "juli", "augusti",
            "september", "oktober", "november", "december")[m - 1]


def goals(org: Organisation) -> dict:
    """KF's strategic areas and styrtal, financial goals, nämndmål, delmål and aktiviteter."""
    year = org.year
    units_by_op: dict[str, list[str]] = {}
    for u in org.units:
        if u is not org.closed and u is not org.opened:
            units_by_op.setdefault(u.operation_code, []).append(u.code)
    areas = [
        {"id": "S1", "namn": "Livslångt lärande", "ansvarig": "11",
         "styrtal": [
             {"id": "S1.1", "namn": "Andel elever i årskurs 9 som är behöriga till gymnasiet",
              "malvarde": 88.0, "enhet": "%", "riktning": "hogre_ar_battre", "ansvarig": "121",
              "kolada_kpi": "N15428"},
             {"id": "S1.2", "namn": "Andel gymnasieelever med examen inom fyra år",
              "malvarde": 80.0, "enhet": "%", "riktning": "hogre_ar_battre", "ansvarig": "122",
              "kolada_kpi": "N17461"},
         ]},
        {"id": "S2", "namn": "Trygg vård och omsorg", "ansvarig": "11",
         "styrtal": [
             {"id": "S2.1", "namn": "Antal personal som en hemtjänsttagare möter under 14 dagar",
              "malvarde": 14.0, "enhet": "antal", "riktning": "lagre_ar_battre",
              "ansvarig": "131", "kolada_kpi": "U21401"},
             {"id": "S2.2", "namn": "Andel brukare som är nöjda med sitt särskilda boende",
              "malvarde": 85.0, "enhet": "%", "riktning": "hogre_ar_battre", "ansvarig": "131",
              "kolada_kpi": "U23471"},
         ]},
        {"id": "S3", "namn": "Hållbart samhälle och attraktiv arbetsgivare", "ansvarig": "11",
         "styrtal": [
             {"id": "S3.1", "namn": "Sjukfrånvaro bland kommunens anställda", "malvarde": 6.5,
              "enhet": "%", "riktning": "lagre_ar_battre", "ansvarig": "111",
              "berakning": "personalstatistik"},
             {"id": "S3.2", "namn": "Energiförbrukning i kommunens lokaler", "malvarde": 150.0,
              "enhet": "kWh/kvm", "riktning": "lagre_ar_battre", "ansvarig": "141",
              "kolada_kpi": "U07801"},
         ]},
    ]
    financial = [  # KF's, followed up by Kommunstyrelsen
        {"id": "F1", "namn": "Årets resultat i procent av skatteintäkter och generella "
                             "statsbidrag", "malvarde": 2.0, "enhet": "%",
         "riktning": "hogre_ar_battre", "ansvarig": "11", "berakning": "resultat_andel_skatter"},
        {"id": "F2", "namn": "Nämndernas samlade nettokostnad ryms inom budget",
         "malvarde": 0.0, "enhet": "kr", "riktning": "hogre_ar_battre", "ansvarig": "11",
         "berakning": "namndernas_avvikelse"},
        {"id": "F3", "namn": "Investeringar finansierade med egna medel", "malvarde": 80.0,
         "enhet": "%", "riktning": "hogre_ar_battre", "ansvarig": "11",
         "berakning": "sjalvfinansieringsgrad"},
        {"id": "F4", "namn": "Samtliga nämnder bedriver verksamheten inom tilldelad budgetram",
         "malvarde": 0.0, "enhet": "nämnder", "riktning": "lagre_ar_battre",
         "ansvarig": "11", "berakning": "namnder_over_budget"},
    ]
    board_goals = []
    for board in BOARDS:
        goal_list = []
        for k, sector in enumerate(board.sectors, start=1):
            op_code = sector.operations[0][0]
            sub_goals = []
            for j, (code, op) in enumerate(sector.operations[:2], start=1):
                activities = [
                    {"id": f"A{board.code}.{k}.{j}.{n}", "namn": text, "ansvarig": unit}
                    for n, (text, unit) in enumerate(
                        zip(_activity_texts(op.name), units_by_op.get(code, [])[:2], strict=False),
                        start=1)
                ]
                sub_goals.append({"id": f"D{board.code}.{k}.{j}",
                                  "namn": f"{op.name}: {_sub_goal_text(op.name)}",
                                  "ansvarig": code, "aktiviteter": activities})
            goal_list.append({
                "id": f"N{board.code}.{k}",
                "namn": f"{sector.name.replace('Sektor ', '').capitalize()} ska ge invånarna "
                        "god kvalitet inom given budget",
                "strategiskt_omrade": ["S1", "S2", "S3"][(int(board.code) + k) % 3],
                "ansvarig": sector.code,
                "styrtal": [{"id": f"N{board.code}.{k}.1",
                             "namn": "Nettokostnadsavvikelse mot budget", "malvarde": 0.0,
                             "enhet": "%", "riktning": "hogre_ar_battre",
                             "berakning": "budgetavvikelse", "ansvarig": op_code}],
                "delmal": sub_goals,
            })
        board_goals.append({"namnd": board.code, "namndmal": goal_list})
    return {"ar": year, "kommun": MUNICIPALITY_NAME,
            "strategiska_inriktningsomraden": areas, "finansiella_mal": financial,
            "namnder": board_goals}


def _sub_goal_text(operation: str) -> str:
    return f"ökad kvalitet och effektivitet inom {operation.lower()}"


def _activity_texts(operation: str) -> list[str]:
    return [f"Kartlägga arbetssätt inom {operation.lower()}",
            f"Införa gemensamma rutiner för uppföljning inom {operation.lower()}"]


MUNICIPALITY_CODE = "9999"  # the demo's kommunkod (Kolada's municipality id); 0000 = riket
STATUSES = ("uppnått", "delvis uppnått", "ej uppnått", "ej påbörjad")
TERTIAL_DEADLINES = {  # kind of goal -> the tidplan's comment deadline key
    "aktivitet": "aktiviteter", "delmal": "delmal", "namndmal": "namndmal",
    "styrtal": "styrtal", "strategiskt": "strategiska_omraden"}


def _commented_goals(goals_data: dict) -> list[tuple[str, str]]:
    """(goal id, deadline key) of everything the units and boards comment per tertial."""
    out = [(a["id"], "strategiskt") for a in goals_data["strategiska_inriktningsomraden"]]
    out += [(t["id"], "styrtal") for a in goals_data["strategiska_inriktningsomraden"]
            for t in a["styrtal"]]
    for board in goals_data["namnder"]:
        for goal in board["namndmal"]:
            out.append((goal["id"], "namndmal"))
            out += [(t["id"], "styrtal") for t in goal["styrtal"]]
            for sub in goal["delmal"]:
                out.append((sub["id"], "delmal"))
                out += [(act["id"], "aktivitet") for act in sub["aktiviteter"]]
    return out


# what a unit writes on a goal's progress, by tertial (April, August, the year's end)
COMMENTS = [
    {"uppnått": "Genomfört enligt plan.",
     "delvis uppnått": "Arbetet pågår; en del återstår till årets slut.",
     "ej uppnått": "Försenat på grund av vakanser; plan tas fram.",
     "ej påbörjad": "Planeras till hösten."},
    {"uppnått": "Genomfört enligt plan.",
     "delvis uppnått": "Arbetet pågår enligt plan; resten görs under hösten.",
     "ej uppnått": "Försenat på grund av vakanser; plan tas fram.",
     "ej påbörjad": "Skjuts till hösten efter omprioritering."},
    {"uppnått": "Målet nåddes under året.",
     "delvis uppnått": "Delvis genomfört under året; det som återstår förs till nästa "
                       "års verksamhetsplan.",
     "ej uppnått": "Nåddes inte under året på grund av vakanser; en åtgärdsplan tas fram.",
     "ej påbörjad": "Påbörjades inte under året; prövas på nytt i nästa års plan."},
]


def goal_statuses(goals_data: dict, tidplan_data: dict, period: str,
                  rng: np.random.Generator) -> list[list[str]]:
    """What the units and boards report on their goals for a tertial, the way a goal system
    exports it: most on time, some late, some never (no row); progress over the year."""
    [plan] = [p for p in tidplan_data["uppfoljningar"] if p["period"] == period]
    tertial = {"04": 0, "08": 1, "12": 2}[period[5:]]
    rows = []
    for goal_id, kind in _commented_goals(goals_data):
        draw = rng.random()
        if draw < 0.08:
            continue  # nothing reported
        deadline = dt.date.fromisoformat(plan["kommentarer"][TERTIAL_DEADLINES[kind]])
        late = draw > 0.85
        day = deadline + dt.timedelta(days=int(rng.integers(1, 8)) if late
                                      else -int(rng.integers(0, 6)))
        weights = [(0.05, 0.25, 0.05, 0.65), (0.3, 0.5, 0.1, 0.1), (0.55, 0.3, 0.15, 0.0)]
        status = STATUSES[int(rng.choice(4, p=weights[tertial]))]
        comment = COMMENTS[tertial][status]
        rows.append([goal_id, period, status, comment, day.isoformat(), f"Ansvarig {goal_id}"])
    return rows


def kolada_outcomes(goals_data: dict, year: int, rng: np.random.Generator
                    ) -> list[list[str]]:
    """The KF styrtal's values as Kolada's API gives them (kpi, municipality, period, gender,
    value), for the kommun and riket, last year and this year, total and by gender."""
    rows = []
    for area in goals_data["strategiska_inriktningsomraden"]:
        for t in area["styrtal"]:
            if "kolada_kpi" not in t:
                continue
            for municipality in (MUNICIPALITY_CODE, "0000"):
                for period in (year - 1, year):
                    base = t["malvarde"] * float(rng.uniform(0.9, 1.1))
                    for gender, factor in (("T", 1.0), ("K", 1.03), ("M", 0.97)):
                        rows.append([t["kolada_kpi"], municipality, str(period), gender,
                                     f"{base * factor:.1f}"])
    return rows


def balance_requirement_decisions(taxes_and_grants: float, result_after_adjustments: float,
                                  tidplan_data: dict, year: int) -> list[list[str]]:
    """KF's decision with the årsredovisning, as Ekonomi writes it down for the
    balanskravsutredning: to the resultatutjämningsreserv the part of the result after
    balanskravsjusteringar above 1 % of skatter och generella statsbidrag (what the law
    allows), at most 1 % of them, in whole 100 000 kr."""
    [plan] = [p for p in tidplan_data["uppfoljningar"] if p["period"] == f"{year}-12"]
    allowed = min(0.01 * taxes_and_grants, result_after_adjustments - 0.01 * taxes_and_grants)
    amount = max(0, int(allowed // 100_000) * 100_000)
    return [[str(year), "till_resultatutjamningsreserv", f"{amount}",
             f"KF {plan['kommunfullmaktige']} § 52"]]


def write_csv(header: list[str], rows: list[list[str]], path: Path, delimiter: str = ";"
              ) -> None:
    import csv

    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f, delimiter=delimiter, lineterminator="\r\n")
        w.writerow(header)
        w.writerows(rows)


def write_yaml(data: dict, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as f:
        yaml.safe_dump(data, f, allow_unicode=True, sort_keys=False, width=100)
