"""Personalstatistik: headcount, årsarbetare, personnel cost against budget and sick leave
per follow-up period (the month and the year to date), org level and unit.

Sick leave is given as the law asks for the annual report: per cent of the group's ordinary
(scheduled) hours, in total, the share of it from spells of 60 days or more, for women, for men
and for the ages up to 29, 30-49 and 50 or more. No sick-leave figure is given for a group of
ten or fewer employees; it is NULL and its `_suppression` column says why. Where a suppressed
figure could be worked out from a total and the other groups (women + men = all, the age
groups = all, the units of a parent = the parent), one more figure of that set is suppressed
too (complementary suppression), until no set has exactly one hidden figure. The share of
sick leave from spells of 60 days or more is also suppressed where those spells are one or two
persons': it could be traced to them (the law's second clause). A group with
no employees has no figure either, but hides nothing: everybody can see that it is empty.

A pandas model: the suppression is a small fixed-point search over sets of cells, which SQL
expresses badly.
"""

import pandas as pd

MAX_SUPPRESSED_GROUP = 10  # a group of at most ten employees gets no sick-leave figure
SMALL_GROUP = "högst tio anställda i gruppen"
EMPTY_GROUP = "inga anställda i gruppen"
DERIVABLE = "kan annars räknas fram ur summan och övriga grupper"
# the law's second clause: a figure that can be traced to an individual. The share of sick
# leave from spells of 60 days or more, when those spells are one or two persons', tells
# their colleagues about them (86,8 % in a group of 11 is one person's illness)
MIN_LONG_TERM_PERSONS = 3
TRACEABLE = "kan härledas till enskild person (långtidssjukfrånvaro hos högst två anställda)"
LONG_SHARE = "sick_leave_long_share_pct"

# each published sick-leave figure: (numerator hours, denominator hours, group-size column)
FIGURES = {
    "sick_leave_pct": ("sick_hours", "scheduled_hours", "headcount"),
    "sick_leave_long_share_pct": ("sick_hours_long", "sick_hours", "headcount"),
    "sick_leave_women_pct": ("sick_hours_women", "scheduled_hours_women", "headcount_women"),
    "sick_leave_men_pct": ("sick_hours_men", "scheduled_hours_men", "headcount_men"),
    "sick_leave_age_29_pct": ("sick_hours_age_29", "scheduled_hours_age_29", "headcount_age_29"),
    "sick_leave_age_30_49_pct": (
        "sick_hours_age_30_49", "scheduled_hours_age_30_49", "headcount_age_30_49"),
    "sick_leave_age_50_pct": ("sick_hours_age_50", "scheduled_hours_age_50", "headcount_age_50"),
}
# within one unit: a total and groups that add up to it
UNIT_PARTITIONS = (
    ("sick_leave_pct", ("sick_leave_women_pct", "sick_leave_men_pct")),
    ("sick_leave_pct",
     ("sick_leave_age_29_pct", "sick_leave_age_30_49_pct", "sick_leave_age_50_pct")),
)
SLICE = ["fiscal_year", "period", "period_scope"]


def sick_leave_figures(frame: pd.DataFrame) -> pd.DataFrame:
    """The percentages, unsuppressed (a share of nothing is 0)."""
    out = frame.copy()
    for figure, (numerator, denominator, _) in FIGURES.items():
        num = out[numerator].fillna(0.0).astype(float)
        den = out[denominator].fillna(0.0).astype(float)
        share = (100.0 * num / den.where(den > 0)).round(2)
        if figure == "sick_leave_long_share_pct":
            share = share.fillna(0.0)
        out[figure] = share
    return out


def _relations(rows: pd.DataFrame) -> list[tuple[tuple, list[tuple]]]:
    """(total cell, part cells) of every set whose parts add up to its total; a cell is
    (row index, figure)."""
    relations = []
    for idx in rows.index:
        for total, parts in UNIT_PARTITIONS:
            relations.append(((idx, total), [(idx, p) for p in parts]))
    # children under their parent: the parent is the unit with the parent's code on the
    # nearest level above (the unknown branch repeats one code on several levels)
    by_code: dict[str, list[tuple[int, int]]] = {}
    for idx, code, order in zip(rows.index, rows["org_unit_code"], rows["level_order"],
                                strict=True):
        by_code.setdefault(code, []).append((order, idx))
    children: dict[int, list[int]] = {}
    for idx, parent, order in zip(rows.index, rows["parent_unit_code"], rows["level_order"],
                                  strict=True):
        above = [(o, i) for o, i in by_code.get(parent, []) if o < order]
        if above:
            children.setdefault(max(above)[1], []).append(idx)
    for parent_idx, kids in children.items():
        for figure in FIGURES:
            relations.append(((parent_idx, figure), [(k, figure) for k in kids]))
    return relations


