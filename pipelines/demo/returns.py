"""The demo's units answer: copies of the workbooks Exempelkommun issued, filled in the
yellow columns as a unit does in Excel (found by their headings, only cells the sheet leaves
open) and dropped in `<landing>/returer/`. Nothing here reads a return (that is
pipelines/packages/returns.py).

Per follow-up period each sektor, verksamhet and enhet with a deviation answers on time
(its rows in the board's `..._svar.xlsx`, dated before the tidplan's first comment
deadline), late (in `..._komplettering.xlsx`, after the last) or not at all; the nämnd's
rows come with the board's answer, the kommun's from Ekonomi. An answer is a comment, cause
and action in Swedish (by kind of unit, cost category and direction) and who answers; an
enhet sometimes gives a forecast; in a tertial the board reports the goals that have no
report yet. One return of the delårsrapport (else of the last period) has text pasted into
a forecast cell. Drawn from the seed: the same seed gives the same answers on the same days.
"""

from __future__ import annotations

import datetime as dt
import os
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from openpyxl import load_workbook

from pipelines.demo.plans import tidplan

FOLDER = "returer"  # under the landing folder, where a controller drops what comes back
LEVELS = ("Sektor", "Verksamhet", "Enhet")  # those the tidplan's comment deadlines chase
SHARE_LATE, SHARE_MISSING, SHARE_FORECAST = 0.12, 0.08, 0.3  # of units; of an enhet's rows
BAD_MONTH = 8  # the delårsrapport holds the return with text in a forecast cell
DOMAINS = {"11": "ledning", "12": "skola", "13": "omsorg", "14": "teknik", "15": "kultur"}
TITLES = {"Kommun": "Ekonomichef", "Nämnd": "Förvaltningschef", "Sektor": "Sektorchef",
          "Verksamhet": "Verksamhetschef", "Enhet": "Enhetschef"}
FIRST = ("Anna", "Erik", "Maria", "Lars", "Karin", "Johan", "Eva", "Anders", "Sara", "Per",
         "Lena", "Mikael", "Ingrid", "Ahmed", "Sofia", "Nils", "Fatima", "Oskar")
LAST = ("Andersson", "Berg", "Lindqvist", "Nyström", "Holm", "Ek", "Sandberg", "Karlsson",
        "Öberg", "Lund", "Hassan")

