"""Staff statistics computed by hand, and the law's protection of small groups.

    K Lillkommun ── N1 ── S1 ── V1 ── E1, E2

January and February 2025, hours as the HR export gives them:
  P01-P11  women born 1980, E1, full time, 160 h a month, never sick
  P12      man born 1999, E1, full time, 160 h; a spell of 60+ days from 26 January:
           sick 40 h in January and 160 h in February, all of it long
  P13      woman born 1970, 50 %, E2 in January (80 h); moves to E1 on 15 February:
           40 h at E2 and 40 h at E1
  P14      man born 1960, hired 16 January in E2, full time: 88 h in January, 160 h in
           February, 8 h short sick leave in February
"""

import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pandas as pd
import pytest
import yaml
from test_staff_disclosure import differences, nested, slice_of

from pipelines.runner import run_pipeline

ROOT = Path(__file__).resolve().parents[1]

ORG = """kod;benamning;niva;overordnad_kod;giltig_fran;giltig_till;verksamhetskod
K;Lillkommun;kommun;;2020-01-01;;
N1;Nämnd ett;nämnd;K;2020-01-01;;
S1;Sektor ett;sektor;N1;2020-01-01;;
V1;Verksamhet ett;verksamhet;S1;2020-01-01;;
E1;Enhet ett;enhet;V1;2020-01-01;;
E2;Enhet två;enhet;V1;2020-01-01;;
"""
SIE = """#FLAGGA 0
#FORMAT PC8
#SIETYP 4
#FNAMN "Lillkommun"
#RAR 0 20250101 20251231
#KONTO 1930 "Bank"
#KONTO 5011 "Månadsavlönade"
#VER A 1 2025{m}25 "Lön"
{{
#TRANS 5011 {{1 "E1"}} 500000.00
#TRANS 5011 {{1 "E2"}} 60000.00
#TRANS 1930 {{}} -560000.00
}}
"""
BUDGET = "".join(
    [SIE.split("#VER")[0].replace("#SIETYP 4", "#SIETYP 3")]
    + [f'#PBUDGET 0 2025{m:02d} 5011 {{1 "{u}"}} {sek}.00\n'
       for m in range(1, 13) for u, sek in (("E1", 520000), ("E2", 50000))])
HEADER = ("Period;Personnummer;Namn;Kön;Födelseår;Enhet;Anställningsform;Anställd från;"
          "Anställd till;Sysselsättningsgrad (%);Schemalagd tid (tim);Sjukfrånvaro (tim);"
          "Varav sjukfrånvaro 60 dagar eller mer (tim);Övertid (tim);Mertid (tim);"
          "Personalkostnad (kr)")
WOMEN = [f"1980{m:02d}01-{n:03d}" for m, n in zip(range(1, 12), range(100, 111), strict=True)]


def pnr(nine_without_check: str) -> str:
    """A personnummer with its check digit (Luhn), as HR systems export it."""
    digits = nine_without_check.replace("-", "")[2:]
    total = sum((d - 9 if d > 9 else d) for d in
                (int(c) * (2 if i % 2 == 0 else 1) for i, c in enumerate(digits)))
    return f"{nine_without_check}{(10 - total % 10) % 10}"


