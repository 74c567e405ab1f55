"""Issue 32, small groups found by subtraction: from what the marts, the packages and the open
data publish of the staff figures, no group of ten or fewer (nor long spells of one or two
persons) can be worked out. Every difference of published cells is tried: a total less one
or more of its shown parts (by sex, by age), a parent less its shown units, and on through
the shown figures inside what is left.

The check (slice_of, differences, nested) is independent of the mart's SQL on purpose: it
reads only what is published (a figure, or none) and the headcounts, as a reader of the
mart, the packages or the open data would; test_staff_statistics.py uses it too. A reader
is taken to know each shown cell's hours (sick and scheduled), not only its percentage:
then a total less shown parts is the rest's hours, and so its percentage. The
sets that add up, for one slice (year, period, scope):

- within a unit, its total with women and men, and with the three age groups (a person of
  unknown sex or age is in the total only: the rest of the partition);
- for each figure, a parent unit with its units on the level below (a person who changed
  unit counts in both, once in the parent; a person placed on the parent itself is in no
  unit: the rest).

A cell is known if shown, or if it is the one unknown member of a set (the rest empty).
For a set with a known total, every subset S of its known parts gives the group total - S;
a group's persons are counted from the headcounts: exactly within a unit, and within a
parent at least the parent's headcount less those of S (a person who moved may be in two
units) and at least the largest unit left. A subtraction can go on inside a unit that is not
known (the parent less its shown units, less the shown women of a hidden unit): `nested`.
"""

from __future__ import annotations

import csv
import datetime as dt
import shutil
from dataclasses import dataclass, field
from itertools import combinations
from pathlib import Path

import duckdb
import pandas as pd
import pytest

# --- the check ------------------------------------------------------------------------------

MAX_SMALL = 10  # a group of this many persons or fewer must not be derivable
MAX_TRACEABLE = 2  # long spells of this many persons or fewer point at them
TOTAL = "sick_leave_pct"
LONG = "sick_leave_long_share_pct"
FIGURES = {  # figure: its group's headcount
    TOTAL: "headcount", LONG: "headcount",
    "sick_leave_women_pct": "headcount_women", "sick_leave_men_pct": "headcount_men",
    "sick_leave_age_29_pct": "headcount_age_29",
    "sick_leave_age_30_49_pct": "headcount_age_30_49",
    "sick_leave_age_50_pct": "headcount_age_50",
}
PARTITIONS = {
    "kön": ["sick_leave_women_pct", "sick_leave_men_pct"],
    "ålder": ["sick_leave_age_29_pct", "sick_leave_age_30_49_pct", "sick_leave_age_50_pct"],
}

Key = tuple[int, str, str]  # level_order, org_unit_code, figure


@dataclass
class Set:
    name: str
    total: Key
    parts: list[Key]
    rest: int  # persons in the total and in no part (at least)
    exact: bool  # the parts are disjoint groups of persons (within a unit)


@dataclass
class Slice:
    persons: dict[Key, int] = field(default_factory=dict)
    long_term: dict[Key, int] = field(default_factory=dict)  # only the long share's cells
    shown: set[Key] = field(default_factory=set)
    sets: list[Set] = field(default_factory=list)