# (domain or None, cost category, worse than budget) -> (orsak, kommentar, åtgärd): {b} is
# the deviation in tkr, {n} when the next step comes (NEXT); a domain's own texts come with
# the general ones, but for the kommun's result and teknik's internal rents
TEXTS: dict[tuple[str | None, str, bool], list[tuple[str, str, str]]] = {
    (None, "revenue", True): [
        ("Lägre intäkter från avgifter", "Avgiftsintäkterna har inte nått den budgeterade "
         "nivån, {b} tkr under budget.", "Avgifterna ses över inför nästa år."),
        ("Statsbidrag lägre än beräknat", "Det riktade statsbidraget blev lägre än "
         "budgeterat: {b} tkr lägre intäkter.", "Verksamheten anpassas till bidraget {n}."),
        ("Periodiseringsfel", "Periodens intäkter är inte fakturerade ännu; {b} tkr av "
         "avvikelsen är försenad fakturering.", "Faktureras i nästa månad.")],
    ("skola", "revenue", True): [
        ("Färre barn än budgeterat", "Färre inskrivna barn än budgeterat ger lägre "
         "föräldraavgifter, {b} tkr under budget.", "Antalet platser ses över {n}.")],
    ("omsorg", "revenue", True): [
        ("Färre sålda platser", "Färre platser har sålts till andra kommuner än beräknat, "
         "{b} tkr under budget.", "Dialog med grannkommunerna om platserna {n}.")],
    (None, "revenue", False): [
        ("Högre statsbidrag", "Statsbidrag har beviljats med mer än budgeterat, {b} tkr över "
         "budget.", "Ingen åtgärd; bidraget används enligt villkoren."),
        ("Engångsintäkt", "En försäkringsersättning på {b} tkr har kommit in.",
         "Ingen åtgärd: engångsintäkt."),
        ("Periodiseringsfel", "Hela årets intäkt har bokförts på en gång; {b} tkr hör till "
         "kommande månader.", "Intäkten periodiseras om i nästa månadsbokslut.")],
    (None, "personnel", True): [
        ("Sjukfrånvaro", "Hög sjukfrånvaro har krävt vikarier; personalkostnaderna är {b} tkr "
         "över budget.", "Rehabiliteringsarbete med HR och företagshälsovården."),
        ("Övertid", "Övertid och extra timmar har gett {b} tkr högre kostnader.",
         "Schemaläggningen ses över {n}."),
        ("Lönerevision över budget", "Lönerevisionen blev högre än budgeterat; merkostnaden "
         "är {b} tkr.", "Ingen åtgärd i år; tas med i nästa års budget.")],
    ("skola", "personnel", True): [
        ("Fler barn än budgeterat", "Fler barn än budgeterat har krävt mer personal, {b} tkr "
         "över budget.", "Tas upp i dialogen om resursfördelningen {n}.")],
    ("omsorg", "personnel", True): [
        ("Ökat vårdbehov", "Flera brukare har fått ett ökat vårdbehov som krävt extra "
         "personal, {b} tkr över budget.", "Biståndsbesluten följs upp {n}.")],
    (None, "personnel", False): [
        ("Vakanser", "Vakanta tjänster ger {b} tkr lägre personalkostnader än budget.",
         "Rekrytering pågår; tjänsterna väntas vara tillsatta {n}."),
        ("Föräldraledigheter", "Föräldraledigheter som inte ersatts fullt ut ger {b} tkr "
         "lägre kostnader.", "Ingen åtgärd.")],
    (None, "purchases_of_main_activity", True): [
        ("Fler externa placeringar", "Fler externa placeringar än budgeterat ger {b} tkr "
         "högre kostnader.", "Varje placering prövas och hemmaplanslösningar tas fram."),
        ("Högre priser hos leverantören", "Indexuppräkningen i avtalet gav högre priser, "
         "{b} tkr över budget.", "Avtalet omförhandlas inför nästa år.")],
    ("skola", "purchases_of_main_activity", True): [
        ("Fler elever i fristående skolor", "Fler elever än beräknat går i fristående "
         "skolor, {b} tkr över budget.", "Elevprognosen uppdateras {n}.")],
    (None, "purchases_of_main_activity", False): [
        ("Färre placeringar än budgeterat", "Färre köpta platser än budgeterat ger {b} tkr "
         "lägre kostnader.", "Ingen åtgärd."),
        ("Försenad upphandling", "Upphandlingen av tjänsten är försenad; {b} tkr under "
         "budget.", "Upphandlingen blir klar {n} och kostnaderna kommer då.")],
    (None, "premises", True): [
        ("Ökade energikostnader", "El och värme har kostat {b} tkr mer än budgeterat.",
         "Energieffektivisering i de största fastigheterna."),
        ("Akut vattenskada", "En vattenskada har krävt akuta reparationer för {b} tkr.",
         "Ingen åtgärd: engångskostnad, försäkringen täcker en del.")],
    (None, "premises", False): [
        ("Lägre energiförbrukning", "Lägre förbrukning än beräknat gav {b} tkr lägre "
         "kostnader för uppvärmning.", "Ingen åtgärd."),
        ("Försenat underhåll", "Planerat underhåll har skjutits fram, {b} tkr under budget.",
         "Underhållet görs {n}.")],
    (None, "other_costs", True): [
        ("Engångskostnad", "Inventarier och utrustning för {b} tkr har köpts in på en gång.",
         "Ingen åtgärd: engångskostnad."),
        ("Periodiseringsfel", "Fakturor för hela året har bokförts på perioden; {b} tkr "
         "avser kommande månader.", "Omföring görs i nästa månad.")],
    ("teknik", "other_costs", True): [
        ("Ökade livsmedelspriser", "Livsmedelspriserna har ökat mer än budgeterat, {b} tkr "
         "över budget.", "Menyerna ses över och inköpen samordnas.")],
    ("omsorg", "other_costs", True): [
        ("Ökade livsmedelspriser", "Högre livsmedelspriser ger {b} tkr högre kostnader för "
         "måltiderna.", "Matsedeln ses över med kostenheten.")],
    (None, "other_costs", False): [
        ("Försenad upphandling", "Upphandlingen är försenad och kostnaderna har inte kommit "
         "än, {b} tkr under budget.", "Kostnaderna kommer {n} när avtalet är klart."),
        ("Lägre kostnader för material", "Återhållsamhet med inköp ger {b} tkr lägre "
         "kostnader.", "Ingen åtgärd.")],
    (None, "capital_costs", True): [
        ("Tidigarelagd investering", "En investering har aktiverats tidigare än planerat, "
         "{b} tkr högre kapitalkostnader.", "Ingen åtgärd.")],
    (None, "capital_costs", False): [
        ("Försenade investeringar", "Investeringar aktiveras senare än budgeterat, {b} tkr "
         "lägre kapitalkostnader.", "Investeringsplanen uppdateras {n}.")],
    (None, "internal_items", True): [
        ("Ändrad internhyra", "Internhyran har räknats upp mer än budgeterat, {b} tkr över "
         "budget.", "Lokalbehovet ses över med fastighetsavdelningen."),
        ("Fler måltider från kostenheten", "Fler beställda måltider än budgeterat ger {b} "
         "tkr högre interna kostnader.", "Beställningarna stäms av varje månad.")],
    (None, "internal_items", False): [
        ("Lägre interna debiteringar", "Färre interna tjänster har köpts än budgeterat, {b} "
         "tkr under budget.", "Ingen åtgärd.")],
    ("teknik", "internal_items", True): [
        ("Tomma lokaler", "Lokaler som inte hyrs ut internt ger {b} tkr lägre internhyror.",
         "Tomma lokaler hyrs ut externt eller avvecklas.")],
    ("teknik", "internal_items", False): [
        ("Fler interna uppdrag", "Fler beställningar från förvaltningarna än budgeterat, "
         "{b} tkr över budget.", "Ingen åtgärd.")],
    (None, "net", True): [
        ("Högre kostnader och lägre intäkter", "Sammantaget är nettokostnaden {b} tkr högre "
         "än budget.", "En åtgärdsplan tas fram med ekonomi och redovisas för nämnden.")],
    (None, "net", False): [
        ("Vakanser och försenade inköp", "Sammantaget är nettokostnaden {b} tkr lägre än "
         "budget.", "Ingen åtgärd; överskottet väntas minska {n}.")],
    ("kommun", "net", True): [
        ("Nämndernas underskott", "Årets resultat är {b} tkr sämre än budget, främst genom "
         "nämndernas underskott.", "Kommunstyrelsen begär åtgärdsplaner av nämnderna.")],
    ("kommun", "net", False): [
        ("Lägre kostnader i nämnderna", "Årets resultat är {b} tkr bättre än budget.",
         "Ingen åtgärd.")],
    (None, "taxes_and_grants", True): [
        ("Lägre skatteunderlag", "SKR:s prognos för skatteunderlaget har sänkts, {b} tkr "
         "under budget.", "Nämnderna informeras om prognosen.")],
    (None, "taxes_and_grants", False): [
        ("Högre skatteunderlag", "SKR:s prognos för skatteunderlaget har höjts, {b} tkr "
         "över budget.", "Ingen åtgärd.")],
    (None, "financial_items", True): [
        ("Högre räntor", "Högre räntor än budgeterat ger ett {b} tkr sämre finansnetto.",
         "Upplåningen ses över.")],
    (None, "financial_items", False): [
        ("Lägre räntor", "Lägre räntor än budgeterat ger ett {b} tkr bättre finansnetto.",
         "Ingen åtgärd.")],
}
OWN_ONLY = {("kommun", "net"), ("teknik", "internal_items")}
NEXT = {2: "under våren", 4: "före sommaren", 6: "under hösten", 8: "under hösten",
        10: "före årsskiftet", 12: "under nästa år"}