def hr_rows(month: str) -> list[str]:
    def row(who, name, sex, born, unit, start, rate, hours, sick, long, cost):
        return (f"{month};{pnr(who)};{name};{sex};{born};{unit};Tillsvidare;{start};;{rate};"
                f"{hours};{sick};{long};0;0;{cost}")

    rows = [row(w, f"Anna {i}", "K", 1980, "E1", "2015-01-01", 100, "160,00", "0", "0",
                "45000") for i, w in enumerate(WOMEN)]
    sick = ("40,00", "40,00") if month == "2025-01" else ("160,00", "160,00")
    rows.append(row("19990505-123", "Bo Man", "M", 1999, "E1", "2020-01-01", 100, "160,00",
                    *sick, "40000"))
    if month == "2025-01":
        rows.append(row("19700707-555", "Cecilia", "K", 1970, "E2", "2010-01-01", 50, "80,00",
                        "0", "0", "25000"))
        rows.append(row("19600606-777", "Dan", "M", 1960, "E2", "2025-01-16", 100, "88,00",
                        "0", "0", "26000"))
    else:
        rows.append(row("19700707-555", "Cecilia", "K", 1970, "E2", "2010-01-01", 50, "40,00",
                        "0", "0", "12500"))
        rows.append(row("19700707-555", "Cecilia", "K", 1970, "E1", "2010-01-01", 50, "40,00",
                        "0", "0", "12500"))
        rows.append(row("19600606-777", "Dan", "M", 1960, "E2", "2025-01-16", 100, "160,00",
                        "8,00", "0", "48000"))
    return rows


@pytest.fixture(scope="module")
def staff(tmp_path_factory):
    root = tmp_path_factory.mktemp("lillkommun_personal")
    (root / "org.csv").write_text(ORG, encoding="utf-8")
    for m in ("01", "02"):
        (root / f"huvudbok_2025-{m}.se").write_bytes(SIE.format(m=m).encode("cp437"))
        (root / f"personal_2025-{m}.csv").write_text(
            "\n".join([HEADER, *hr_rows(f"2025-{m}")]) + "\n", encoding="utf-8")
    (root / "budget.se").write_bytes(BUDGET.encode("cp437"))
    config = {
        "municipality": "Lillkommun", "fiscal_year": 2025,
        "sources": {
            "org_register": {"type": "csv", "path": "org.csv"},
            "ledger": [{"type": "sie", "path": "huvudbok_{period}.se"}],
            "budget": [{"type": "sie", "path": "budget.se", "version": "antagen"}],
            "hr": [{"type": "csv", "path": "personal_{period}.csv"}],
        },
    }
    (root / "uppfoljning.yaml").write_text(yaml.safe_dump(config, allow_unicode=True))
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("UPPFOLJNING_PSEUDONYM_KEY", "a-secret-of-lillkommun")
        summary = run_pipeline(root / "uppfoljning.yaml", through="2025-02")
    with duckdb.connect(str(summary.warehouse), read_only=True) as con:
        frame = con.execute("SELECT * FROM marts.staff_statistics").df()
    return frame.set_index(["period", "period_scope", "org_unit_code"]).sort_index(), summary


def cell(staff, period, scope, unit):
    return staff[0].loc[(period, scope, unit)]


pytestmark = pytest.mark.slow


def test_headcount_and_groups(staff):
    k = cell(staff, 1, "month", "K")
    assert (k.headcount, k.headcount_women, k.headcount_men) == (14, 12, 2)
    assert (k.headcount_age_29, k.headcount_age_30_49, k.headcount_age_50) == (1, 11, 2)
    # the person who changed unit counts at both units, once above them
    assert cell(staff, 2, "month", "E1").headcount == 13
    assert cell(staff, 2, "month", "E2").headcount == 2
    assert cell(staff, 2, "month", "V1").headcount == 14
    assert cell(staff, 2, "ytd", "K").headcount == 14


def test_fte_is_rate_times_share_of_the_period_employed(staff):
    # January: 12 full-timers at E1; at E2 a half-timer and one hired on the 16th (16/31)
    assert cell(staff, 1, "month", "E1").fte == pytest.approx(12.00, abs=0.005)
    assert cell(staff, 1, "month", "E2").fte == pytest.approx(0.5 + 16 / 31, abs=0.005)
    # February: the mover's 0.5 is shared by her scheduled hours, 40 h and 40 h
    assert cell(staff, 2, "month", "E1").fte == pytest.approx(12.25, abs=0.005)
    assert cell(staff, 2, "month", "E2").fte == pytest.approx(1.25, abs=0.005)
    assert cell(staff, 2, "month", "K").fte == pytest.approx(13.5, abs=0.005)
    # year to date: the average of the months
    assert cell(staff, 2, "ytd", "K").fte == pytest.approx((12.5 + 16 / 31 + 13.5) / 2, abs=0.005)


