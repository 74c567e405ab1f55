"""The packages' layout (reports/layout.yaml) and text templates (reports/templates/)."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import jinja2
import yaml

from pipelines.packages.figures import board_value, tkr
from pipelines.packages.readings import OPERATING_NET

REPORTS_DIR = Path(__file__).resolve().parents[2] / "reports"


@cache
def layout() -> dict:
    return yaml.safe_load((REPORTS_DIR / "layout.yaml").read_text(encoding="utf-8"))


def columns(section: str) -> list[tuple[str, str]]:
    """(field, heading) of a section's table."""
    return [(name, heading) for name, heading in layout()["columns"][section]]


@cache
def _environment() -> jinja2.Environment:
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(REPORTS_DIR / "templates"),
                             autoescape=False, trim_blocks=True, lstrip_blocks=True,
                             undefined=jinja2.StrictUndefined, keep_trailing_newline=True)
    env.filters["tkr"] = tkr
    return env


def render(template: str, **values) -> str:
    return _environment().get_template(template).render(**values).strip()


def summary_text(package) -> str:
    """Sammanfattning in words, as a board reads it: a board's nettokostnad, the kommun's
    årets resultat (+ surplus); its largest deviations with the units' comments in full."""
    # a board's nettokostnad leaves out the kommun's financing it may hold (readings)
    holds = not package.scope.is_kommun and bool(
        (package.summary["cost_category"] == OPERATING_NET).any())
    net = package.summary[package.summary["cost_category"]
                          == (OPERATING_NET if holds else "net")]
    values = net.iloc[0] if not net.empty else None
    sign = -1 if package.scope.is_kommun else 1  # the kommun reads its result, not its cost

    def amount(column: str) -> float:
        return board_value(float(values[column]), sign) if values is not None else 0.0

    def signed(column: str) -> float:  # a deviation reads the same either way
        return float(values[column]) if values is not None else 0.0

    below = package.deviations[package.deviations["tree_position"] > 0] \
        if not package.deviations.empty else package.deviations
    largest = []
    if not below.empty:
        order = below.assign(size=below["forecast_deviation"].abs().astype(float)
                             + below["deviation_ytd"].abs().astype(float))
        for row in order.sort_values(["size", "tree_position"], ascending=[False, True]
                                     ).head(5).itertuples():
            largest.append({
                "org_unit_name": row.org_unit_name, "org_unit_code": row.org_unit_code,
                "cost_category_name": package.reading(1, row.cost_category,
                                                      row.org_unit_code)[0],
                "deviation": float(row.deviation_ytd),
                "forecast_deviation": float(row.forecast_deviation),
                "comment": row.comment if isinstance(row.comment, str) else "",
            })
    return render("summary.txt.j2", scope_name=package.scope.name,
                  is_kommun=package.scope.is_kommun, year_end=package.is_year_end,
                  year=package.year, period_label=package.period_label,
                  outcome=amount("outcome_ytd"), budget=amount("budget_ytd"),
                  deviation=signed("deviation_ytd"), forecast=amount("forecast_annual"),
                  budget_annual=amount("budget_annual"),
                  forecast_deviation=signed("forecast_deviation"), deviations=largest,
                  holds_financing=holds)


def summary_parts(package) -> tuple[list[str], list[str]]:
    """The summary's paragraphs and its bullet list of the largest deviations."""
    paragraphs, bullets = [], []
    for part in summary_text(package).split("\n\n"):
        lines = [line for line in part.splitlines() if line]
        listed = [line[2:] for line in lines if line.startswith("- ")]
        bullets += listed
        # the list's own heading line ("Största avvikelser:") is the PDF's subheading
        text = "" if listed else " ".join(lines)
        if text:
            paragraphs.append(text)
    return paragraphs, bullets