GOAL_TEXTS = {
    "uppnått": "Målet är nått; arbetet har genomförts enligt plan.",
    "delvis uppnått": "Arbetet pågår; en del återstår till årets slut.",
    "ej uppnått": "Målet nås inte i år; orsakerna redovisas i nästa uppföljning.",
    "ej påbörjad": "Arbetet har inte kunnat starta på grund av vakanser; planeras till hösten.",
}
GOAL_WEIGHTS = {4: (0.05, 0.5, 0.05, 0.4), 8: (0.3, 0.5, 0.1, 0.1), 12: (0.55, 0.3, 0.15, 0.0)}
STATUSES = ("uppnått", "delvis uppnått", "ej uppnått", "ej påbörjad")  # the list in Ny status
DEVIATION_HEADINGS = ("Nivå", "Kod", "Kostnadsslag (kod)", "Kommentar", "Orsak", "Åtgärd")
FORECAST_IN, FORECAST_NOW = "Prognos helår (tkr)", ("Gällande prognos", "Prognos helår")


@dataclass
class PeriodAnswers:
    """What the units of one follow-up period sent back: the files, the units (codes) that
    answered in time, late or not at all, and each cell pasted wrong ("file: bladet ...")."""
    period: str
    files: list[str] = field(default_factory=list)
    on_time: list[str] = field(default_factory=list)
    late: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    bad_cells: list[str] = field(default_factory=list)


