"""The Dagster definitions and the pure functions around them (no run needed)."""

import datetime as dt

import dagster as dg

from pipelines.defs.transform import dbt_build_args
from pipelines.ingest.loaders import pseudonym
from pipelines.partitions import months_through
from pipelines.quality.org_tree import org_tree_problems
from pipelines.schedules import monthly_load


def test_definitions_merge_the_four_areas():
    from pipelines.definitions import build_definitions

    defs = build_definitions()
    graph = defs.resolve_asset_graph()
    keys = {k.to_user_string() for k in graph.get_all_asset_keys()}
    assert {"raw_org_units", "raw_ledger_transactions", "raw_hr_employee_months",
            "marts/org_units", "marts/ledger_transactions", "load_report"} <= keys
    groups = {graph.get(k).group_name for k in graph.get_all_asset_keys()
              if graph.get(k).is_materializable}
    assert groups == {"ingest", "staging", "intermediate", "marts", "quality", "reports"}
    assert defs.resolve_job_def("monthly_load") is not None
    # what `dagster dev` loads: names of jobs, ops and assets must not clash
    repository = defs.get_repository_def()
    assert {"monthly_load", "reminders"} <= {j.name for j in repository.get_all_jobs()}


def test_every_job_schedule_and_sensor_says_what_it_does_under_its_own_name():
    from pipelines.definitions import build_definitions

    repository = build_definitions().get_repository_def()
    jobs = {j.name: j for j in repository.get_all_jobs() if not j.name.startswith("__")}
    automations = [*repository.schedule_defs, *repository.sensor_defs]
    # one job per purpose: the packages are made by the load that feeds them
    assert set(jobs) == {"monthly_load", "reminders", "delivery_watch"}
    assert {a.name for a in automations} == {"follow_up_run", "monthly_load_on_the_6th",
                                             "deadline_reminders", "board_documents",
                                             "new_delivery", "deliveries_on_time"}
    assert not {a.name for a in automations} & set(jobs)  # no schedule named as its job
    for thing in [*jobs.values(), *automations]:
        assert thing.description and len(thing.description) > 40, thing.name


def test_everything_that_touches_the_warehouse_is_in_one_pool():
    from pipelines.definitions import build_definitions

    pools = {a.node_def.pool for a in build_definitions().resolve_asset_graph().assets_defs
             if a.is_executable}
    assert pools == {"duckdb_warehouse"}


def test_dbt_arguments():
    assert dbt_build_args() == ["build"]
    assert dbt_build_args("marts") == ["build", "--select", "marts"]


def test_org_tree_problems_are_named():
    day = dt.date(2020, 1, 1)
    good = [("1", "kommun", None, day, None), ("11", "nämnd", "1", day, None),
            ("111", "sektor", "11", day, None)]
    assert org_tree_problems(good) == []
    bad = [*good, ("1111", "verksamhet", "11", day, None),  # parent is a nämnd
           ("9", "enhet", "999", day, None)]  # parent missing
    problems = org_tree_problems(bad)
    assert "1111 (verksamhet): överordnad enhet 11 är en nämnd, ska vara en sektor" in problems
    assert "9: överordnad enhet 999 finns inte medan enheten gäller" in problems
    overlapping = [*good, ("111", "sektor", "11", dt.date(2020, 6, 1), None)]
    assert any("giltighetsperioderna överlappar" in p for p in org_tree_problems(overlapping))


def test_months_through():
    assert months_through([2024, 2025], "2024-02") == ["2024-01", "2024-02"]
    assert len(months_through([2025], None)) == 12


def test_monthly_load_asks_for_last_month():
    context = dg.build_schedule_context(
        scheduled_execution_time=dt.datetime(2025, 3, 6, 6, 0))
    request = monthly_load(context)
    assert request.partition_key == "2025-02"


def test_pseudonym_is_stable_keyed_and_format_blind():
    a = pseudonym("19650617-1492", b"key")
    assert a == pseudonym("196506171492", b"key")
    assert a != pseudonym("19650617-1492", b"other key")
    assert "1965" not in a and len(a) == 32
    # base32 digits are 2-7: no month (01-12) can ever be read out of a pseudonym
    assert {c for c in a if c.isdigit()} <= set("234567")


def test_dbt_rebuilds_the_periods_of_the_run():
    from pipelines.defs.transform import dbt_env_for

    window = lambda keys: tuple(dbt_env_for(keys).values())  # noqa: E731
    assert window(["2025-03"]) == ("2025-03", "2025-03")
    assert window(["2025-02", "2024-12", "2025-01"]) == ("2024-12", "2025-02")
    assert window([]) == ("", "")  # every period: a whole build


def test_the_instance_gives_a_code_server_time_to_start_on_a_loaded_machine():
    """`dg dev` on a loaded machine gave up on the code server after Dagster's default 180 s
    and stayed "Could not reach user code server" (issue 34)."""
    from pipelines.runner import INSTANCE_TEMPLATE

    with dg.DagsterInstance.from_config(str(INSTANCE_TEMPLATE.parent)) as instance:
        assert instance.code_server_process_startup_timeout >= 360
        assert instance.code_server_reload_timeout >= 360


def test_every_asset_links_to_its_code():
    """The UI's code references: a dbt model's SQL file, a Python asset's function."""
    from pipelines.definitions import build_definitions

    graph = build_definitions().resolve_asset_graph()
    files = {key.to_user_string(): [r.file_path for r in graph.get(key).metadata[
        "dagster/code_references"].code_references] for key in graph.get_all_asset_keys()}
    assert files["marts/budget_follow_up"][0].endswith(
        "dbt_project/models/marts/budget_follow_up.sql")
    assert files["raw_ledger_transactions"][0].endswith("pipelines/defs/monthly_loads.py")
    assert all(files.values())


def test_a_month_is_late_once_its_data_cutoff_has_passed():
    """The tidplan's cut-off of 2025-04 is 6 May: March and April are due then, and late the
    day after; a source delivered from 2025 on is not late for 2024."""
    from pipelines.quality.timeliness import due_dates, overdue_months

    cutoffs = {dt.date(2025, 3, 6): "2025-02", dt.date(2025, 5, 6): "2025-04",
               dt.date(2025, 1, 12): "2024-12"}
    assert due_dates(cutoffs)["2025-03"] == (dt.date(2025, 5, 6), "2025-04")
    assert due_dates(cutoffs)["2025-01"] == (dt.date(2025, 3, 6), "2025-02")
    held = {"2025-01", "2025-02", "2025-03"}
    assert overdue_months(cutoffs, held, [2024, 2025], dt.date(2025, 5, 6)) == []
    [late] = overdue_months(cutoffs, held, [2024, 2025], dt.date(2025, 5, 9))
    assert late.message("Huvudboken", dt.date(2025, 5, 9)) == (
        "Huvudboken för 2025-04 skulle ha varit inläst 2025-05-06 (tidplanens datauttag för "
        "2025-04) och saknas i lagret: 3 dagar sent.")
    assert [o.month for o in overdue_months(cutoffs, set(), [2024, 2025],
                                            dt.date(2025, 5, 9))] == [
        "2024-11", "2024-12", "2025-01", "2025-02", "2025-03", "2025-04"]
