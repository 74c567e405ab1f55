"""Driftredovisning: budget, outcome, deviation, forecast, the previous forecast and the prior
year, per nämnd for the kommun, per sektor and verksamhet for a board.

The kommun's table reads as a kommun's annual report does: the nämnder's verksamhetens
nettokostnad (financing taken out of KS, which holds it), a line for ansvar not in the org
register, a line for internal items eliminated at kommun level (whatever the nämnder's
internal items do not net to, forecast included), then skatteintäkter and finansnetto and
årets resultat. Every line is exact in the data (`Line.values`, ledger sign, SEK); each
printed figure is that amount rounded once to whole tkr (figures.in_units), the same digits
it has in every other table and document.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from pipelines.domain import UNKNOWN_UNIT
from pipelines.packages import readings
from pipelines.packages.content import Package
from pipelines.packages.figures import ROUNDING_NOTE, in_units, missing, whole
from pipelines.packages.sections import blocks, wording

FINANCING = readings.FINANCING
COLUMNS = ["budget_annual", "budget_ytd", "outcome_ytd", "deviation_ytd", "forecast_annual",
           "forecast_previous", "forecast_deviation", "outcome_prior_ytd"]
YEAR_END_COLUMNS = ["budget_annual", "outcome_ytd", "deviation_ytd", "outcome_prior_ytd"]
SIGNLESS = {"deviation_ytd", "forecast_deviation"}  # + favourable whichever way a line reads


@dataclass(eq=False)  # a line is itself: two lines with the same figures are not one
class Line:
    label: str
    values: dict[str, float]  # ledger sign, SEK; NaN where the marts have nothing
    sign: int = 1  # how the board reads the line's amounts (-1: revenue, result)
    style: str = "unit"  # unit, sum or total
    indent: int = 0
    parent: int | None = None  # index of the line this one adds up into
    rounded: dict[str, int] = field(default_factory=dict)  # tkr, ledger sign


def _columns(package: Package) -> list[str]:
    return YEAR_END_COLUMNS if package.is_year_end else COLUMNS


def _values(frame: pd.DataFrame, columns: list[str]) -> dict[str, float]:
    """The sum of the rows per column (NaN when every row is NaN)."""
    return {c: (float(frame[c].astype(float).sum()) if frame[c].notna().any() else float("nan"))
            for c in columns}


def _minus(a: dict[str, float], *others: dict[str, float]) -> dict[str, float]:
    out = {}
    for c, v in a.items():
        total = 0.0 if missing(v) else v
        for o in others:
            total -= 0.0 if missing(o[c]) else o[c]
        out[c] = total if not (missing(v) and all(missing(o[c]) for o in others)) else v
    return out


def _of(frame: pd.DataFrame, categories) -> dict[str, float]:
    return _values(frame[frame["cost_category"].isin(categories)], COLUMNS)


def operating_net(unit: pd.DataFrame) -> dict[str, float]:
    """A unit's verksamhetens nettokostnad per column: its net less the financing it holds
    (KS holds the kommun's skatteintäkter and finansiella poster)."""
    return _minus(_of(unit, ["net"]), _of(unit, FINANCING))


def boards_operating(package: Package) -> list[tuple[str, str, dict[str, float]]]:
    """(code, name, verksamhetens nettokostnad) of each unit one level below the scope's top,
    in tree order, the branch of ansvar outside the org register last."""
    boards = package.follow_up[package.follow_up["depth"] == 1]
    codes = [c for c in dict.fromkeys(boards["org_unit_code"]) if c != UNKNOWN_UNIT]
    out = []
    for code in codes + ([UNKNOWN_UNIT] if UNKNOWN_UNIT in set(boards["org_unit_code"]) else []):
        unit = boards[boards["org_unit_code"] == code]
        out.append((code, str(unit.iloc[0]["org_unit_name"]), operating_net(unit)))
    return out


def kommun_lines(package: Package) -> list[Line]:
    top = package.follow_up[package.follow_up["depth"] == 0]
    result = Line("Årets resultat", _of(top, ["net"]), sign=-1, style="total")
    operating = Line("Verksamhetens nettokostnad", operating_net(top), style="sum")
    parts = [Line("Ansvar som saknas i organisationsregistret" if code == UNKNOWN_UNIT else name,
                  values) for code, name, values in boards_operating(package)]
    # what the nämnder's lines do not add up to: internal items eliminated at kommun level
    elimination = Line("Interna poster som elimineras",
                       _minus(operating.values, *[p.values for p in parts]))
    if has_amount(elimination.values):
        parts.append(elimination)
    taxes = Line("Skatteintäkter och generella statsbidrag", _of(top, ["taxes_and_grants"]),
                 sign=-1)
    finance = Line("Finansnetto", _of(top, ["financial_items"]), sign=-1)
    # printed in this order; the nämnder add up to the operating net cost, and it with the
    # financing to the result
    ordered = [*parts, operating, taxes, finance, result]
    for part in parts:
        part.parent = ordered.index(operating)
    for line in (operating, taxes, finance):
        line.parent = ordered.index(result)
    return ordered


def has_amount(values: dict[str, float]) -> bool:
    return any(not missing(v) and abs(v) >= 0.005 for v in values.values())


def board_lines(package: Package) -> list[Line]:
    """The board's sektorer, each with its verksamheter, then the nämnd: every line its
    nettokostnad (packages.readings: financing left out); where the board holds the
    kommun's financing, that on lines of its own and the board's netto efter finansiering."""
    rows = package.follow_up
    holding = package.financing_units
    # each unit's nettokostnad: its operating_net where it holds financing, else its net
    wanted = rows["cost_category"].where(~rows["org_unit_code"].isin(holding), "")
    rows = rows[(wanted == "net") | (rows["cost_category"] == readings.OPERATING_NET)]
    cols = COLUMNS
    top = rows[rows["depth"] == 0]
    total = Line(f"{package.scope.name}, nettokostnad", _values(top, cols), style="total")
    lines: list[Line] = []
    sub = rows[rows["depth"].isin([1, 2])].sort_values("tree_position")
    sector_index = None
    for r in sub.to_dict("records"):
        values = {c: float(r[c]) if not missing(r[c]) else float("nan") for c in cols}
        if r["depth"] == 1:
            has_children = bool(((sub["depth"] == 2) & (sub["parent_unit_code"]
                                                         == r["org_unit_code"])).any())
            lines.append(Line(r["org_unit_name"], values, style="sum" if has_children
                              else "unit", indent=0))
            sector_index = len(lines) - 1
        else:
            lines.append(Line(r["org_unit_name"], values, indent=1, parent=sector_index))
    lines.append(total)
    top_index = len(lines) - 1
    for line in lines[:-1]:
        if line.indent == 0:
            line.parent = top_index
    return lines + _financing_lines(package)


def _financing_lines(package: Package) -> list[Line]:
    """Where the board's top unit holds the kommun's financing: the financing, and the
    board's net after it (+ for a surplus)."""
    top = package.follow_up[package.follow_up["depth"] == 0]
    if top.empty or top.iloc[0]["org_unit_code"] not in package.financing_units:
        return []
    name, sign = package.reading(0, "net", top.iloc[0]["org_unit_code"])
    return [Line("Skatteintäkter och generella statsbidrag", _of(top, ["taxes_and_grants"]),
                 sign=-1),
            Line("Finansnetto", _of(top, ["financial_items"]), sign=-1),
            Line(f"{package.scope.name}, {name.lower()}", _of(top, ["net"]), sign=sign,
                 style="total")]


def round_lines(lines: list[Line], columns: list[str]) -> None:
    """Whole tkr per line and column: each figure rounded once from its exact amount (a
    sum is its own amount rounded, so its parts may differ from it by a rounding)."""
    for line in lines:
        for column in columns:
            line.rounded[column] = in_units(line.values[column]) or 0


def printed(line: Line, column: str) -> str:
    """A rounded line's figure as printed: as the board reads it, '–' where none."""
    if missing(line.values[column]):
        return "–"
    value = line.rounded[column] * (1 if column in SIGNLESS else line.sign)
    return whole(value) if value else "0"


def _headings(package: Package, columns: list[str]) -> dict[str, str]:
    return {"budget_annual": "Budget" if package.is_year_end else "Årsbudget",
            "budget_ytd": wording.budget_ytd(package), "outcome_ytd": wording.outcome(package),
            "deviation_ytd": wording.deviation_ytd(package), "forecast_annual": "Prognos helår",
            "forecast_previous": "Föregående prognos", "forecast_deviation": "Avvikelse prognos",
            "outcome_prior_ytd": wording.prior(package)}


def lines_for(package: Package) -> list[Line]:
    lines = kommun_lines(package) if package.scope.is_kommun else board_lines(package)
    round_lines(lines, _columns(package))
    return lines


def section(package: Package) -> dict:
    columns = _columns(package)
    lines = lines_for(package)
    headings = _headings(package, columns)
    table_columns = [blocks.text_column("Tkr", "1fr"),
                     *[blocks.Column(headings[c], width="2.15cm") for c in columns]]
    rows = [blocks.row([line.label, *[printed(line, c) for c in columns]], line.style,
                       line.indent) for line in lines]
    if package.scope.is_kommun:
        caption = f"Driftredovisning per nämnd, {package.period_label}"
        note = (wording.convention(package) + " Nämndernas rader är verksamhetens "
                "nettokostnad; Kommunstyrelsens skatteintäkter och finansiella poster står på "
                "egna rader. Årets resultat = skatteintäkter + finansnetto − verksamhetens "
                "nettokostnad.")
    else:
        levels = package.follow_up.loc[package.follow_up["depth"].isin([1, 2]),
                                       "org_level_name"].dropna().unique()
        caption = (f"Driftredovisning per {' och '.join(str(lv).lower() for lv in levels)}, "
                   f"{package.period_label}")
        note = wording.convention(package) + " Alla enheters rader är nettokostnad" + (
            "; kommunens skatteintäkter och finansnetto, som nämnden förvaltar, står på egna "
            "rader." if _financing_lines(package) else ".")
    note += " " + ROUNDING_NOTE
    intro = []
    if not package.is_year_end and package.month == 2:
        intro.append("Föregående prognos saknas: februari är årets första uppföljning.")
    return blocks.section("Driftredovisning", [
        blocks.paragraphs(*intro),
        blocks.table(table_columns, rows, caption, note)], landscape=not package.is_year_end)