def test_sick_leave_of_the_law(staff):
    jan, feb, ytd = (cell(staff, 1, "month", "K"), cell(staff, 2, "month", "K"),
                     cell(staff, 2, "ytd", "K"))
    # January: 40 sick of 11*160 + 160 + 80 + 88 = 2088 scheduled hours
    assert jan.sick_leave_pct == pytest.approx(100 * 40 / 2088, abs=0.005)
    # February: 160 long + 8 short of 11*160 + 160 + 40 + 40 + 160 = 2160
    assert feb.sick_leave_pct == pytest.approx(100 * 168 / 2160, abs=0.005)
    assert ytd.sick_leave_pct == pytest.approx(100 * 208 / 4248, abs=0.005)
    # all long spells are Bo's: in a group of 14 the share (100 %, 95 %) would be his
    # illness, so it is not published (the law's second clause)
    for month in (jan, feb, ytd):
        assert pd.isna(month.sick_leave_long_share_pct)
        assert month.sick_leave_long_share_pct_suppression.startswith(
            "kan härledas till enskild person")


def test_small_groups_get_no_figure_and_say_why(staff):
    jan = cell(staff, 1, "month", "K")
    # two men: no figure; the twelve women's figure would give the men's away with the total
    assert pd.isna(jan.sick_leave_men_pct)
    assert jan.sick_leave_men_pct_suppression == "högst tio anställda i gruppen"
    assert pd.isna(jan.sick_leave_women_pct)
    assert jan.sick_leave_women_pct_suppression == (
        "kan annars räknas fram ur summan och övriga grupper")
    # one aged up to 29 and two aged 50 or more: both hidden, and the 30-49 figure with
    # them: the total less it would be those three together
    assert pd.isna(jan.sick_leave_age_29_pct) and pd.isna(jan.sick_leave_age_50_pct)
    assert pd.isna(jan.sick_leave_age_30_49_pct)
    assert jan.sick_leave_age_30_49_pct_suppression == (
        "kan annars räknas fram ur summan och övriga grupper")
    # E2 has two employees; E1 (12) would then give E2 away from V1's figure
    e1, e2 = cell(staff, 1, "month", "E1"), cell(staff, 1, "month", "E2")
    assert pd.isna(e2.sick_leave_pct) and pd.isna(e1.sick_leave_pct)
    assert e2.sick_leave_pct_suppression == "högst tio anställda i gruppen"
    assert e1.sick_leave_pct_suppression == "kan annars räknas fram ur summan och övriga grupper"
    # nor does V1 less E1's eleven women give away Bo and E2's two: E1's women are hidden,
    # and V1's figure (the kommun's: one unit under each level) stays
    assert pd.isna(e1.sick_leave_women_pct)
    assert cell(staff, 1, "month", "V1").sick_leave_pct == jan.sick_leave_pct


def test_no_small_group_follows_from_what_lillkommun_publishes(staff):
    frame = staff[0].reset_index()
    for (period, scope), rows in frame.groupby(["period", "period_scope"]):
        published = slice_of(rows)
        assert differences(published)[1] == [], (period, scope)
        assert nested(published) == [], (period, scope)


def test_personnel_cost_against_budget(staff):
    k = cell(staff, 2, "ytd", "K")
    assert (k.personnel_cost_outcome, k.personnel_cost_budget) == (1_120_000, 1_140_000)
    assert k.personnel_cost_deviation == 20_000
    assert k.personnel_cost_budget_annual == 12 * 570_000
    e2 = cell(staff, 1, "month", "E2")
    assert (e2.personnel_cost_outcome, e2.personnel_cost_budget) == (60_000, 50_000)
    assert e2.personnel_cost_hr == 51_000