def suppress(frame: pd.DataFrame) -> pd.DataFrame:
    """NULL every sick-leave figure of a small group, then complementary suppression; each
    figure gets a `<figure>_suppression` column with the reason (NULL where shown)."""
    out = frame.copy()
    reasons: dict[tuple, str] = {}
    for _, rows in out.groupby(SLICE, sort=False):
        size = {(idx, f): int(n) for f, (_, _, group) in FIGURES.items()
                for idx, n in zip(rows.index, rows[group], strict=True)}
        for cell, n in size.items():
            if 0 < n <= MAX_SUPPRESSED_GROUP:
                reasons[cell] = SMALL_GROUP
        long_term = rows["headcount_long_term_sick"].fillna(0).astype(int)
        for idx, persons in zip(rows.index, long_term, strict=True):
            if 0 < persons < MIN_LONG_TERM_PERSONS and (idx, LONG_SHARE) not in reasons:
                reasons[(idx, LONG_SHARE)] = TRACEABLE
        relations = _relations(rows)
        member_of: dict[tuple, list[int]] = {}
        for r, (total, parts) in enumerate(relations):
            for cell in (total, *parts):
                member_of.setdefault(cell, []).append(r)
        pending = list(range(len(relations)))
        while pending:
            total, parts = relations[pending.pop()]
            hidden = [c for c in (total, *parts) if c in reasons]
            if len(hidden) != 1:
                continue
            shown = [c for c in parts if c not in reasons and size[c] > 0]
            # hide the smallest other group; the total only when no other group is left
            if shown:
                cell = min(shown, key=lambda c: (size[c], c))
            elif total not in reasons and size[total] > 0:
                cell = total
            else:  # the hidden one is the total and its groups are empty: nothing to derive
                continue
            reasons[cell] = DERIVABLE
            pending.extend(member_of[cell])
    for figure, (_, _, group) in FIGURES.items():
        column = [reasons.get((idx, figure)) or (EMPTY_GROUP if n == 0 else None)
                  for idx, n in zip(out.index, out[group], strict=True)]
        out[f"{figure}_suppression"] = column
        out.loc[[r is not None for r in column], figure] = None
    return out


def model(dbt, session):
    dbt.config(materialized="table")
    figures = dbt.ref("int_staff_figures_aggregated").df()
    levels = dbt.ref("org_levels").df()[["org_level", "level_order"]]
    # a fixed order, so that the same data always hides the same figures
    frame = figures.merge(levels, on="org_level", how="left").sort_values(
        [*SLICE, "level_order", "org_unit_code"]).reset_index(drop=True)
    frame = suppress(sick_leave_figures(frame))
    frame["personnel_cost_deviation"] = 0.0  # computed in exact decimals below
    columns = [
        *SLICE, "org_level", "level_order", "org_unit_code", "org_unit_name",
        "parent_unit_code", "headcount", "headcount_women", "headcount_men",
        "headcount_age_29", "headcount_age_30_49", "headcount_age_50", "fte",
        "personnel_cost_outcome", "personnel_cost_budget", "personnel_cost_deviation",
        "personnel_cost_budget_annual", "personnel_cost_hr", "overtime_hours",
        "additional_hours",
        *[c for f in FIGURES for c in (f, f"{f}_suppression")],
    ]
    frame = frame[columns].sort_values(
        [*SLICE, "level_order", "org_unit_code"]).reset_index(drop=True)
    return session.from_df(frame).project(", ".join(exact(c) for c in columns))


MONEY = ("personnel_cost_outcome", "personnel_cost_budget", "personnel_cost_budget_annual",
         "personnel_cost_hr")
HOURS = ("overtime_hours", "additional_hours")


def exact(column: str) -> str:
    """The column as the mart stores it: money (SEK) and hours as exact decimals, FTE
    rounded once to two decimals (pandas carried the exact sums as floats, which hold them
    to the öre), the deviation computed from the exact budget and outcome."""
    if column in MONEY:
        return f"cast({column} as decimal(18, 2)) as {column}"
    if column == "personnel_cost_deviation":
        return ("cast(personnel_cost_budget as decimal(18, 2)) - "
                "cast(personnel_cost_outcome as decimal(18, 2)) as personnel_cost_deviation")
    if column in HOURS:
        return f"cast({column} as decimal(14, 2)) as {column}"
    if column == "fte":
        return "cast(round(fte, 2) as decimal(12, 2)) as fte"
    return f'"{column}"'

