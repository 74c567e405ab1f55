"""Goal follow-up on the demo: the goals file, the reported statuses, Kolada and the marts
meet in marts.goal_follow_up; deadlines come from the tidplan."""

import csv
import datetime as dt
import os
import subprocess
import sys

import duckdb
import pytest
import yaml

pytestmark = pytest.mark.slow

KIND_DEADLINE = {"activity": "aktiviteter", "sub_goal": "delmal", "board_goal": "namndmal",
                 "board_indicator": "styrtal", "kf_indicator": "styrtal",
                 "strategic_area": "strategiska_omraden"}


def query(run, sql, params=None):
    with duckdb.connect(str(run.warehouse), read_only=True) as con:
        return con.execute(sql, params or []).df()


def sources(run):
    return run.config.base_dir / "sources"


def goal_ids(data: dict) -> set[str]:
    ids = set()
    for area in data["strategiska_inriktningsomraden"]:
        ids |= {area["id"], *(t["id"] for t in area["styrtal"])}
    ids |= {g["id"] for g in data["finansiella_mal"]}
    for board in data["namnder"]:
        for goal in board["namndmal"]:
            ids |= {goal["id"], *(t["id"] for t in goal["styrtal"])}
            for sub in goal["delmal"]:
                ids |= {sub["id"], *(a["id"] for a in sub["aktiviteter"])}
    return ids


def test_every_goal_is_followed_up_each_tertial(demo_run):
    data = yaml.safe_load((sources(demo_run) / "mal/mal_2025.yaml").read_text(encoding="utf-8"))
    marts = query(demo_run, "SELECT period, goal_id FROM marts.goal_follow_up "
                            "WHERE fiscal_year = 2025")
    assert sorted(marts["period"].unique()) == [4, 8, 12]
    for period in (4, 8, 12):
        assert set(marts.loc[marts["period"] == period, "goal_id"]) == goal_ids(data)


def test_reported_statuses_and_their_deadlines(demo_run):
    tidplan = yaml.safe_load((sources(demo_run) / "tidplan/tidplan_2025.yaml").read_text(
        encoding="utf-8"))
    deadlines = {(p["period"], level): dt.date.fromisoformat(str(day))
                 for p in tidplan["uppfoljningar"] for level, day in p["kommentarer"].items()}
    goals = query(demo_run, "SELECT period, goal_id, goal_kind, status, status_source, "
                            "submitted_on, deadline_met FROM marts.goal_follow_up")
    reported = {}
    for path in sorted((sources(demo_run) / "mal/2025").glob("malstatus_*.csv")):
        with path.open(encoding="utf-8") as f:
            for r in csv.DictReader(f, delimiter=";"):
                reported[(int(r["Period"][5:]), r["Id"])] = r
    assert reported
    for g in goals.itertuples():
        r = reported.get((g.period, g.goal_id))
        if r is None:
            assert g.status_source != "rapporterad", g
            if g.goal_kind in KIND_DEADLINE:
                assert not g.deadline_met, g  # nothing reported: not in time
            continue
        assert (g.status, g.status_source) == (r["Status"], "rapporterad")
        day = dt.date.fromisoformat(r["Inlämnad"])
        limit = deadlines[(f"2025-{g.period:02d}", KIND_DEADLINE[g.goal_kind])]
        assert g.deadline_met == (day <= limit), g
    assert goals["deadline_met"].eq(False).any() and goals["deadline_met"].eq(True).any()


def test_outcomes_from_kolada_and_from_the_marts(demo_run):
    with (sources(demo_run) / "mal/kolada_2025.csv").open(encoding="utf-8") as f:
        kolada = {(r["kpi"], r["municipality"], r["period"], r["gender"]): float(r["value"])
                  for r in csv.DictReader(f)}
    goals = query(demo_run, "SELECT goal_id, kolada_kpi, outcome_value, outcome_source, "
                            "target_value, direction, target_met, computation "
                            "FROM marts.goal_follow_up WHERE period = 12")
    s11 = goals[goals["goal_id"] == "S1.1"].iloc[0]
    # the kommun's own total for the year, not riket's (0000) nor one gender's
    assert s11.outcome_value == kolada[(s11.kolada_kpi, "9999", "2025", "T")]
    assert s11.outcome_source == "Kolada 2025"
    assert s11.target_met == (s11.outcome_value >= s11.target_value)
    [(net, taxes)] = query(demo_run, """
        SELECT sum(forecast_annual) FILTER (cost_category = 'net'),
               sum(forecast_annual) FILTER (cost_category = 'taxes_and_grants')
        FROM marts.budget_follow_up
        WHERE fiscal_year = 2025 AND period = 12 AND org_level = 'kommun'""").itertuples(
        index=False)
    f1 = goals[goals["goal_id"] == "F1"].iloc[0]
    assert f1.outcome_value == pytest.approx(100 * float(net) / float(taxes), abs=0.01)
    assert f1.outcome_source == "årets utfall"  # at December: the year, not a forecast
    # the boards' goals: their operating cost categories (KS holds skatter and finansiella
    # poster for the whole kommun, which are no board's net cost)
    operating = query(demo_run, """
        SELECT org_unit_code, sum(forecast_deviation) AS deviation
        FROM marts.budget_follow_up
        WHERE fiscal_year = 2025 AND period = 12 AND org_level = 'nämnd'
          AND org_unit_code <> '(okänt)' AND cost_category IN ('revenue', 'internal_items',
              'personnel', 'purchases_of_main_activity', 'premises', 'other_costs',
              'capital_costs')
        GROUP BY 1""")
    f2, f4 = (goals[goals["goal_id"] == g].iloc[0] for g in ("F2", "F4"))
    assert f2.outcome_value == round(float(operating["deviation"].sum()))
    assert f4.outcome_value == (operating["deviation"] < 0).sum() > 0
    assert f4.target_met == (f4.outcome_value <= f4.target_value)  # lower is better


