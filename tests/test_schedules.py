"""Schedules and sensors come from the municipality's tidplan and its deliveries."""

import datetime as dt
import os
import shutil
from zoneinfo import ZoneInfo

import dagster as dg
import pytest
import yaml

from pipelines.delivery_sensor import new_delivery
from pipelines.demo_cli import demo_config
from pipelines.partitions import periods_to_make
from pipelines.schedules import (
    PERIOD_TAG,
    RANGE_END,
    RANGE_START,
    REMINDER_DAY_TAG,
    deadline_reminders,
    follow_up_run,
    monthly_load,
)

STOCKHOLM = ZoneInfo("Europe/Stockholm")


@pytest.fixture
def config(demo_small, tmp_path, monkeypatch):
    """The demo's config over a copy of its sources (tests here touch files)."""
    shutil.copytree(demo_small.out, tmp_path / "sources")
    path = tmp_path / "uppfoljning.yaml"
    path.write_text(yaml.safe_dump(demo_config(2025), allow_unicode=True), encoding="utf-8")
    monkeypatch.setenv("UPPFOLJNING_CONFIG", str(path))
    return path


def at(day: dt.date, hour: int = 7) -> dg.ScheduleEvaluationContext:
    return dg.build_schedule_context(scheduled_execution_time=dt.datetime(
        day.year, day.month, day.day, hour, tzinfo=STOCKHOLM))


def test_the_follow_up_runs_on_the_tidplans_data_cutoffs(config):
    tidplan = yaml.safe_load((config.parent / "sources/tidplan/tidplan_2025.yaml").read_text(
        encoding="utf-8"))
    expected = {dt.date.fromisoformat(str(p["datauttag"])): str(p["period"])
                for p in tidplan["uppfoljningar"]}
    # 2024 has no tidplan in the demo: its December is loaded on the default, 12 January
    expected[dt.date(2025, 1, 12)] = "2024-12"
    fired = {}
    day = dt.date(2025, 1, 1)
    while day <= dt.date(2026, 2, 28):
        result = follow_up_run(at(day))
        if isinstance(result, dg.RunRequest):
            fired[day] = result
        day += dt.timedelta(days=1)
    assert {d: r.tags[PERIOD_TAG] for d, r in fired.items()} == expected
    april = fired[dt.date.fromisoformat(str(tidplan["uppfoljningar"][1]["datauttag"]))]
    assert (april.tags[RANGE_START], april.tags[RANGE_END]) == ("2025-03", "2025-04")


def test_the_monthly_load_takes_the_month_before():
    request = monthly_load(at(dt.date(2025, 3, 6), 6))
    assert request.partition_key == "2025-02"


def tick(cursor):
    """One evaluation of the sensor: (its result, the cursor it leaves)."""
    context = dg.build_sensor_context(cursor=cursor)
    return new_delivery(context), context.cursor