def test_no_personnummer_and_no_names_reach_the_warehouse(staff):
    people = [pnr(w) for w in WOMEN] + [pnr(p) for p in (
        "19990505-123", "19700707-555", "19600606-777")]
    # with or without century, with or without the dash
    forms = {f for p in people for f in (p, p.replace("-", ""), p[2:], p[2:].replace("-", ""))}
    with duckdb.connect(str(staff[1].warehouse), read_only=True) as con:
        for schema, table in con.execute(
                "SELECT table_schema, table_name FROM information_schema.tables").fetchall():
            text = " ".join(str(v) for row in con.execute(
                f'SELECT * FROM "{schema}"."{table}"').fetchall() for v in row)
            assert not [f for f in forms if f in text], f"{schema}.{table}"
            assert "Anna" not in text and "Cecilia" not in text, f"{schema}.{table}"


# --- the suppression on its own: the mart built by dbt over hand-made unit figures -------
#
# Each case is one period of intermediate.int_staff_figures_aggregated, the figures before
# any suppression: every group of a unit without units has 100 scheduled hours and 5 sick
# hours (5,00 %), one of them long, unless a case says otherwise; a parent has its units'
# hours. dbt builds the mart and runs its tests, the checks that no hidden figure can be
# derived among them and that no group of ten or fewer follows from what is shown.

LEVELS = {1: "kommun", 2: "nämnd"}
GROUPS = ("women", "men", "age_29", "age_30_49", "age_50")
CASES = {
    # (unit, parent, level, headcount, women, men[, persons aged -29, 30-49, 50-]); all of
    # an age 30-49 unless given
    # a lone hidden sibling takes the smallest other sibling with it
    1: [("P", None, 1, 60, 30, 30), ("A", "P", 2, 8, 4, 4), ("B", "P", 2, 22, 11, 11),
        ("C", "P", 2, 30, 15, 15)],
    # A's 5 men are hidden; then A's women (20), and P's women would give A's away from B's:
    # so B's women go too, and with them B's men (total - women)
    2: [("P", None, 1, 60, 40, 20), ("A", "P", 2, 25, 20, 5), ("B", "P", 2, 35, 20, 15)],
    # an empty group hides nothing
    3: [("P", None, 1, 30, 30, 0)],
    # long spells of one person in a group of 11 (A), of three or four elsewhere
    4: [("P", None, 1, 60, 30, 30), ("A", "P", 2, 11, 6, 5), ("B", "P", 2, 49, 24, 25)],
    # the share of long spells is of the sick leave: 160 of 168 sick hours, of 2160 scheduled
    5: [("P", None, 1, 14, 14, 0)],
    # issue 32: 18 with 2, 12 and 4 by age; the total less the 12 aged 30-49 would be the
    # other six
    6: [("P", None, 1, 18, 9, 9, (2, 12, 4))],
    # nine women and nine men in A, one woman in B: P's women less C's would be those ten
    7: [("P", None, 1, 60, 25, 35), ("A", "P", 2, 18, 9, 9), ("B", "P", 2, 12, 1, 11),
        ("C", "P", 2, 30, 15, 15)],
    # a unit of 11 with one man: P's 18 men less C's 14 would be him and B's three
    8: [("P", None, 1, 46, 28, 18), ("A", "P", 2, 11, 10, 1), ("B", "P", 2, 5, 2, 3),
        ("C", "P", 2, 30, 16, 14)],
    # A hidden beside the small C: P less B less A's nineteen aged 30-49, shown, would
    # leave A's youngest and C's two
    9: [("P", None, 1, 49, 17, 32, (5, 44, 0)), ("A", "P", 2, 20, 5, 15, (1, 19, 0)),
        ("B", "P", 2, 27, 12, 15, (2, 25, 0)), ("C", "P", 2, 2, 0, 2, (2, 0, 0))],
}
LONG_TERM_PERSONS = {(4, "P"): 4, (4, "A"): 1}


