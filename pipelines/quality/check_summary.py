"""What a rule family's check says about one month, for the Dagster UI: the issues of the
month in Swedish, as a person reads them there (docs/quality.md, "In the Dagster UI").

Per month: how many errors and warnings, per rule and per board, the first issues with file,
line and what to correct, and how to open the whole list. Plain text and Markdown tables;
the Dagster layer (pipelines/defs/quality.py) wraps them as the check's metadata.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

FIRST_ISSUES = 10  # shown in the check; the rest are in the quality report
SEVERITY = {"error": "fel", "warn": "varning"}


@dataclass
class MonthSummary:
    """A rule family's issues of one month."""

    month: str
    errors: int = 0
    warnings: int = 0
    text: dict[str, str] = field(default_factory=dict)  # label -> plain text
    tables: dict[str, str] = field(default_factory=dict)  # label -> Markdown

    @property
    def passed(self) -> bool:
        return self.errors == 0


def _cell(value) -> str:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return ""
    text = str(int(value)) if isinstance(value, float) and value.is_integer() else str(value)
    return text.replace("|", "\\|").replace("\n", " ")


def markdown(frame: pd.DataFrame) -> str:
    """A small table in Markdown (what the UI renders)."""
    head = "| " + " | ".join(frame.columns) + " |"
    rule = "| " + " | ".join("---" for _ in frame.columns) + " |"
    rows = ["| " + " | ".join(_cell(v) for v in row) + " |"
            for row in frame.itertuples(index=False)]
    return "\n".join([head, rule, *rows])


def _by_rule(issues: pd.DataFrame) -> pd.DataFrame:
    frame = issues.assign(n=1, description=issues["description"].fillna(""))
    counts = frame.pivot_table(index=["rule", "description"], columns="severity", values="n",
                               aggfunc="sum", fill_value=0).reset_index()
    for severity in SEVERITY:
        if severity not in counts:
            counts[severity] = 0
    counts = counts.sort_values(["error", "warn", "rule"], ascending=[False, False, True])
    return pd.DataFrame({"Regel": counts["rule"], "Fel": counts["error"],
                         "Varningar": counts["warn"], "Vad regeln säger": counts["description"]})


def _by_board(issues: pd.DataFrame) -> pd.DataFrame:
    counts = issues.groupby("board").size().sort_values(ascending=False)
    return pd.DataFrame({"Nämnd": counts.index, "Ärenden": counts.values})


def _first(issues: pd.DataFrame) -> pd.DataFrame:
    first = issues.assign(order=issues["severity"].map({"error": 0, "warn": 1}))
    first = first.sort_values(["order", "rule", "file", "line"]).head(FIRST_ISSUES)
    return pd.DataFrame({"Nämnd": first["board"], "Fil": first["file"], "Rad": first["line"],
                         "Allvar": first["severity"].map(SEVERITY),
                         "Vad ska rättas": first["message_sv"]})


def month_summaries(issues: pd.DataFrame, months: list[str], where_to_read: str
                    ) -> list[MonthSummary]:
    """One summary per month of `months` from the rule family's open issues (report.
    open_issues, with their board); `where_to_read`: how a person opens the whole list
    (`{month}` in it is the month)."""
    out = []
    for month in months:
        mine = issues[issues["period"] == month]
        summary = MonthSummary(month, int((mine["severity"] == "error").sum()),
                               int((mine["severity"] == "warn").sum()))
        summary.text["Månad"] = month
        if mine.empty:
            summary.text["Resultat"] = f"Inga fel eller varningar för {month}."
        else:
            summary.text["Resultat"] = (
                f"{summary.errors} fel och {summary.warnings} varningar för {month}, i "
                f"{mine['board'].nunique()} nämnder. Nämnder med fel får utkast i stället "
                "för publicerade paket.")
            summary.tables["Per regel"] = markdown(_by_rule(mine))
            summary.tables["Per nämnd"] = markdown(_by_board(mine))
            shown = min(len(mine), FIRST_ISSUES)
            summary.tables[f"De första {shown} av {len(mine)}"] = markdown(_first(mine))
            summary.text["Hela listan"] = where_to_read.replace("{month}", month)
        out.append(summary)
    return out
