"""The package's PDF for the board meeting (matplotlib): a front page, the summary, charts of
budget against outcome and of the forecast over the year, sick leave, and the deviations.
Tertial, delår and årsredovisning add the statutory sick-leave table and the goal follow-up;
the kommun total adds the deadline tracking and, at year end, the balanskravsutredning."""

from __future__ import annotations

import datetime as dt
import math
import textwrap
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.backends.backend_pdf import PdfPages  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from pipelines.packages.content import MONTHS_SV, Package  # noqa: E402
from pipelines.packages.layout import layout, render, summary_text, tkr  # noqa: E402

A4 = (8.27, 11.69)
BLUE, GREY, RED, GREEN = "#1F4E78", "#A6A6A6", "#C00000", "#548235"
STATUTORY = [
    ("sick_leave_pct", "Total sjukfrånvaro"),
    ("sick_leave_long_share_pct", "Varav sammanhängande 60 dagar eller mer"),
    ("sick_leave_women_pct", "Kvinnor"),
    ("sick_leave_men_pct", "Män"),
    ("sick_leave_age_29_pct", "29 år och yngre"),
    ("sick_leave_age_30_49_pct", "30-49 år"),
    ("sick_leave_age_50_pct", "50 år och äldre"),
]


def _page(package: Package, heading: str) -> Figure:
    fig = plt.figure(figsize=A4)
    fig.text(0.08, 0.95, heading, fontsize=16, weight="bold", color=BLUE)
    fig.text(0.08, 0.93, f"{package.scope.name} - {package.title}", fontsize=9, color="#404040")
    fig.text(0.92, 0.02, f"{package.municipality} · {package.period_key}", fontsize=7,
             ha="right", color="#808080")
    if not package.published:
        fig.text(0.5, 0.5, "UTKAST", fontsize=90, color=RED, alpha=0.12, rotation=35,
                 ha="center", va="center", weight="bold")
    return fig


def _table(fig: Figure, rect: tuple[float, float, float, float], header: list[str],
           rows: list[list[str]], widths: list[float], font: float = 8) -> None:
    ax = fig.add_axes(rect)
    ax.axis("off")
    if not rows:
        ax.text(0, 1, "Inga rader.", fontsize=font, va="top")
        return
    table = ax.table(cellText=rows, colLabels=header, colWidths=widths, loc="upper left",
                     cellLoc="right", colLoc="center")
    table.auto_set_font_size(False)
    table.set_fontsize(font)
    table.scale(1, 1.35)
    for (r, c), cell in table.get_celld().items():
        cell.set_edgecolor("#D0D0D0")
        if r == 0:
            cell.set_facecolor(BLUE)
            cell.get_text().set_color("white")
            cell.get_text().set_weight("bold")
        elif c == 0:
            cell.get_text().set_horizontalalignment("left")


def front_page(package: Package, generated: dt.date) -> Figure:
    fig = plt.figure(figsize=A4)
    lines = render("front_page.txt.j2", municipality=package.municipality,
                   scope_name=package.scope.name, title=package.title,
                   period_label=package.period_label, generated=generated.isoformat(),
                   meeting=package.meeting.isoformat() if package.meeting else None,
                   blockers=package.blockers).splitlines()
    sizes = [14, 26, 18]
    y = 0.72
    for i, line in enumerate(lines):
        blocked = line.startswith(("UTKAST", "Spärr"))
        fig.text(0.1, y, line, fontsize=sizes[i] if i < len(sizes) else (9 if blocked else 12),
                 weight="bold" if i < 3 or line.startswith("UTKAST") else "normal",
                 color=RED if blocked else (BLUE if i < 3 else "black"), wrap=True)
        y -= 0.06 if i < 3 else 0.03
    fig.add_artist(plt.Line2D([0.1, 0.9], [0.78, 0.78], color=BLUE, linewidth=3))
    return fig


def summary_page(package: Package) -> Figure:
    fig = _page(package, "Sammanfattning")
    rows = [[r["cost_category_name"], tkr(r["outcome_ytd"]), tkr(r["budget_ytd"]),
             tkr(r["deviation_ytd"]), tkr(r["budget_annual"]), tkr(r["forecast_annual"]),
             tkr(r["forecast_deviation"])] for r in package.summary.to_dict("records")]
    _table(fig, (0.08, 0.6, 0.84, 0.3), ["Kostnadsslag (tkr)", "Utfall ack", "Budget ack",
                                         "Avvikelse", "Årsbudget", "Prognos", "Prognosavv."],
           rows, [0.3, 0.12, 0.12, 0.12, 0.12, 0.12, 0.12])
    text = summary_text(package)
    fig.text(0.08, 0.55, _wrap(text, 105), fontsize=8.5, va="top", linespacing=1.5)
    fig.text(0.08, 0.06, layout()["amount_note"], fontsize=7, style="italic")
    return fig


def _wrap(text: str, width: int) -> str:
    import textwrap

    return "\n".join(textwrap.fill(line, width, subsequent_indent="  " if line.startswith(
        "- ") else "") if line else "" for line in text.splitlines())