def slice_of(rows: pd.DataFrame, long_term: dict[tuple[int, str], int] | None = None
             ) -> Slice:
    """The cells and sets of one slice: rows with level_order, org_unit_code,
    parent_unit_code, the headcounts and the figures (NaN/None/'' = not shown).
    `long_term`: (level_order, unit) -> persons with long spells, where known."""
    out = Slice()
    units = {(int(r.level_order), r.org_unit_code): r for r in rows.itertuples()}
    for (level, code), r in units.items():
        for figure, size in FIGURES.items():
            key = (level, code, figure)
            out.persons[key] = int(getattr(r, size) or 0)
            value = getattr(r, figure)
            if not (value is None or value == "" or value != value):
                out.shown.add(key)
            if figure == LONG and long_term is not None:
                known = long_term.get((level, code))
                out.long_term[key] = 0 if pd.isna(known) else int(known)
        for name, parts in PARTITIONS.items():
            keys = [(level, code, p) for p in parts]
            rest = out.persons[(level, code, TOTAL)] - sum(out.persons[k] for k in keys)
            out.sets.append(Set(f"{name} {code}", (level, code, TOTAL), keys, rest, True))
    children: dict[tuple[int, str], list[tuple[int, str]]] = {}
    for (level, code), r in units.items():
        above = [lo for (lo, c) in units if c == r.parent_unit_code and lo < level]
        if r.parent_unit_code is not None and above:
            children.setdefault((max(above), r.parent_unit_code), []).append((level, code))
    for (level, code), kids in children.items():
        for figure in FIGURES:
            total = (level, code, figure)
            parts = [(lo, c, figure) for lo, c in sorted(kids)]
            rest = max(0, out.persons[total] - sum(out.persons[k] for k in parts))
            out.sets.append(Set(f"enheter {figure} {code}", total, parts, rest, False))
    return out


def known_cells(s: Slice) -> set[Key]:
    """Shown, or worked out as the one unknown member of a set whose rest is empty."""
    known = set(s.shown)
    changed = True
    while changed:
        changed = False
        for st in s.sets:
            unknown = [k for k in [st.total, *st.parts] if k not in known and s.persons[k] > 0]
            if len(unknown) == 1 and st.rest == 0:
                known.add(unknown[0])
                changed = True
    return known


def _name(key: Key) -> str:
    return f"{key[1]} {key[2]}"


def _size(s: Slice, st: Set, subtracted: list[Key], left: list[Key], weight: dict) -> int:
    """At least how many persons (or persons with long spells) the group total - subtracted
    holds."""
    if st.exact:
        return weight[st.total] - sum(weight[k] for k in subtracted)
    return max([weight[st.total] - sum(weight[k] for k in subtracted),
                *[weight[k] for k in left], st.rest if weight is s.persons else 0])


def differences(s: Slice) -> tuple[int, list[str]]:
    """Every known total less a subset of its set's known parts: how many such differences
    there are, and those that leave a group of 1 to 10 persons (or, for the long share,
    long spells of one or two persons)."""
    known = known_cells(s)
    examined, found = 0, []
    for st in s.sets:
        if st.total not in known:
            continue
        shown = [k for k in st.parts if k in known]
        for n in range(1, len(shown) + 1):
            for subtracted in combinations(shown, n):
                left = [k for k in st.parts if k not in subtracted]
                if not any(s.persons[k] for k in left) and st.rest == 0:
                    continue  # nothing left
                examined += 1
                found += _small(s, st, list(subtracted), left)
    return examined, found


def _small(s: Slice, st: Set, subtracted: list[Key], left: list[Key]) -> list[str]:
    what = f"{_name(st.total)} - {' - '.join(_name(k) for k in subtracted)}"
    found = []
    persons = _size(s, st, subtracted, left, s.persons)
    if persons <= MAX_SMALL:
        found.append(f"{what}: {persons} persons")
    if st.total in s.long_term and any(s.long_term[k] for k in left):
        long_term = _size(s, st, subtracted, left, s.long_term)
        if long_term <= MAX_TRACEABLE:
            found.append(f"{what}: long spells of {long_term} persons")
    return found


