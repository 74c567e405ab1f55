"""Måluppföljning: every goal of the scope with target, outcome and the unit it measures, the
reported status (in its colour) and the status weighed up from the goals below it, and the
unit's comment in full. A status that contradicts the outcome is the controller's to check
(the workbook's Mål sheet, packages.goal_checks), not the board's to read."""

from __future__ import annotations

from pipelines.domain import UNKNOWN_UNIT
from pipelines.packages.content import Package
from pipelines.packages.figures import missing
from pipelines.packages.goal_checks import measure
from pipelines.packages.layout import layout
from pipelines.packages.sections import blocks
from pipelines.packages.sections.operating import boards_operating


def _text(value) -> str:
    return value.strip() if isinstance(value, str) else ""


def measured_unit(goal: dict) -> str:
    """Which unit a goal's outcome measures, as a reader needs it beside the figure (a
    styrtal under a sector's goal may be one unit's), e.g. 'Förskola (1211)'."""
    name, code = _text(goal.get("measured_unit_name")), _text(goal.get("measured_unit_code"))
    if not name or missing(goal.get("outcome_value")):
        return ""
    return f"{name} ({code})" if code else name


def boards_over_budget(package: Package) -> str:
    """The nämnder whose forecast deviation on verksamhetens nettokostnad (financing left
    out) is negative, by name: what the count of computation namnder_over_budget counts."""
    names = [name for code, name, values in boards_operating(package)
             if code != UNKNOWN_UNIT and values["forecast_deviation"] < 0]
    return ", ".join(names) if names else "ingen nämnd"


def section(package: Package) -> dict | None:
    goals = package.goals
    if goals.empty:
        return None
    extra = {}
    if package.scope.is_kommun and "computation" in goals:
        extra = {g: f"nämnder med underskott mot budget: {boards_over_budget(package)}"
                 for g, c in zip(goals["goal_id"], goals["computation"], strict=True)
                 if c == "namnder_over_budget"}
    kinds = layout()["goal_kinds"]
    columns = [blocks.text_column("Mål"), blocks.text_column("Typ", "3.3cm"),
               blocks.Column("Målvärde", width="1.9cm"), blocks.Column("Utfall", width="1.9cm"),
               blocks.text_column("Status", "2.1cm"), blocks.text_column("Sammanvägt", "2.1cm")]
    rows = []
    for g in goals.to_dict("records"):
        status = _text(g["status"]) or "ej rapporterad"
        rolled = _text(g["rolled_up_status"])
        texts = [("Kommentar", _text(g.get("comment")))]
        if g["goal_id"] in extra:
            texts.append(("Avser", extra[g["goal_id"]]))
        elif measured := measured_unit(g):
            texts.append(("Avser", measured))
        if _text(g.get("outcome_source")):
            texts.append(("Utfallet bygger på", _text(g["outcome_source"])))
        rows.append(blocks.commented_row(
            [f"{g['goal_id']} {g['goal_name']}", kinds.get(g["goal_kind"], ""),
             measure(g["target_value"], g["unit"]), measure(g["outcome_value"], g["unit"]),
             status, rolled],
            texts, fills=["", "", "", "", status, rolled]))
    intro = (f"{len(rows)} mål och styrtal. Status är den som rapporterats; sammanvägt är "
             "vägt ur målen under.")
    return blocks.section("Måluppföljning", [
        blocks.paragraphs(intro),
        blocks.commented_table(columns, rows, f"Måluppföljning, {package.period_label}",
                               "Färgen följer statusen: grön uppnått, gul delvis uppnått, "
                               "röd ej uppnått, grå ej påbörjad.")])