@dataclass
class Table:
    """A sheet's table as a unit sees it: the heading row and each heading's column."""
    ws: object
    header: int
    columns: dict[str, int]

    def rows(self) -> Iterator[int]:
        r = self.header + 1
        while any(self.ws.cell(row=r, column=c).value is not None for c in (1, 2)):
            yield r
            r += 1

    def value(self, r: int, *headings: str):
        found = [h for h in headings if h in self.columns]
        return self.ws.cell(row=r, column=self.columns[found[0]]).value if found else None

    def put(self, r: int, heading: str, value) -> str | None:
        """Type `value` in an open cell (Excel lets nobody type in a locked one): its
        address, or None."""
        if heading not in self.columns:
            return None
        cell = self.ws.cell(row=r, column=self.columns[heading])
        if cell.protection.locked:
            return None
        cell.value = value
        return cell.coordinate


def _table(ws, headings: tuple[str, ...]) -> Table | None:
    for r in range(1, 16):
        found = {str(c.value).strip(): c.column for c in ws[r] if c.value is not None}
        if all(h in found for h in headings):
            return Table(ws, r, found)
    return None


def issued_workbooks(reports: Path, period: str) -> list[Path]:
    """The workbooks Ekonomi sent out for the period: the published ones, and a draft where
    a board has no published package."""
    folder = reports / "paket" / period
    published = sorted(folder.glob("uppfoljning_*.xlsx"))
    names = {p.name for p in published}
    return published + sorted(p for p in (folder / "utkast").glob("uppfoljning_*.xlsx")
                              if p.name not in names)


def _deviations(path: Path) -> list[tuple[int, str, str, str, bool]]:
    """(row, unit, level, cost category, forecast cell open) of each deviation of the
    Avvikelser sheet; the grey italic rows, there for a forecast only, are no deviations."""
    table = _table(load_workbook(path)["Avvikelser"], DEVIATION_HEADINGS)
    return [] if table is None else [
        (r, str(table.value(r, "Kod")), str(table.value(r, "Nivå")),
         str(table.value(r, "Kostnadsslag (kod)")), FORECAST_IN in table.columns
         and not table.ws.cell(row=r, column=table.columns[FORECAST_IN]).protection.locked)
        for r in table.rows() if not table.ws.cell(row=r, column=1).font.i]


def _fates(rows: dict[Path, list], rng: np.random.Generator) -> dict[str, str]:
    """Per unit the tidplan chases: on_time, late or missing; at least one late and one
    missing, and never more than a fifth of a board's deviations left unanswered."""
    units = list(dict.fromkeys(u for book in rows.values() for _, u, lv, _, _ in book
                               if lv in LEVELS))
    draws = rng.random(len(units))
    fate = {u: "missing" if d < SHARE_MISSING else "late" if d < SHARE_MISSING + SHARE_LATE
            else "on_time" for u, d in zip(units, draws, strict=True)}
    for wanted in ("missing", "late"):
        spare = [units[i] for i in np.argsort(draws) if fate[units[i]] == "on_time"]
        if len(units) >= 3 and wanted not in fate.values() and spare:
            fate[spare[0]] = wanted
    for book in rows.values():
        while len(missing := [u for _, u, _, _, _ in book if fate.get(u) == "missing"]) * 5 \
                > len(book):
            fate[max(set(missing), key=missing.count)] = "late"
    return fate


