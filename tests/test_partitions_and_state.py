"""Partitions come from the config's years, and a run writes nothing inside the project."""

import datetime as dt
from pathlib import Path

import dagster as dg
import pytest
import yaml

from pipelines.defs.transform import dbt_env_for
from pipelines.partitions import default_years, months_made_stale, partitions_for
from pipelines.schedules import monthly_load

REPO = Path(__file__).resolve().parents[1]


def write_config(tmp_path, first: int, last: int) -> Path:
    (tmp_path / "org.csv").write_text("kod;benamning;niva;overordnad_kod\n1;K;kommun;\n",
                                      encoding="utf-8")
    path = tmp_path / "uppfoljning.yaml"
    path.write_text(yaml.safe_dump({"municipality": "K", "fiscal_year": last,
                                    "first_year": first,
                                    "sources": {"org_register": {"type": "csv",
                                                                 "path": "org.csv"}}}))
    return path


def test_every_partitioned_asset_has_the_months_of_the_configured_years(tmp_path):
    """The packages too: a follow-up period is its last month, so a month and everything
    downstream of it are one partition space (the asset graph launches them as one run)."""
    from pipelines.definitions import build_definitions

    defs = build_definitions(str(write_config(tmp_path, 2008, 2010)))
    graph = defs.resolve_asset_graph()
    ledger = graph.get(dg.AssetKey("raw_ledger_transactions")).partitions_def
    months = ledger.get_partition_keys()
    assert months[0] == "2008-01" and months[-1] == "2010-12" and len(months) == 36
    spaces = {graph.get(k).partitions_def for k in graph.materializable_asset_keys} - {None}
    assert spaces == {ledger}


def test_without_a_config_the_partitions_are_the_current_years():
    assert default_years(dt.date(2031, 5, 1)) == [2031]
    assert partitions_for([2031]).monthly.get_partition_keys()[0] == "2031-01"


def test_dbt_rebuilds_the_months_a_whole_file_changed_beyond_the_run():
    assert dbt_env_for(["2025-08"], ["2024-01", "2024-12"]) == {
        "UPPFOLJNING_PERIOD_FROM": "2024-01", "UPPFOLJNING_PERIOD_TO": "2025-08"}


def test_a_months_build_rebuilds_what_the_month_makes_stale():
    """July is in the year to date of every later period of 2025 (and in its grid of units
    from January), and is last year's outcome for every period of 2026 (the forecast's
    baseline reads last year's whole year): the window is 2025 and 2026, not every year."""
    assert months_made_stale(["2025-07"]) == ["2025-01", "2026-12"]
    assert months_made_stale(["2025-12", "2025-07"]) == ["2025-01", "2026-12"]
    # with what a corrected whole-year file noted for the build (raw.months_to_rebuild)
    assert months_made_stale(["2025-08", "2024-03", "2024-12"]) == ["2024-01", "2026-12"]
    assert months_made_stale([]) == []  # no months: dbt's every period
    assert dbt_env_for(months_made_stale(["2010-07"])) == {
        "UPPFOLJNING_PERIOD_FROM": "2010-01", "UPPFOLJNING_PERIOD_TO": "2011-12"}


def test_the_monthly_load_skips_a_month_outside_the_configured_years(tmp_path, monkeypatch):
    monkeypatch.setenv("UPPFOLJNING_CONFIG", str(write_config(tmp_path, 2010, 2011)))
    inside = monthly_load(dg.build_schedule_context(
        scheduled_execution_time=dt.datetime(2011, 3, 6, 6, 0)))
    assert inside.partition_key == "2011-02"
    outside = monthly_load(dg.build_schedule_context(
        scheduled_execution_time=dt.datetime(2013, 3, 6, 6, 0)))
    assert isinstance(outside, dg.SkipReason) and "2010–2011" in outside.skip_message