def figure_rows():
    rows = []
    for period, units in CASES.items():
        for code, parent, level, headcount, women, men, *ages in units:
            young, middle, old = ages[0] if ages else (0, headcount, 0)
            sizes = {"women": women, "men": men, "age_29": young, "age_30_49": middle,
                     "age_50": old}
            scheduled, sick, long = (2160, 168, 160) if period == 5 else (100, 5, 1)
            row = {"fiscal_year": 2025, "period": period, "period_scope": "month",
                   "org_level": LEVELS[level], "org_unit_code": code,
                   "org_unit_name": f"Enhet {code}", "parent_unit_code": parent,
                   "headcount": headcount, "fte": float(headcount),
                   "headcount_long_term_sick": LONG_TERM_PERSONS.get((period, code), 3),
                   "scheduled_hours": scheduled, "sick_hours": sick, "sick_hours_long": long,
                   "overtime_hours": 0, "additional_hours": 0, "personnel_cost_hr": 0,
                   "personnel_cost_outcome": 0, "personnel_cost_budget": 0,
                   "personnel_cost_budget_annual": 0}
            for group in GROUPS:
                row[f"headcount_{group}"] = sizes[group]
                row[f"scheduled_hours_{group}"] = scheduled if sizes[group] else None
                row[f"sick_hours_{group}"] = sick if sizes[group] else None
            rows.append(row)
    frame = pd.DataFrame(rows)
    # a parent's hours are its units' together, as the HR rows placed under it add up
    hours = [c for c in frame if c.startswith(("scheduled_hours", "sick_hours"))]
    for (period, parent), units in frame.groupby(["period", "parent_unit_code"]):
        at = (frame["period"] == period) & (frame["org_unit_code"] == parent)
        frame.loc[at, hours] = units[hours].sum(min_count=1).to_numpy()
    return frame


