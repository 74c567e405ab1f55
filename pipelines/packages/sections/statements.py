"""The kommun's financial statements (LKBR 4, 5 and 7 kap.) from marts.financial_statements:
at delår the resultaträkning and balansräkning for the period and the same period last year,
at year end those and the kassaflödesanalys for the year and the year before; and, in both,
god ekonomisk hushållning weighed from KF's financial goals and the balanskrav.

Amounts in mnkr as the statements read them (display_sign): intäkter and årets resultat
positive, costs negative, tillgångar and skulder positive, cash flows + in. Every line, a sum
as much as a detail, is its own exact amount rounded once to a tenth of a mnkr, so a figure
the statements share (årets resultat in the RR, the BR and the KF; kassa och bank in the BR
and the KF) prints alike everywhere, and a sum may differ from its printed parts by a
rounding, which the tables say."""

from __future__ import annotations

import calendar

import pandas as pd

from pipelines.packages.content import Package
from pipelines.packages.figures import MINUS, decimal, in_units, missing
from pipelines.packages.goal_checks import measure
from pipelines.packages.sections import blocks

DELAR = 8
TENTH_MNKR = 100_000.0  # the tables print mnkr with one decimal
# each statement's final lines (one per side of the balansräkning), printed as totals
ANCHORS = {"resultatrakning": ("rr_result",),
           "balansrakning": ("br_assets_total", "br_equity_and_liabilities_total"),
           "kassaflodesanalys": ("kf_cash_closing",)}
HEADINGS = {"resultatrakning": "Resultaträkning", "balansrakning": "Balansräkning",
            "kassaflodesanalys": "Kassaflödesanalys"}


def _wanted(package: Package) -> tuple[str, ...]:
    if not package.scope.is_kommun:
        return ()
    if package.is_year_end:
        return ("resultatrakning", "balansrakning", "kassaflodesanalys")
    if package.month == DELAR:
        return ("resultatrakning", "balansrakning")
    return ()


def printed_statements(frame: pd.DataFrame) -> dict[str, dict[str, int]]:
    """Every statement of one year and period as printed: tenths of mnkr per line code, each
    line's exact amount (as the statement reads it) rounded once."""
    return {statement: {r.line_code: in_units(float(r.amount) * int(r.display_sign),
                                               TENTH_MNKR) for r in part.itertuples()}
            for statement, part in frame.groupby("statement")}


def _tenths(value: int | None) -> str:
    return "–" if value is None else decimal(value / 10, 1)


def _column_titles(package: Package, statement: str) -> tuple[str, str]:
    year, month = package.year, package.month
    if statement == "balansrakning":
        day = "12-31" if package.is_year_end else f"{month:02d}-{_last_day(year, month):02d}"
        return f"{year}-{day}", f"{year - 1}-{day}"
    if package.is_year_end:
        return str(year), str(year - 1)
    return f"Jan–{_month_short(month)} {year}", f"Jan–{_month_short(month)} {year - 1}"


def _last_day(year: int, month: int) -> int:
    return calendar.monthrange(year, month)[1]


MONTHS_SHORT = ("jan", "feb", "mar", "apr", "maj", "jun", "jul", "aug", "sep", "okt", "nov",
                "dec")


def _month_short(month: int) -> str:
    return MONTHS_SHORT[month - 1]


def statement_table(package: Package, statement: str) -> dict | None:
    frame = package.statements
    if frame.empty:
        return None
    now = frame[(frame["statement"] == statement) & (frame["fiscal_year"] == package.year)]
    if now.empty:
        return None
    before = frame[(frame["statement"] == statement)
                   & (frame["fiscal_year"] == package.year - 1)]
    printed_before = printed_statements(
        frame[frame["fiscal_year"] == package.year - 1]).get(statement, {})
    printed_now = printed_statements(frame[frame["fiscal_year"] == package.year])[statement]
    this_title, last_title = _column_titles(package, statement)
    rows = []
    for r in now.sort_values("sort_order").itertuples():
        a, b = printed_now.get(r.line_code, 0), printed_before.get(r.line_code)
        if r.line_kind != "total" and a == 0 and not b:
            continue  # a line with nothing in either year (no immateriella tillgångar ...)
        style = "total" if r.line_code in ANCHORS[statement] or r.line_code in (
            "rr_result", "kf_cash_flow") else ("sum" if r.line_kind == "total" else "unit")
        rows.append(blocks.row([r.line_name, _tenths(a),
                                "–" if b is None else _tenths(b)], style))
    note = {"resultatrakning": "Intäkter och årets resultat + för överskott, kostnader "
                               f"{MINUS}. Interna poster mellan nämnderna är eliminerade.",
            "balansrakning": "Tillgångar, eget kapital, avsättningar och skulder +.",
            "kassaflodesanalys": f"+ tillförda, {MINUS} använda medel."}[statement]
    note += (" Varje belopp är avrundat för sig till en tiondels mnkr; avrundningsdifferenser "
             "kan förekomma.")
    if before.empty:
        note += f" Uppgift för {package.year - 1} saknas i lagret."
    return blocks.table([blocks.text_column("Mnkr"),
                         blocks.Column(this_title, width="2.6cm"),
                         blocks.Column(last_title, width="2.6cm")],
                        rows, HEADINGS[statement], note)


