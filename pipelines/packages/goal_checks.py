"""What a goal's figures say, and what does not fit in its reported status: the controller's
checks before the board reads the goals (the workbook's Mål sheet, "Att kontrollera")."""

from __future__ import annotations

from pipelines.packages.figures import decimal, missing, tkr

PROGRESSED = ("uppnått", "delvis uppnått")


def measure(value, unit) -> str:
    """A goal's value as it reads: '1 234 tkr', '86,8 %', '12'."""
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
