"""Schedules and sensors come from the municipality's tidplan and its deliveries."""

import datetime as dt
import os
import shutil
from zoneinfo import ZoneInfo

import dagster as dg
import pytest
import yaml

from pipelines.cli import demo_config
from pipelines.schedules import (
    PERIOD_TAG,
    RANGE_END,
    RANGE_START,
    follow_up_run,
    monthly_load,
    new_delivery,
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


def test_a_new_or_corrected_file_starts_the_load_of_its_month(config):
    first = dg.build_sensor_context(cursor=None)
    assert isinstance(new_delivery(first), dg.SkipReason)  # takes note of what is there
    cursor = first.cursor
    assert new_delivery(dg.build_sensor_context(cursor=cursor)) == []
    corrected = config.parent / "sources/ekonomi/2025/huvudbok_2025-03.se"
    corrected.write_bytes(corrected.read_bytes() + b"\r\n")
    [request] = new_delivery(dg.build_sensor_context(cursor=cursor))
    assert request.partition_key == "2025-03"
    (config.parent / "sources/personal/2025/personal_2025-05.csv").touch()
    os.utime(config.parent / "sources/personal/2025/personal_2025-05.csv",
             ns=(1, 1))
    context = dg.build_sensor_context(cursor=cursor)
    assert [r.partition_key for r in new_delivery(context)] == ["2025-03", "2025-05"]