def nested(s: Slice) -> list[str]:
    """As `differences`, the subtraction going on inside the unknown parts left (and inside
    theirs): the smallest group each set's known total gives away, where it is small."""
    known = known_cells(s)
    by_total: dict[Key, list[Set]] = {}
    for st in s.sets:
        by_total.setdefault(st.total, []).append(st)
    memo: dict[tuple[Key, bool], tuple[int, int]] = {}

    def smallest(key: Key, persons: bool) -> tuple[int, int]:
        """(at most how many of an unknown cell's persons known cells inside it cover, at
        least how many the smallest group left holds)."""
        weight = s.persons if persons else s.long_term
        if key in known:
            return weight.get(key, 0), 0
        if (key, persons) not in memo:
            cover, least = 0, weight.get(key, 0)
            for st in by_total.get(key, []):
                c, u = remainder(st, persons)
                cover, least = max(cover, c), min(least, u)
            memo[(key, persons)] = min(cover, weight.get(key, 0)), least
        return memo[(key, persons)]

    def remainder(st: Set, persons: bool) -> tuple[int, int]:
        weight = s.persons if persons else s.long_term
        parts = [(k, smallest(k, persons)) for k in st.parts]
        cover = sum(c for _, (c, _) in parts)
        rest = st.rest if persons else 0
        if st.exact:
            return cover, sum(u for _, (_, u) in parts) + rest
        return cover, max([weight.get(st.total, 0) - cover, rest,
                           *[u for k, (_, u) in parts if k not in known]])

    found = []
    for st in s.sets:
        if st.total not in known:
            continue
        left = [k for k in st.parts if k not in known]
        if not any(s.persons[k] for k in left) and st.rest == 0:
            continue
        _, persons = remainder(st, True)
        if persons <= MAX_SMALL:
            found.append(f"{st.name}: the smallest group left holds {persons} persons")
        if st.total in s.long_term and any(s.long_term.get(k, 0) for k in left):
            _, long_term = remainder(st, False)
            if long_term <= MAX_TRACEABLE:
                found.append(f"{st.name}: long spells of {long_term} persons left")
    return found


# --- the check on the issue's figures ------------------------------------------------------


def test_the_issues_kommunstyrelsen_gives_its_six_others_away():
    """The check itself, on issue 32's figures: 18 staff at 4.74 %, the twelve aged 30-49 at
    7.07 %, the two up to 29 and the four of 50 or more hidden."""
    row = {"level_order": 2, "org_unit_code": "11", "parent_unit_code": None,
           "headcount": 18, "headcount_women": 9, "headcount_men": 9, "headcount_age_29": 2,
           "headcount_age_30_49": 12, "headcount_age_50": 4, **dict.fromkeys(FIGURES)}
    published = slice_of(pd.DataFrame([{**row, TOTAL: 4.74,
                                        "sick_leave_age_30_49_pct": 7.07}]))
    assert differences(published) == (1, [
        "11 sick_leave_pct - 11 sick_leave_age_30_49_pct: 6 persons"])
    assert nested(published) == ["ålder 11: the smallest group left holds 6 persons"]
    assert differences(slice_of(pd.DataFrame([{**row, TOTAL: 4.74}])))[1] == []


def test_a_parent_less_its_shown_units_and_the_shown_figures_inside_the_rest():
    """A nämnd of 58 less its shown sektor of 34 leaves 24; less the shown verksamhet (14)
    of the hidden sektor too, it leaves ten: that verksamhet's sibling and the small sektor."""
    units = [("1", None, 1, 58), ("12", "1", 2, 34), ("13", "1", 2, 20), ("14", "1", 2, 4),
             ("131", "13", 3, 14), ("132", "13", 3, 6)]
    rows = pd.DataFrame([{"level_order": level, "org_unit_code": code,
                          "parent_unit_code": parent, "headcount": n,
                          "headcount_women": n, "headcount_men": 0, "headcount_age_29": 0,
                          "headcount_age_30_49": n, "headcount_age_50": 0,
                          **dict.fromkeys(FIGURES),
                          TOTAL: 3.0 if code in ("1", "12", "131") else None}
                         for code, parent, level, n in units])
    published = slice_of(rows)
    assert differences(published)[1] == []
    # (all are women and 30-49: those figures follow from the totals, and leave the same)
    assert f"enheter {TOTAL} 1: the smallest group left holds 10 persons" in nested(published)


# --- on the demo ---------------------------------------------------------------------------

SLICE = ["fiscal_year", "period", "period_scope"]



