"""The packages' layout (reports/layout.yaml) and text templates (reports/templates/)."""

from __future__ import annotations

import math
from functools import cache
from pathlib import Path

import jinja2
import yaml

REPORTS_DIR = Path(__file__).resolve().parents[2] / "reports"


@cache
def layout() -> dict:
    return yaml.safe_load((REPORTS_DIR / "layout.yaml").read_text(encoding="utf-8"))


def columns(section: str) -> list[tuple[str, str]]:
    """(field, heading) of a section's table."""
    return [(name, heading) for name, heading in layout()["columns"][section]]


def tkr(value: float | None) -> str:
    """SEK as whole tkr with a space between thousands and a real minus sign."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "-"
    text = f"{round(value / 1000):,}".replace(",", " ")
    return text.replace("-", "\u2212")


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
    """Sammanfattning in words: the scope's net result and its largest deviations."""
    net = package.summary[package.summary["cost_category"] == "net"]
    values = net.iloc[0] if not net.empty else None

    def amount(column: str) -> float:
        return float(values[column]) if values is not None else 0.0

    below = package.deviations[package.deviations["tree_position"] > 0] \
        if not package.deviations.empty else package.deviations
    largest = []
    if not below.empty:
        order = below.assign(size=below["forecast_deviation"].abs().astype(float)
                             + below["deviation_ytd"].abs().astype(float))
        for row in order.sort_values("size", ascending=False).head(5).itertuples():
            largest.append({
                "org_unit_name": row.org_unit_name, "org_unit_code": row.org_unit_code,
                "cost_category_name": row.cost_category_name,
                "deviation_ytd": float(row.deviation_ytd),
                "forecast_deviation": float(row.forecast_deviation),
                "comment": row.comment if isinstance(row.comment, str) else "",
            })
    return render("summary.txt.j2", scope_name=package.scope.name,
                  period_label=package.period_label, outcome=amount("outcome_ytd"),
                  budget=amount("budget_ytd"), deviation=amount("deviation_ytd"),
                  forecast=amount("forecast_annual"), budget_annual=amount("budget_annual"),
                  forecast_deviation=amount("forecast_deviation"), deviations=largest)