def test_a_new_or_corrected_file_loads_its_month_once_it_has_stopped_changing(config):
    result, cursor = tick(None)
    assert isinstance(result, dg.SkipReason)  # takes note of what is there
    result, cursor = tick(cursor)
    assert result == []
    corrected = config.parent / "sources/ekonomi/2025/huvudbok_2025-03.se"
    whole = corrected.read_bytes() + b"\r\n"
    corrected.write_bytes(whole[: len(whole) // 2])  # a copy into place, half-way
    result, cursor = tick(cursor)
    assert isinstance(result, dg.SkipReason) and "huvudbok_2025-03.se" in result.skip_message
    corrected.write_bytes(whole)  # the copy goes on: still changing, still not loaded
    result, cursor = tick(cursor)
    assert isinstance(result, dg.SkipReason) and "väntar" in result.skip_message
    result, cursor = tick(cursor)  # unchanged over one interval: complete
    [request] = result
    assert request.partition_key == "2025-03"
    result, cursor = tick(cursor)
    assert result == []  # loaded once
    hr = config.parent / "sources/personal/2025/personal_2025-05.csv"
    os.utime(hr, ns=(1, 1))
    corrected.write_bytes(whole + b"\r\n")
    result, cursor = tick(cursor)
    assert isinstance(result, dg.SkipReason)
    result, cursor = tick(cursor)
    assert [r.partition_key for r in result] == ["2025-03", "2025-05"]


def test_a_load_makes_the_packages_of_the_periods_that_read_its_months_and_are_due():
    """What every route runs after a load (the job monthly_load's follow_up_packages)."""
    periods = [f"{y}-{m:02d}" for y in (2024, 2025) for m in (2, 4, 6, 8, 10, 12)]
    through_august = {f"2025-{m:02d}" for m in range(1, 9)} | {p for p in periods
                                                                if p < "2025"}
    budgets = {2024, 2025}
    # the August load in September: August's period; October waits for its ledger
    assert periods_to_make(["2025-07", "2025-08"], periods, through_august, budgets) == [
        "2025-08"]
    # the 6th's load of July makes nothing: 2025-08 is not loaded yet
    assert periods_to_make(["2025-07"], periods, through_august - {"2025-08"}, budgets) == []
    # a corrected March delivered in January: every later period of 2025, not February
    every_month = through_august | {"2025-10", "2025-12"}
    assert periods_to_make(["2025-03"], periods, every_month, budgets) == [
        "2025-04", "2025-06", "2025-08", "2025-10", "2025-12"]
    # a year compared with the year after: 2024's December is read by all of 2025
    assert periods_to_make(["2024-12"], periods, every_month, budgets) == [
        "2024-12", *(p for p in periods if p.startswith("2025"))]
    # no budget for 2025: no package compares with one
    assert periods_to_make(["2025-08"], periods, every_month, {2024}) == []


def test_reminders_go_out_before_each_comment_deadline_and_the_day_after(config):
    tidplan = yaml.safe_load((config.parent / "sources/tidplan/tidplan_2025.yaml").read_text(
        encoding="utf-8"))
    deadlines = {(str(p["period"]), dt.date.fromisoformat(str(day)))
                 for p in tidplan["uppfoljningar"] for day in p["kommentarer"].values()}
    fired: dict[dt.date, set[str]] = {}
    day = dt.date(2025, 1, 1)
    while day <= dt.date(2026, 4, 30):
        result = deadline_reminders(at(day, 7))
        if isinstance(result, list):
            assert all(r.tags[REMINDER_DAY_TAG] == day.isoformat() for r in result)
            fired[day] = {r.partition_key for r in result}
        day += dt.timedelta(days=1)
    # the units' deadline for January-August is Monday 8 September: reminded on Friday the
    # 5th (three days before is a Saturday) and, for whoever is late, on the 9th
    assert ("2025-08", dt.date(2025, 9, 8)) in deadlines
    assert "2025-08" in fired[dt.date(2025, 9, 5)]
    assert "2025-08" in fired[dt.date(2025, 9, 9)]
    assert all(d.weekday() < 5 for d in fired)  # never on a weekend

    def before(d, deadline):  # three days before, or the Friday before that weekend
        return deadline - dt.timedelta(days=5) <= d <= deadline - dt.timedelta(days=3)

    def after(d, deadline):  # the day after, or the Monday after that weekend
        return deadline + dt.timedelta(days=1) <= d <= deadline + dt.timedelta(days=3)

    for period, deadline in deadlines:
        assert any(period in ps and before(d, deadline) for d, ps in fired.items()), deadline
        assert any(period in ps and after(d, deadline) for d, ps in fired.items()), deadline
    for d, periods in fired.items():  # and on no other day
        for period in periods:
            assert any(p == period and (before(d, deadline) or after(d, deadline))
                       for p, deadline in deadlines), (d, period)


def test_a_tidplan_that_cannot_be_read_skips_the_tick_and_says_where(config):
    tidplan = config.parent / "sources/tidplan/tidplan_2025.yaml"
    tidplan.write_text(tidplan.read_text(encoding="utf-8") + "  - period: [\n",
                       encoding="utf-8")
    for schedule in (follow_up_run, deadline_reminders):
        result = schedule(at(dt.date(2025, 5, 6)))
        assert isinstance(result, dg.SkipReason)
        assert "tidplan_2025.yaml: rad" in result.skip_message


def test_the_board_documents_are_made_the_day_after_the_units_last_comment_day(config):
    """The demo's tidplan: the sektorer comment the delårsrapport's deviations by 15
    September; on the 16th the period is loaded again (what the units returned) and the
    packages that follow are the board's documents."""
    from pipelines.schedules import board_documents

    [request] = board_documents(at(dt.date(2025, 9, 16), hour=7))
    assert (request.tags[PERIOD_TAG], request.tags[RANGE_START], request.tags[RANGE_END]) == (
        "2025-08", "2025-07", "2025-08")
    assert isinstance(board_documents(at(dt.date(2025, 9, 15))), dg.SkipReason)


def test_the_schedules_tick_on_the_tidplans_days_and_start_as_the_config_says(config):
    """The UI shows the next data cut-off as the schedule's next tick (a cron string per day
    the tidplan names), and `automations: true` starts every schedule and sensor."""
    from pipelines.definitions import build_definitions

    tidplan = yaml.safe_load((config.parent / "sources/tidplan/tidplan_2025.yaml").read_text(
        encoding="utf-8"))
    cutoffs = {dt.date.fromisoformat(str(p["datauttag"])) for p in tidplan["uppfoljningar"]}
    defs = build_definitions(str(config))
    follow_up = defs.get_schedule_def("follow_up_run")
    assert {f"0 7 {d.day} {d.month} *" for d in cutoffs} <= set(follow_up.cron_schedule)
    assert "0 7 * * *" not in follow_up.cron_schedule
    assert {s.default_status for s in defs.schedules} == {dg.DefaultScheduleStatus.STOPPED}
    switched_on = yaml.safe_load(config.read_text(encoding="utf-8")) | {"automations": True}
    config.write_text(yaml.safe_dump(switched_on, allow_unicode=True), encoding="utf-8")
    defs = build_definitions(str(config))
    assert {s.default_status for s in defs.schedules} == {dg.DefaultScheduleStatus.RUNNING}
    assert {s.default_status for s in defs.sensors} == {dg.DefaultSensorStatus.RUNNING}
    # what a tick does is unchanged: the cut-off of April loads March and April
    april = min(d for d in cutoffs if d.month in (5, 6))
    request = defs.get_schedule_def("follow_up_run")(at(april))
    assert (request.tags[RANGE_START], request.tags[RANGE_END]) == ("2025-03", "2025-04")