def _long_term(con: duckdb.DuckDBPyConnection) -> dict[tuple, dict[tuple[int, str], int]]:
    """Persons with long spells per slice and unit (never published: the check needs them to
    see a long share pointing at one or two persons)."""
    [(schema,)] = con.execute("select table_schema from information_schema.tables "
                              "where table_name = 'int_staff_figures_aggregated'").fetchall()
    frame = con.execute(
        "select s.fiscal_year, s.period, s.period_scope, l.level_order, s.org_unit_code, "
        f"s.headcount_long_term_sick from \"{schema}\".int_staff_figures_aggregated s "
        "join seeds.org_levels l using (org_level)").fetchall()
    found: dict[tuple, dict[tuple[int, str], int]] = {}
    for year, period, scope, level, code, persons in frame:
        found.setdefault((year, period, scope), {})[(level, code)] = persons
    return found


@pytest.fixture(scope="module")
def mart(demo_run):
    with duckdb.connect(str(demo_run.warehouse), read_only=True) as con:
        return (con.execute("select * from marts.staff_statistics").df(), _long_term(con))


def check(rows: pd.DataFrame, long_term: dict) -> tuple[int, list[str]]:
    published = slice_of(rows, long_term)
    examined, found = differences(published)
    return examined, found + nested(published)


@pytest.mark.slow
def test_no_small_group_follows_from_the_mart(mart):
    frame, long_term = mart
    tried, found = 0, []
    for key, rows in frame.groupby(SLICE):
        examined, small = check(rows, long_term[key])
        tried += examined
        found += [f"{key}: {s}" for s in small]
    assert found == []
    assert tried > 1000 and frame[TOTAL].isna().any()


def _released(demo_run) -> list[Path]:
    return sorted(p.parent for p in (demo_run.reports / "oppna_data").glob("*/personal.csv"))


@pytest.fixture(scope="module")
def every_board_released(demo_run, tmp_path_factory) -> list[Path]:
    """The open data once every package of every period is published: each board's units
    down to verksamhet and the kommun's own, far more than the demo's drafts let out."""
    from pipelines.config import load_config
    from pipelines.opendata.release import write_release
    from pipelines.partitions import FOLLOW_UP_MONTHS

    root = tmp_path_factory.mktemp("every_board_released")
    warehouse = root / "warehouse.duckdb"
    shutil.copy(demo_run.warehouse, warehouse)
    with duckdb.connect(str(warehouse)) as con:
        con.execute("update reports.issued_packages set published = true")
    config = load_config(demo_run.config.base_dir / "uppfoljning.yaml")
    config.reports_output = root / "out"
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return [write_release(con, config, f"2025-{m:02d}").folder for m in FOLLOW_UP_MONTHS]


def _personal_csv(folder: Path, ytd: pd.DataFrame) -> pd.DataFrame:
    """personal.csv read as a reader reads it, with the public org tree beside each row;
    each figure it shows is the mart's, each it leaves empty the mart hides."""
    with (folder / "personal.csv").open(encoding="utf-8", newline="") as f:
        published = list(csv.DictReader(f))
    rows = []
    for r in published:
        key = (int(r["fiscal_year"]), int(r["period"]), r["org_level"], r["org_unit_code"])
        in_mart = ytd.loc[key]
        row = {"fiscal_year": key[0], "period": key[1],
               "level_order": int(in_mart["level_order"]), "org_unit_code": key[3],
               "parent_unit_code": in_mart["parent_unit_code"]}
        for figure, size in FIGURES.items():
            row[size] = int(r[size])
            row[figure] = float(r[figure]) if r[figure] else None
            assert row[figure] == (None if pd.isna(in_mart[figure])
                                   else pytest.approx(in_mart[figure])), (key, figure)
        rows.append(row)
    return pd.DataFrame(rows)