def _days(period: str, rng: np.random.Generator) -> dict[str, dt.datetime]:
    """When the answers in time come (a day or two before the first comment deadline, after
    the data cut-off) and when the late ones do (days after the last)."""
    [plan] = [p for p in tidplan(int(period[:4]))["uppfoljningar"] if p["period"] == period]
    deadlines = [dt.date.fromisoformat(str(plan["kommentarer"][k]))
                 for k in ("enhet", "verksamhet", "sektor")]
    on_time = max(dt.date.fromisoformat(str(plan["datauttag"])) + dt.timedelta(days=1),
                  min(deadlines) - dt.timedelta(days=int(rng.integers(0, 3))))
    late = max(deadlines) + dt.timedelta(days=int(rng.integers(2, 8)))
    return {"on_time": dt.datetime.combine(on_time, dt.time(15, int(rng.integers(0, 60)))),
            "late": dt.datetime.combine(late, dt.time(10, int(rng.integers(0, 60))))}


def _tkr(value: float) -> str:
    return f"{round(abs(value)):,}".replace(",", " ")


@dataclass
class Answering:
    """A unit at work on the period `month`'s workbook: its seed (who it is) and dice."""
    seed: int
    month: int
    rng: np.random.Generator

    def person(self, unit: str, level: str) -> str:
        h = zlib.crc32(f"{self.seed}:{unit}".encode())
        return f"{TITLES.get(level, 'Chef')} {FIRST[h % len(FIRST)]} {LAST[h // 7 % len(LAST)]}"

    def words(self, unit: str, level: str, category: str, worse: bool) -> tuple[str, ...]:
        domain = "kommun" if level == "Kommun" else DOMAINS.get(unit[:2])
        options = TEXTS.get((domain, category, worse), [])
        if (domain, category) not in OWN_ONLY:
            options = options + TEXTS.get((None, category, worse), [])
        cause, comment, action = options[int(self.rng.integers(len(options)))] if options \
            else ("Avvikelse mot budget", "Avvikelsen är {b} tkr.", "Följs upp {n}.")
        return cause, comment, action.format(n=NEXT.get(self.month, "under året"))


def _answer(table: Table, r: int, unit: Answering, forecast: bool) -> None:
    """A unit's comment, cause, action and name on its deviation; an enhet's forecast. The
    comment's figures are those the board's document will print: the deviation so far, and
    the forecast deviation only where it is the unit's own (an enhet's, after the forecast
    it types); above an enhet the forecast moves with the units' forecasts, so its comment
    says which way, not how much."""
    code, level = str(table.value(r, "Kod")), str(table.value(r, "Nivå"))
    category = str(table.value(r, "Kostnadsslag (kod)"))
    ytd = float(table.value(r, "Avvikelse ack") or 0)
    ahead = float(table.value(r, "Prognosavvikelse") or 0)
    now, budget = table.value(r, *FORECAST_NOW), table.value(r, "Årsbudget")
    typed = None
    if forecast and unit.month < 12 and isinstance(now, int | float):  # close to the last
        typed = int(round(now * (1 + unit.rng.normal(0, 0.01)) / 10) * 10)
        if isinstance(budget, int | float):  # + better: a cost under, a revenue over budget
            ahead = budget - typed if category != "revenue" else typed - budget
    own = level == "Enhet"
    main = ytd if round(ytd) and (abs(ytd) >= abs(ahead) or not own) else ahead
    cause, comment, action = unit.words(code, level, category, main < 0)
    comment = comment.format(b=_tkr(main))
    if main == ytd and round(ahead) and unit.month < 12:
        direction = "ett underskott" if ahead < 0 else "ett överskott"
        comment += (f" För helåret väntas {direction} på {_tkr(ahead)} tkr." if own
                    else f" För helåret väntas {direction}.")
    for heading, text in (("Kommentar", comment), ("Orsak", cause), ("Åtgärd", action),
                          ("Ansvarig", unit.person(code, level))):
        table.put(r, heading, text)
    if typed is not None:
        table.put(r, FORECAST_IN, typed)


