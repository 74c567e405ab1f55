"""The PDF's charts as SVG (matplotlib), each with the words a screen reader reads instead.

Amounts are in mnkr the way a board reads them (nettokostnad +); axes carry Swedish
numbers (decimal comma, no-break thousands), labels are never cut: long names wrap.
"""

from __future__ import annotations

import io
import textwrap
from dataclasses import dataclass

import matplotlib

matplotlib.use("Agg")
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.ticker import FuncFormatter, MaxNLocator  # noqa: E402

from pipelines.packages.figures import decimal  # noqa: E402

BLUE, GREY, RED, GREEN = "#1F4E78", "#A6A6A6", "#B00000", "#2E6B1F"
WIDTH_IN = 6.7  # the text width of an A4 page with 2 cm margins
matplotlib.rcParams.update({
    "font.family": "DejaVu Sans", "font.size": 8, "svg.hashsalt": "uppfoljning",
    "svg.fonttype": "path", "axes.spines.top": False, "axes.spines.right": False,
})


@dataclass
class Chart:
    svg: str
    alt: str
    caption: str


def _svg(fig: Figure) -> str:
    out = io.StringIO()
    fig.savefig(out, format="svg", bbox_inches="tight", metadata={"Date": None})
    return out.getvalue()


def _axis_formatter(decimals: int):
    """Swedish tick labels; whole numbers without decimals ('5', not '5,0')."""
    def label(value: float, _pos) -> str:
        return decimal(value, 0 if float(value).is_integer() else decimals)
    return FuncFormatter(label)


def _label(name: str) -> str:
    return "\n".join(textwrap.wrap(name, 30, break_long_words=False)) or name


def _units_across(names: list[str], row_inches: float, xlabel: str):
    """A figure of one bar row per unit, top down, names wrapped, whole-number x ticks."""
    fig = Figure(figsize=(WIDTH_IN, max(1.6, row_inches * len(names) + 0.8)))
    ax = fig.subplots()
    ax.set_yticks(range(len(names)), [_label(n) for n in names])
    ax.invert_yaxis()
    ax.xaxis.set_major_locator(MaxNLocator(nbins=6, integer=True))
    ax.xaxis.set_major_formatter(_axis_formatter(0))
    ax.set_xlabel(xlabel)
    ax.grid(axis="x", alpha=0.3)
    return fig, ax


def bars_against_budget(names: list[str], outcome: list[float], budget: list[float],
                        caption: str, what: str) -> Chart:
    """Horizontal bars, outcome beside budget, per unit (mnkr)."""
    fig, ax = _units_across(names, 0.42, f"mnkr ({what})")
    ys = range(len(names))
    ax.barh([y + 0.2 for y in ys], budget, height=0.4, color=GREY, label="Budget")
    ax.barh([y - 0.2 for y in ys], outcome, height=0.4, color=BLUE, label="Utfall")
    ax.axvline(0, color="black", linewidth=0.6)
    ax.legend(loc="lower right", frameon=False)
    alt = caption + ": " + "; ".join(
        f"{n} utfall {decimal(o)} mnkr, budget {decimal(b)} mnkr"
        for n, o, b in zip(names, outcome, budget, strict=True))
    return Chart(_svg(fig), alt, caption)


def forecast_trend(months: list[str], deviations: list[float], caption: str) -> Chart:
    """The full-year forecast deviation at each month's close (mnkr, + surplus)."""
    fig = Figure(figsize=(WIDTH_IN, 2.6))
    ax = fig.subplots()
    ax.bar(months, deviations, color=[GREEN if v >= 0 else RED for v in deviations])
    ax.axhline(0, color="black", linewidth=0.6)
    ax.yaxis.set_major_locator(MaxNLocator(nbins=6, steps=[1, 2, 2.5, 5, 10]))
    ax.yaxis.set_major_formatter(_axis_formatter(1))
    ax.set_ylabel("mnkr (+ överskott, − underskott)")
    ax.grid(axis="y", alpha=0.3)
    alt = caption + ": " + "; ".join(f"{m} {decimal(v)} mnkr" for m, v in
                                     zip(months, deviations, strict=True))
    return Chart(_svg(fig), alt, caption)


def sick_leave(names: list[str], values: list[float], caption: str) -> Chart:
    fig, ax = _units_across(names, 0.32, "procent av ordinarie arbetstid")
    ax.barh(range(len(names)), values, color=BLUE)
    alt = caption + ": " + "; ".join(f"{n} {decimal(v)} procent" for n, v in
                                     zip(names, values, strict=True))
    return Chart(_svg(fig), alt, caption)