@pytest.mark.slow  # a full run of the demo
def test_a_run_writes_only_under_the_configs_folders(demo_run):
    for inside in ("dbt_project/target", "dbt_project/logs", "dbt_project/.user.yml",
                   "warehouse", "landing", "reports/output"):
        assert not (REPO / inside).exists(), f"a run wrote {inside} inside the project"
    state = demo_run.warehouse.parent / "dbt"
    assert (state / "run_results.json").exists() and (state / "dbt.log").exists()
    assert (demo_run.warehouse.parent / "last_run.log").stat().st_size > 0


def test_one_months_downstream_is_the_follow_up_periods_that_read_it(tmp_path):
    """A correction to a month touches its year's periods from that month on, every period
    of the next year (its forecast's baseline is last year's whole year) and, as their
    comparison year, the same periods of the two years after: not every period there is."""
    from pipelines.definitions import build_definitions

    defs = build_definitions(str(write_config(tmp_path, 2020, 2025)))
    graph = defs.resolve_asset_graph()
    months = graph.get(dg.AssetKey(["marts", "budget_follow_up"])).partitions_def
    for key in ("follow_up_packages", "comment_reminders"):
        node = graph.get(dg.AssetKey(key))
        periods = node.partitions_def
        mappings = [node.partition_mappings[parent] for parent in node.parent_keys
                    if parent in node.partition_mappings]
        mapping = mappings[0]  # every mart it reads, mapped alike
        assert len(mappings) >= 2 and all(
            m.downstream_partition_keys_by_upstream_partition_key
            == mapping.downstream_partition_keys_by_upstream_partition_key for m in mappings)
        downstream = mapping.get_downstream_partitions_for_partitions(
            months.subset_with_partition_keys(["2025-03"]), months, periods)
        assert sorted(downstream.get_partition_keys()) == [
            "2025-04", "2025-06", "2025-08", "2025-10", "2025-12"]
        earlier = mapping.get_downstream_partitions_for_partitions(
            months.subset_with_partition_keys(["2021-08"]), months, periods)
        assert sorted(earlier.get_partition_keys()) == sorted(
            [f"{y}-{m}" for y in (2021, 2023, 2024) for m in ("08", "10", "12")]
            + [f"2022-{m:02d}" for m in (2, 4, 6, 8, 10, 12)])
        upstream = mapping.get_upstream_mapped_partitions_result_for_partitions(
            periods.subset_with_partition_keys(["2025-04"]), periods, months)
        assert sorted(upstream.partitions_subset.get_partition_keys()) == sorted(
            [f"{y}-{m:02d}" for y in (2022, 2023, 2025) for m in (1, 2, 3, 4)]
            + [f"2024-{m:02d}" for m in range(1, 13)])


def test_quality_checks_again_the_months_a_corrected_whole_file_changed():
    """A year file read whole and corrected changes March 2024 during a run of 2025-08: the
    next quality run checks March again (its issues would otherwise stay as last seen)."""
    import duckdb

    from pipelines.defs.quality import months_to_recheck
    from pipelines.ingest.raw_tables import Replacement, ensure_raw_schema

    con = duckdb.connect()
    ensure_raw_schema(con)
    con.execute("insert into raw.ledger_transactions (period, account, amount, source_file) "
                "values ('2024-03', '4000', 1, 'huvudbok_2024.se'), "
                "('2025-08', '4000', 1, 'huvudbok_2024.se'), "
                "('2025-08', '4000', 1, 'huvudbok_2025-05.se')")
    assert months_to_recheck(con) == []
    # a whole file with nothing beyond the run's months notes nothing
    assert Replacement(con, "ledger_transactions").rebuild_beyond(
        ["2025-08"], ["huvudbok_2025-05.se"]) == []
    assert Replacement(con, "ledger_transactions").rebuild_beyond(
        ["2025-08"], ["huvudbok_2024.se"]) == ["2024-03"]
    assert months_to_recheck(con) == ["2024-03"]
    assert con.execute("select period from raw.months_to_rebuild").fetchall() == [("2024-03",)]