def _difference_note(package: Package) -> str:
    """Where the balansräkning does not balance, by how much and why."""
    frame = package.statements
    now = frame[(frame["fiscal_year"] == package.year) & (frame["statement"] == "balansrakning")]
    totals = {r.line_code: float(r.amount) for r in now.itertuples()}
    gap = totals.get("br_assets_total", 0.0) + totals.get("br_equity_and_liabilities_total", 0.0)
    if abs(gap) < 0.005:
        return ""
    return (f"Balansräkningen balanserar inte: skillnaden är {decimal(gap, 2)} kr, vilket är "
            "vad levererade ingående balanser och verifikationer inte balanserar med "
            "(se datakvalitetsrapporten).")


def section(package: Package) -> dict | None:
    wanted = _wanted(package)
    if not wanted:
        return None
    if package.statements.empty or package.statements[
            package.statements["fiscal_year"] == package.year].empty:
        return blocks.section("Resultat- och balansräkning", [blocks.paragraphs(
            "Resultat- och balansräkning kan inte upprättas: lagret saknar bokföring eller "
            "ingående balanser (#IB) för året.")])
    out = []
    has_balance = not package.statements[
        (package.statements["fiscal_year"] == package.year)
        & (package.statements["statement"] == "balansrakning")].empty
    for statement in wanted:
        table = statement_table(package, statement)
        if table is not None:
            out.append(table)
    if not has_balance:
        out.append(blocks.paragraphs(
            "Balansräkning och kassaflödesanalys saknas: varken ingående balanser per 1 januari "
            f"(#IB) eller utgående balanser per 31 december {package.year - 1} (#UB) har "
            "levererats för året. Ett brutet räkenskapsår (t.ex. maj–april) anger inga "
            "balanser per 1 januari."))
    out.append(blocks.paragraphs(_difference_note(package)))
    return blocks.section("Resultat- och balansräkning" if not package.is_year_end else
                          "Räkenskaper", out)


def good_management(package: Package) -> dict | None:
    """God ekonomisk hushållning: KF's financial goals with their outcome and status, and the
    balanskrav, weighed up in words (delår from the forecast, year end from the outcome)."""
    if not _wanted(package):
        return None
    goals = package.goals
    financial = goals[goals["goal_kind"] == "financial_goal"] if not goals.empty else goals
    rows, met = [], 0
    for g in financial.to_dict("records") if not financial.empty else []:
        reached = None if missing(g.get("target_met")) else bool(g["target_met"])
        met += reached is True
        rows.append(blocks.row([
            f"{g['goal_id']} {g.get('goal_name') or ''}".strip(),
            measure(g.get("target_value"), g.get("unit")) or "–",
            measure(g.get("outcome_value"), g.get("unit")) or "–",
            {True: "Ja", False: "Nej"}.get(reached, "Kan inte bedömas")]))
    basis = "utfallet för året" if package.is_year_end else "helårsprognosen"
    out = []
    if rows:
        out.append(blocks.table(
            [blocks.text_column("Finansiellt mål"), blocks.Column("Målvärde", width="2.2cm"),
             blocks.Column("Utfall", width="2.2cm"), blocks.Column("Nås", width="2.6cm")],
            rows, "Kommunfullmäktiges finansiella mål", f"Utfall enligt {basis}."))
        verdict = (f"{met} av {len(rows)} finansiella mål nås enligt {basis}. "
                   + ("Med de finansiella målen uppfyllda bedöms kommunen ha en god ekonomisk "
                      "hushållning ur finansiellt perspektiv." if met == len(rows) else
                      "Alla finansiella mål nås inte: kommunen når inte fullt ut en god "
                      "ekonomisk hushållning ur finansiellt perspektiv, och fullmäktige bör "
                      "pröva vilka åtgärder som behövs."))
    else:
        verdict = ("Kommunfullmäktige har inga finansiella mål i målfilen för året: god "
                   "ekonomisk hushållning ur finansiellt perspektiv kan inte bedömas mot mål.")
    out.append(blocks.paragraphs(verdict, "Verksamhetsmålen redovisas under "
                                          "Måluppföljning."))
    return blocks.section("God ekonomisk hushållning", out)