def test_statuses_roll_up_from_the_children(demo_run):
    goals = query(demo_run, "SELECT period, goal_id, parent_goal_id, status, rolled_up_status "
                            "FROM marts.goal_follow_up")
    goals = goals.astype(object).where(goals.notna(), None)
    by_period = {period: frame for period, frame in goals.groupby("period")}

    def rolled_up(frame, goal_id):
        """The sammanvägd status worked out from the goals file's tree, bottom up: a child
        without a status of its own counts with its own roll-up."""
        kids = [k.status or rolled_up(frame, k.goal_id)
                for k in frame[frame["parent_goal_id"] == goal_id].itertuples()]
        kids = [k for k in kids if k]
        if not kids:
            return None
        if all(k == "uppnått" for k in kids):
            return "uppnått"
        if all(k == "ej påbörjad" for k in kids):
            return "ej påbörjad"
        if "ej uppnått" in kids and not {"uppnått", "delvis uppnått"} & set(kids):
            return "ej uppnått"
        return "delvis uppnått"

    checked = through_a_child_without_status = 0
    for period, frame in by_period.items():
        for goal in frame.itertuples():
            assert goal.rolled_up_status == rolled_up(frame, goal.goal_id), (period, goal)
            children = frame[frame["parent_goal_id"] == goal.goal_id]
            checked += not children.empty
            through_a_child_without_status += any(
                k.status is None and k.rolled_up_status for k in children.itertuples())
    assert checked > 60
    # the demo leaves some delmål unreported while their aktiviteter are: the cascade matters
    assert through_a_child_without_status > 0


def test_status_command_shows_who_has_reported(demo_run):
    def status(*extra):
        r = subprocess.run([sys.executable, "-m", "pipelines.cli", "status", "--period",
                            "2025-08", "--config",
                            str(demo_run.config.base_dir / "uppfoljning.yaml"), *extra],
                           capture_output=True, text=True, timeout=120,
                           env={**os.environ, "COLUMNS": "250"})
        assert r.returncode == 0, r.stderr
        return r.stdout

    summary = status()
    for heading in ("Bevakning Exempelkommun 2025-08", "Avvikelser, enhet", "Aktiviteter",
                    "Delmål", "Nämndmål"):
        assert heading in summary
    assert "Saknas eller sent" not in summary
    # with --details: each goal nobody reported, with its name and who answers for it
    missing = query(demo_run, """
        SELECT goal_id, goal_name, responsible_unit_code FROM marts.goal_follow_up
        WHERE fiscal_year = 2025 AND period = 8 AND submitted_on IS NULL
          AND goal_kind <> 'financial_goal'""")
    assert not missing.empty
    out = status("--details")
    lines = out[out.index("Saknas eller sent"):].splitlines()
    for goal in missing.itertuples():
        [line] = [x for x in lines if f" {goal.goal_id} " in x]
        assert goal.goal_name[:20] in line and goal.responsible_unit_code in line
        assert "saknas" in line


def test_balanskravsutredning_from_the_ledger(demo_run):
    from sie_helpers import parse_sie

    lines = query(demo_run, "SELECT line, amount FROM marts.balance_requirement "
                            "WHERE fiscal_year = 2025 ORDER BY line_order")
    amounts = dict(zip(lines["line"], lines["amount"].astype(float), strict=True))
    [(net,)] = query(demo_run, "SELECT outcome_ytd FROM marts.budget_follow_up WHERE "
                               "fiscal_year = 2025 AND period = 12 AND org_level = 'kommun' "
                               "AND cost_category = 'net'").itertuples(index=False)
    gains = sum(float(t.amount) for m in range(1, 13) for _, t in parse_sie(
        sources(demo_run) / f"ekonomi/2025/huvudbok_2025-{m:02d}.se").trans()
        if t.account == "3961")
    assert gains < 0  # the demo sells fully depreciated equipment in September
    with (sources(demo_run) / "bokslut/balanskrav_2025.csv").open(encoding="utf-8") as f:
        [decision] = list(csv.DictReader(f, delimiter=";"))
    assert decision["Post"] == "till_resultatutjamningsreserv"  # KF's, with the annual report
    to_reserve = float(decision["Belopp"])
    assert amounts["result"] == pytest.approx(-float(net), abs=0.01)
    assert amounts["realisation_gains"] == pytest.approx(gains, abs=0.01)  # avgår
    assert amounts["result_after_adjustments"] == pytest.approx(-float(net) + gains, abs=0.01)
    assert amounts["to_reserve"] == -to_reserve
    assert amounts["balance_requirement_result"] == pytest.approx(
        -float(net) + gains - to_reserve, abs=0.01)
    [(decisions,)] = query(demo_run, "SELECT decisions FROM marts.balance_requirement WHERE "
                                     "fiscal_year = 2025 AND line = 'to_reserve'"
                           ).itertuples(index=False)
    assert decisions == decision["Beslut"]