@pytest.fixture(scope="module")
def suppressed(tmp_path_factory):
    work = tmp_path_factory.mktemp("suppression")
    warehouse = work / "figures.duckdb"
    with duckdb.connect(str(warehouse)) as con:
        frame = figure_rows()  # noqa: F841 (read by DuckDB by name)
        con.execute("CREATE TABLE main.int_staff_figures_aggregated AS SELECT * FROM frame")
    dbt = Path(sys.executable).parent / "dbt"
    done = subprocess.run(
        [str(dbt), "--no-send-anonymous-usage-stats", "build",
         "--select", "org_levels staff_statistics",
         "--indirect-selection", "buildable",
         "--project-dir", str(ROOT / "dbt_project"), "--profiles-dir",
         str(ROOT / "dbt_project"), "--target-path", str(work / "target"),
         "--log-path", str(work / "logs")],
        env={**os.environ, "UPPFOLJNING_WAREHOUSE": str(warehouse)},
        capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stdout[-3000:]
    with duckdb.connect(str(warehouse), read_only=True) as con:
        out = con.execute("SELECT * FROM marts.staff_statistics").df()
    return {period: rows.set_index("org_unit_code") for period, rows in out.groupby("period")}


def shown(rows, figure):
    return rows[figure].notna().to_dict()


def test_a_lone_hidden_sibling_takes_the_smallest_other_sibling_with_it(suppressed):
    assert shown(suppressed[1], "sick_leave_pct") == {
        "P": True, "A": False, "B": False, "C": True}
    assert suppressed[1].sick_leave_pct_suppression["B"] == (
        "kan annars räknas fram ur summan och övriga grupper")


def test_a_hidden_group_hides_its_complement_and_that_spreads_upwards(suppressed):
    assert shown(suppressed[2], "sick_leave_women_pct") == {"P": True, "A": False, "B": False}
    assert shown(suppressed[2], "sick_leave_men_pct") == {"P": True, "A": False, "B": False}
    assert suppressed[2].sick_leave_pct.notna().all()


def test_an_empty_group_hides_nothing(suppressed):
    rows = suppressed[3]
    assert rows.sick_leave_women_pct.tolist() == [5.0]
    assert rows.sick_leave_men_pct_suppression.tolist() == ["inga anställda i gruppen"]


def test_a_long_term_share_of_one_or_two_persons_is_not_published(suppressed):
    rows = suppressed[4]
    assert shown(rows, "sick_leave_long_share_pct") == {"P": True, "A": False, "B": False}
    assert rows.sick_leave_long_share_pct_suppression["A"].startswith(
        "kan härledas till enskild person")
    # P's share with B's would give A's away
    assert rows.sick_leave_long_share_pct_suppression["B"] == (
        "kan annars räknas fram ur summan och övriga grupper")
    # the other figures of the 11-person group stay: only the traceable one goes
    assert rows.sick_leave_pct["A"] == 5.0


def test_the_long_term_share_is_the_share_of_the_sick_leave(suppressed):
    rows = suppressed[5]
    assert rows.sick_leave_long_share_pct["P"] == 95.24  # 100 × 160 / 168, to two decimals
    assert rows.sick_leave_pct["P"] == 7.78  # 100 × 168 / 2160


DERIVABLE = "kan annars räknas fram ur summan och övriga grupper"


def test_the_total_less_its_shown_age_group_would_give_the_other_two_away(suppressed):
    """Issue 32: Kommunstyrelsen's 18 with 2, 12 and 4 by age. Its total and the twelve's
    figure would give the six others' together."""
    p = suppressed[6].loc["P"]
    assert p.sick_leave_pct == 5.0
    assert pd.isna(p.sick_leave_age_30_49_pct)
    assert p.sick_leave_age_30_49_pct_suppression == DERIVABLE
    for figure in ("sick_leave_age_29_pct", "sick_leave_age_50_pct", "sick_leave_women_pct",
                   "sick_leave_men_pct"):
        assert p[f"{figure}_suppression"] == "högst tio anställda i gruppen", figure


def test_nine_women_and_one_are_not_the_parents_less_the_other_unit(suppressed):
    rows = suppressed[7]
    assert shown(rows, "sick_leave_women_pct") == {
        "P": True, "A": False, "B": False, "C": False}
    assert rows.sick_leave_women_pct_suppression["C"] == DERIVABLE
    assert rows.sick_leave_pct.notna().all()


def test_one_man_in_a_unit_of_eleven_is_not_the_parents_men_less_the_shown(suppressed):
    rows = suppressed[8]
    assert shown(rows, "sick_leave_men_pct") == {
        "P": True, "A": False, "B": False, "C": False}
    assert rows.sick_leave_men_pct_suppression["C"] == DERIVABLE
    assert rows.sick_leave_pct["P"] == 5.0


def test_the_shown_figures_inside_a_hidden_unit_count_too(suppressed):
    """P less B less the nineteen aged 30-49 of the hidden A would be A's youngest and C's
    two."""
    rows = suppressed[9]
    assert rows.sick_leave_pct["P"] == 5.0
    assert pd.isna(rows.sick_leave_pct["A"]) and pd.isna(rows.sick_leave_pct["C"])
    assert not (rows.sick_leave_pct.notna()["B"]
                and rows.sick_leave_age_30_49_pct.notna()["A"])


def test_no_group_of_ten_or_fewer_follows_from_any_case(suppressed):
    """Every difference of the figures shown, as tests/staff_disclosure.py works them out."""
    tried = 0
    for period, rows in suppressed.items():
        long_term = {(int(r.level_order), code): LONG_TERM_PERSONS.get((period, code), 3)
                     for code, r in rows.iterrows()}
        published = slice_of(rows.reset_index(), long_term)
        examined, found = differences(published)
        assert found == [] and nested(published) == [], period
        tried += examined
    assert tried > 20