@pytest.mark.slow
def test_no_small_group_follows_from_the_open_data(demo_run, mart, every_board_released):
    """personal.csv of every period the demo released, and of every period with every
    board released: nothing small follows from it."""
    frame, long_term = mart
    ytd = frame[frame["period_scope"] == "ytd"].set_index(
        ["fiscal_year", "period", "org_level", "org_unit_code"])
    assert len(_released(demo_run)) >= 3
    tried = 0
    for folder in [*_released(demo_run), *every_board_released]:
        rows = _personal_csv(folder, ytd)
        year, month = int(rows["fiscal_year"].iloc[0]), int(rows["period"].iloc[0])
        examined, found = check(rows, long_term[(year, month, "ytd")])
        assert found == [], folder
        tried += examined
    assert tried > 100


def _as_shown(rows: pd.DataFrame, shown) -> pd.DataFrame:
    """The mart's rows with only the figures `shown(row, figure)` says a reader sees."""
    out = rows.copy()
    for figure in FIGURES:
        out[figure] = [r[figure] if shown(r, figure) else None
                       for r in rows.to_dict("records")]
    return out


@pytest.mark.slow
def test_no_small_group_follows_from_any_workbook_or_pdf(demo_run, mart):
    """The Personal sheet of every package, and the PDF's staff section of the tertial's
    packages, read for what they show: nothing small follows from either."""
    from openpyxl import load_workbook

    from pipelines.packages import content
    from pipelines.packages.document import document
    from pipelines.packages.layout import columns
    from pipelines.packages.sections.staff import LONG_SHARE, WORKING_TIME

    frame, long_term = mart
    ytd = frame[frame["period_scope"] == "ytd"]
    headings = {field: heading for field, heading in columns("staff") if field in FIGURES}
    books = sorted((demo_run.reports / "paket").rglob("*.xlsx"))
    assert len(books) > 10
    for path in books:
        period = int(path.name.split("_")[1][5:7])
        sheet = list(load_workbook(path, read_only=True)["Personal"].iter_rows(
            min_row=5, values_only=True))
        header = list(sheet[0])
        cells = {(row[0], row[1]): row for row in sheet[1:] if row[1] is not None}
        rows = ytd[(ytd["period"] == period) & pd.Series(
            [(lv.capitalize(), c) in cells for lv, c in zip(ytd["org_level"],
                                                             ytd["org_unit_code"],
                                                             strict=True)], index=ytd.index)]
        assert len(rows) == len(cells), path.name

        def in_sheet(r, figure, cells=cells, header=header):
            value = cells[(r["org_level"].capitalize(), r["org_unit_code"])][
                header.index(headings[figure])]
            return isinstance(value, float | int)

        assert check(_as_shown(rows, in_sheet), long_term[(2025, period, "ytd")])[1] == [], (
            path.name)
    labels = dict([*WORKING_TIME, LONG_SHARE])
    with duckdb.connect(str(demo_run.warehouse), read_only=True) as con:
        for code in [s.code for s in content.boards(con, 2025, 8)] + [None]:
            package = content.read_package(con, "Exempelkommun", "2025-08", code)
            [section] = [s for s in document(package, dt.date(2025, 9, 15))["sections"]
                         if s["heading"] == "Personal"]
            printed = {r["cells"][0]: r["cells"][1] for b in section["blocks"]
                       if b["kind"] == "table" for r in b["rows"]}
            charts = " ".join(b["alt"] for b in section["blocks"] if b["kind"] == "chart")
            top = package.staff["level_order"].min()
            units = {(int(lo), c) for lo, c in zip(package.staff["level_order"],
                                                   package.staff["org_unit_code"], strict=True)
                     if lo <= top + 1}
            rows = ytd[(ytd["period"] == 8) & pd.Series(
                [(int(lo), c) in units for lo, c in zip(ytd["level_order"],
                                                        ytd["org_unit_code"], strict=True)],
                index=ytd.index)]

            def in_pdf(r, figure, top=top, printed=printed, charts=charts):
                if r["level_order"] == top:  # the law's table: the scope's own figures
                    return printed[labels[figure]] != "*"
                return figure == TOTAL and f"{r['org_unit_name']} " in charts

            assert check(_as_shown(rows, in_pdf), long_term[(2025, 8, "ytd")])[1] == [], code