def charts_page(package: Package) -> Figure:
    fig = _page(package, "Budget och utfall")
    sub = package.sub_units
    ax = fig.add_axes((0.3, 0.55, 0.62, 0.33))
    if sub.empty:
        ax.axis("off")
        ax.text(0, 0.5, "Inga underliggande enheter.", fontsize=9)
    else:
        names = [f"{n[:28]}" for n in sub["org_unit_name"]]
        y = range(len(sub))
        ax.barh([i + 0.2 for i in y], sub["budget_ytd"] / 1e6, height=0.4, color=GREY,
                label="Budget ack")
        ax.barh([i - 0.2 for i in y], sub["outcome_ytd"] / 1e6, height=0.4, color=BLUE,
                label="Utfall ack")
        ax.set_yticks(list(y), names, fontsize=7)
        ax.invert_yaxis()
        ax.set_xlabel("mnkr (netto, kostnader +)", fontsize=8)
        ax.tick_params(axis="x", labelsize=7)
        ax.legend(fontsize=7, loc="lower right")
        ax.set_title("Utfall mot budget per enhet, januari-" + MONTHS_SV[package.month - 1],
                     fontsize=10, loc="left")
    trend = package.trend
    ax2 = fig.add_axes((0.12, 0.1, 0.8, 0.33))
    months = [MONTHS_SV[p - 1][:3] for p in trend["period"]]
    deviation = (trend["budget_annual"].astype(float) - trend["forecast_annual"].astype(float)
                 ) / 1e6
    ax2.bar(months, deviation, color=[GREEN if d >= 0 else RED for d in deviation])
    ax2.axhline(0, color="black", linewidth=0.8)
    ax2.set_title("Prognosavvikelse för helåret vid varje månads utfall (årsbudget - prognos)",
                  fontsize=10, loc="left")
    ax2.set_ylabel("mnkr (+ överskott, - underskott)", fontsize=8)
    ax2.tick_params(labelsize=7)
    ax2.grid(alpha=0.3, axis="y")
    return fig


def _pct(row: dict, field: str) -> str:
    value = row.get(field)
    if isinstance(row.get(f"{field}_suppression"), str) or value is None or (
            isinstance(value, float) and math.isnan(value)):
        return layout()["suppressed_mark"]
    return f"{value:.1f}".replace(".", ",")


def staff_page(package: Package) -> Figure:
    fig = _page(package, "Personal")
    staff = package.staff
    if staff.empty:
        fig.text(0.08, 0.85, "Ingen personalstatistik för perioden.", fontsize=10)
        return fig
    top = staff.iloc[0].to_dict()
    fig.text(0.08, 0.88, f"Antal anställda: {int(top['headcount'])}    Årsarbetare: "
                         f"{top['fte']:.1f}".replace(".", ","), fontsize=10)
    sub = staff[staff["level_order"] == staff["level_order"].min() + 1]
    ax = fig.add_axes((0.3, 0.55, 0.62, 0.27))
    shown = sub[sub["sick_leave_pct"].notna()]
    if shown.empty:
        ax.axis("off")
    else:
        ax.barh(range(len(shown)), shown["sick_leave_pct"], color=BLUE)
        ax.set_yticks(range(len(shown)), [n[:28] for n in shown["org_unit_name"]], fontsize=7)
        ax.invert_yaxis()
        ax.set_xlabel("% av ordinarie arbetstid", fontsize=8)
        ax.tick_params(axis="x", labelsize=7)
    ax.set_title("Sjukfrånvaro januari-" + MONTHS_SV[package.month - 1], fontsize=10,
                 loc="left")
    hidden = len(sub) - len(shown)
    if hidden:
        fig.text(0.3, 0.51, f"{hidden} enheter redovisas inte (högst tio anställda eller "
                            "härledbar uppgift).", fontsize=7, style="italic")
    if package.is_statutory:
        fig.text(0.08, 0.45, "Sjukfrånvaro januari-" + MONTHS_SV[package.month - 1]
                 + " enligt lagen om kommunal bokföring och redovisning\n"
                 "(% av ordinarie arbetstid)", fontsize=10, weight="bold")
        rows = [[label, _pct(top, field)] for field, label in STATUTORY]
        _table(fig, (0.08, 0.12, 0.84, 0.3), ["", package.scope.name], rows, [0.55, 0.45],
               font=8.5)
    fig.text(0.08, 0.06, layout()["suppressed_note"], fontsize=7, style="italic")
    return fig


def _text(value) -> str:
    return value if isinstance(value, str) else ""


def _measure(value, unit) -> str:
    """A target or outcome as the goal states it: kr in tkr, else its own unit."""
    if value is None or value != value:
        return ""
    if unit == "kr":
        return f"{tkr(value)} tkr"
    text = f"{value:,.1f}".replace(",", " ").replace(".", ",").replace(",0", "")
    return f"{text} {unit}" if isinstance(unit, str) and unit != "antal" else text


