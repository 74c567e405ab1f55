"""Måluppföljning: every goal of the scope with target, outcome, the reported status (in its
colour) and the status weighed up from the goals below it, the unit's comment in full, and a
warning where a reported status contradicts the computed outcome or the goals below it."""

from __future__ import annotations

from pipelines.packages.content import UNKNOWN, Package
from pipelines.packages.figures import decimal, missing, tkr
from pipelines.packages.layout import layout
from pipelines.packages.sections import blocks
from pipelines.packages.sections.operating import boards_operating

PROGRESSED = ("uppnått", "delvis uppnått")


def measure(value, unit) -> str:
    if missing(value):
        return ""
    if unit == "kr":
        return f"{tkr(value)} tkr"
    text = decimal(value, 0 if float(value).is_integer() else 1)
    return f"{text} {unit}" if isinstance(unit, str) and unit != "antal" else text


def _text(value) -> str:
    return value.strip() if isinstance(value, str) else ""


def contradictions(goal: dict) -> list[str]:
    """What does not fit in a goal's reported status, in words; empty when all fits."""
    status = _text(goal.get("status"))
    source = _text(goal.get("status_source"))
    out = []
    met = goal.get("target_met")
    reported = status and not source.startswith("beräknad")
    if reported and met is True and status in ("ej uppnått", "ej påbörjad"):
        out.append(f"rapporterad status är {status}, men utfallet "
                   f"{measure(goal.get('outcome_value'), goal.get('unit'))} når målvärdet")
    if reported and met is False and status == "uppnått":
        out.append(f"rapporterad status är uppnått, men utfallet "
                   f"{measure(goal.get('outcome_value'), goal.get('unit'))} når inte målvärdet")
    rolled = _text(goal.get("rolled_up_status"))
    if status == "ej påbörjad" and rolled in PROGRESSED:
        out.append(f"rapporterad status är ej påbörjad, men målen under det är sammanvägt "
                   f"{rolled}")
    return out


def boards_over_budget(package: Package) -> str:
    """The nämnder whose forecast deviation on verksamhetens nettokostnad (financing left
    out) is negative, by name: what the count of computation namnder_over_budget counts."""
    names = [name for code, name, values in boards_operating(package)
             if code != UNKNOWN and values["forecast_deviation"] < 0]
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
    rows, flagged = [], 0
    for g in goals.to_dict("records"):
        status = _text(g["status"]) or "ej rapporterad"
        rolled = _text(g["rolled_up_status"])
        texts = [("Kommentar", _text(g.get("comment")))]
        if g["goal_id"] in extra:
            texts.append(("Avser", extra[g["goal_id"]]))
        if _text(g.get("outcome_source")):
            texts.append(("Utfallet bygger på", _text(g["outcome_source"])))
        found = contradictions(g)
        if found:
            flagged += 1
            texts.append(("Att kontrollera", "; ".join(found)))
        rows.append(blocks.commented_row(
            [f"{g['goal_id']} {g['goal_name']}", kinds.get(g["goal_kind"], ""),
             measure(g["target_value"], g["unit"]), measure(g["outcome_value"], g["unit"]),
             status, rolled],
            texts, fills=["", "", "", "", status, rolled]))
    intro = (f"{len(rows)} mål och styrtal. Status är den som rapporterats; sammanvägt är "
             "vägt ur målen under.")
    if flagged:
        intro += (f" {flagged} har en status som inte stämmer med utfallet eller med målen "
                  "under: se Att kontrollera.")
    return blocks.section("Måluppföljning", [
        blocks.paragraphs(intro),
        blocks.commented_table(columns, rows, f"Måluppföljning, {package.period_label}",
                               "Färgen följer statusen: grön uppnått, gul delvis uppnått, "
                               "röd ej uppnått, grå ej påbörjad.")])