def _answer_goals(book, unit: Answering) -> None:
    """The board's report of the goals that have none yet, and a few new comments."""
    table = _table(book["Mål"], ("Id", "Status", "Ny status", "Ny kommentar")) \
        if "Mål" in book.sheetnames and unit.month in GOAL_WEIGHTS else None
    for r in table.rows() if table else []:
        status = table.value(r, "Status")
        if not status:
            new = STATUSES[int(unit.rng.choice(4, p=GOAL_WEIGHTS[unit.month]))]
            if table.put(r, "Ny status", new):
                table.put(r, "Ny kommentar", GOAL_TEXTS[new])
        elif unit.rng.random() < 0.15 and status in GOAL_TEXTS:
            table.put(r, "Ny kommentar", "Efter uppföljningsmötet: " + GOAL_TEXTS[status])


def write_returns(reports: Path, landing: Path, periods: list[str], seed: int
                  ) -> list[PeriodAnswers]:
    """The units' answers to the workbooks issued for `periods`, in `<landing>/returer/`."""
    folder = landing / FOLDER
    folder.mkdir(parents=True, exist_ok=True)
    issued = {p: books for p in periods if (books := issued_workbooks(reports, p))}
    bad = next((p for p in issued if int(p[5:7]) == BAD_MONTH), max(issued, default=None))
    return [_answer_period(books, folder, p, seed, p == bad) for p, books in issued.items()]


def _answer_period(books: list[Path], folder: Path, period: str, seed: int,
                   with_bad: bool) -> PeriodAnswers:
    """Each board's answer in time and its late completion; Ekonomi's on the kommun."""
    unit = Answering(seed, int(period[5:7]),
                     np.random.default_rng([seed, int(period[:4]), int(period[5:7])]))
    rows = {book: _deviations(book) for book in books}
    fate, days = _fates(rows, unit.rng), _days(period, unit.rng)
    spots = [(book, r) for book, found in rows.items() for r, code, level, category, open_
             in found if level == "Enhet" and category != "net" and open_
             and fate.get(code) == "on_time"]
    bad = spots[int(unit.rng.integers(len(spots)))] if with_bad and spots else (None, None)
    out = PeriodAnswers(period, **{f: [u for u, x in fate.items() if x == f]
                                   for f in ("on_time", "late", "missing")})
    for book, found in rows.items():
        kommun = any(level == "Kommun" for _, _, level, _, _ in found)
        for when, suffix in (("on_time", "svar"), ("late", "komplettering")):
            mine = [row for row in found if (fate[row[1]] == when if row[2] in LEVELS else
                    when == "on_time" and (row[2] == "Kommun" or not kommun))]
            if mine:
                target = folder / f"{book.stem}_{suffix}.xlsx"
                out.bad_cells += _fill(book, mine, target, days[when], unit,
                                       bad[1] if bad[0] == book and when == "on_time" else None)
                out.files.append(target.name)
    return out


def _fill(path: Path, rows: list, target: Path, when: dt.datetime, unit: Answering,
          bad_row: int | None) -> list[str]:
    """A copy of the issued workbook `path` with `rows` answered, saved as `target` on
    `when` (the day it came back: what the reader holds against the deadline); the cells
    pasted wrong."""
    book = load_workbook(path)
    table = _table(book["Avvikelser"], DEVIATION_HEADINGS)
    for r, _, level, category, open_forecast in rows:
        _answer(table, r, unit, forecast=level == "Enhet" and category != "net"
                and open_forecast and unit.rng.random() < SHARE_FORECAST)
    bad = []
    if bad_row is not None:  # a figure in words, pasted past Excel's validation
        now = table.value(bad_row, *FORECAST_NOW) or 0
        cell = table.put(bad_row, FORECAST_IN, f"ca {abs(now) / 1000:.1f} mnkr".replace(".", ","))
        bad = [f"{target.name}: bladet Avvikelser, cell {cell}"]
    if target.stem.endswith("_svar"):
        _answer_goals(book, unit)
    book.save(target)
    os.utime(target, (when.timestamp(), when.timestamp()))
    return bad