GOALS_PER_PAGE = 40


def goals_pages(package: Package) -> list[Figure]:
    """Måluppföljning, as many pages as the goals need."""
    kinds = layout()["goal_kinds"]
    rows = []
    for r in package.goals.to_dict("records"):
        rows.append([f"{r['goal_id']} {r['goal_name']}"[:58], kinds.get(r["goal_kind"], "")[:16],
                     _measure(r["target_value"], r["unit"]), _measure(r["outcome_value"],
                                                                      r["unit"]),
                     _text(r["status"]) or "ej rapporterad", _text(r["rolled_up_status"])])
    pages = []
    for first in range(0, len(rows), GOALS_PER_PAGE):
        fig = _page(package, "Måluppföljning" + (" (forts.)" if first else ""))
        _table(fig, (0.04, 0.08, 0.92, 0.82), ["Mål", "Typ", "Målvärde", "Utfall", "Status",
                                               "Sammanvägt"], rows[first:first + GOALS_PER_PAGE],
               [0.40, 0.13, 0.11, 0.11, 0.12, 0.13], font=6.5)
        pages.append(fig)
    return pages


def deadlines_page(package: Package) -> Figure:
    """Bevakning (the kommun total): who has commented and reported by the tidplan."""
    fig = _page(package, "Bevakning av tidplanen")
    rows = [[r["Vad"], "" if r["Senast"] is None or r["Senast"] != r["Senast"]
             else str(r["Senast"]), *(str(r[c]) for c in ("Antal", "I tid", "Sent", "Saknas")),
             textwrap.shorten(_text(r["Saknas från"]), 48, placeholder=" …")]
            for r in package.deadlines.to_dict("records")]
    fig.text(0.04, 0.9, "Vilka enheter och mål som saknas eller kom in sent står i "
                        f"arbetsbokens blad {layout()['sheets']['deadline_details']}.",
             fontsize=8, style="italic")
    _table(fig, (0.04, 0.1, 0.92, 0.78), list(package.deadlines.columns), rows,
           [0.2, 0.1, 0.07, 0.07, 0.07, 0.07, 0.42], font=7)
    return fig


def balance_requirement_page(package: Package) -> Figure:
    fig = _page(package, "Balanskravsutredning")
    frame = package.balance_requirement
    years = [c for c in frame.columns if c != "line_name"]
    rows = [[r["line_name"], *[("" if r[y] is None or r[y] != r[y] else
                                f"{float(r[y]) / 1e6 + 0.0:,.1f}".replace(",", " ")
                                .replace(".", ",").replace("-", "\u2212")) for y in years]]
            for r in frame.to_dict("records")]
    width = 0.4 / max(1, len(years))
    _table(fig, (0.06, 0.55, 0.88, 0.33), ["Mnkr", *[str(y) for y in years]], rows,
           [0.6, *([width] * len(years))], font=9)
    decisions = package.balance_requirement_decisions
    note = ("Kommunfullmäktiges beslut: " + "; ".join(decisions) if decisions else
            "Inga beslut om undantag eller om resultatutjämningsreserven för året.")
    fig.text(0.06, 0.5, textwrap.fill(note, 110), fontsize=8, style="italic", va="top")
    return fig


def deviations_page(package: Package) -> Figure:
    fig = _page(package, "Avvikelser")
    frame = package.deviations
    rows = []
    if not frame.empty:
        frame = frame.assign(size=frame["forecast_deviation"].abs().astype(float)
                             + frame["deviation_ytd"].abs().astype(float))
        for r in frame.sort_values("size", ascending=False).head(25).to_dict("records"):
            rows.append([f"{r['org_unit_code']} {r['org_unit_name']}"[:38],
                         r["cost_category_name"][:24], tkr(r["deviation_ytd"]),
                         tkr(r["forecast_deviation"]),
                         (r["comment"] or "")[:40] if isinstance(r["comment"], str) else ""])
    _table(fig, (0.05, 0.1, 0.9, 0.8), ["Enhet", "Kostnadsslag", "Avv. ack", "Prognosavv.",
                                        "Kommentar"], rows, [0.34, 0.2, 0.1, 0.1, 0.26],
           font=7)
    return fig


def write_pdf(package: Package, path: Path, generated: dt.date | None = None) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    generated = generated or dt.date.today()
    pages = [front_page(package, generated), summary_page(package), charts_page(package),
             staff_page(package)]
    if not package.goals.empty:
        pages += goals_pages(package)
    if not package.deadlines.empty:
        pages.append(deadlines_page(package))
    if not package.balance_requirement.empty:
        pages.append(balance_requirement_page(package))
    pages.append(deviations_page(package))
    with PdfPages(path, metadata={"Title": f"{package.title} - {package.scope.name}",
                                  "Author": package.municipality,
                                  "Creator": "Uppföljning"}) as pdf:
        for fig in pages:
            pdf.savefig(fig)
            plt.close(fig)
    return path


__all__ = ["write_pdf"]
