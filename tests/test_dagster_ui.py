"""What a data engineer sees in the Dagster UI, asked as the UI asks: through its GraphQL API,
in-process, on the demo's definitions and instance (docs/architecture.md, "The Dagster UI").
"""

from __future__ import annotations

import contextlib
from pathlib import Path

import dagster as dg
import pytest
from dagster._core.remote_origin import InProcessCodeLocationOrigin
from dagster._core.types.loadable_target_origin import LoadableTargetOrigin
from dagster._core.workspace.context import WorkspaceProcessContext
from dagster._core.workspace.load_target import InProcessWorkspaceLoadTarget
from dagster_graphql.test.utils import execute_dagster_graphql

pytestmark = pytest.mark.slow

LAYERS = {"ingest", "staging", "intermediate", "marts", "quality", "reports"}

ASSETS = """{ assetNodes { assetKey { path } groupName description kinds isPartitioned
    dependedByKeys { path }
    owners { ... on TeamAssetOwner { team } ... on UserAssetOwner { email } }
    tags { key value } } }"""

BACKFILL = """mutation($params: LaunchBackfillParams!) { launchPartitionBackfill(
    backfillParams: $params) { __typename ... on LaunchBackfillSuccess { backfillId }
    ... on PythonError { message } ... on PartitionSetNotFoundError { message }
    ... on InvalidStepError { invalidStepKey } ... on InvalidOutputError { stepKey } } }"""

TARGETED = """query($id: String!) { partitionBackfillOrError(backfillId: $id) {
    ... on PartitionBackfill { assetBackfillData { assetBackfillStatuses {
        ... on AssetPartitionsStatusCounts { assetKey { path } numPartitionsTargeted }
        ... on UnpartitionedAssetStatus { assetKey { path } } } } } } }"""

CHECKS = """{ assetNodes { assetKey { path } assetChecksOrError {
    ... on AssetChecks { checks { name description } } } } }"""

LATEST = """query($key: AssetKeyInput!) { assetNodes(assetKeys: [$key]) {
    assetMaterializations(limit: 1) { partition metadataEntries { label __typename
        ... on IntMetadataEntry { intValue }
        ... on TableSchemaMetadataEntry { schema { columns { name type } } }
        ... on TableColumnLineageMetadataEntry { lineage { columnName
            columnDeps { assetKey { path } columnName } } } } } } }"""

SPACES = """{ assetNodes { assetKey { path } jobNames partitionDefinition { description } } }"""

RUNS = """{ runsOrError { ... on Runs { results { jobName status tags { key value } } } } }"""


@contextlib.contextmanager
def ui(config: Path, instance: dg.DagsterInstance, folder: Path):
    """The webserver's request context on these definitions, loaded in this process."""
    module = folder / "ui_definitions.py"
    module.write_text("from pipelines.definitions import build_definitions\n"
                      f"defs = build_definitions({str(config)!r})\n", encoding="utf-8")
    origin = InProcessCodeLocationOrigin(
        LoadableTargetOrigin(python_file=str(module), attribute="defs"),
        location_name="uppfoljning")
    with WorkspaceProcessContext(instance, InProcessWorkspaceLoadTarget(origin)) as process:
        yield process.create_request_context()


def ask(context, query: str, variables: dict | None = None) -> dict:
    result = execute_dagster_graphql(context, query, variables)
    assert not result.errors, result.errors
    return result.data


@pytest.fixture(scope="module")
def demo_ui(demo_run, tmp_path_factory):
    """The UI on the demo's definitions; backfills are launched on a scratch instance (no
    daemon runs them: what they target is what the UI's dialog launches)."""
    with dg.instance_for_test() as scratch, \
            ui(demo_run.config.base_dir / "uppfoljning.yaml", scratch,
               tmp_path_factory.mktemp("ui")) as context:
        yield context


def downstream_of(nodes: list[dict], start: str) -> set[str]:
    """`start` and every asset downstream of it, as the UI's selection `start*` picks."""
    children = {"/".join(n["assetKey"]["path"]): ["/".join(k["path"]) for k in n["dependedByKeys"]]
                for n in nodes}
    found, stack = {start}, [start]
    while stack:
        for child in children[stack.pop()]:
            if child not in found:
                found.add(child)
                stack.append(child)
    return found


def targeted(context, partitions: list[str], keys: set[str]) -> dict[str, int | None]:
    """What the UI's backfill dialog launches for `partitions` of the assets `keys`: per
    asset the number of partitions (None: unpartitioned, materialised once)."""
    launched = ask(context, BACKFILL, {"params": {
        "partitionNames": partitions,
        "assetSelection": [{"path": k.split("/")} for k in sorted(keys)]}})
    got = launched["launchPartitionBackfill"]
    assert got["__typename"] == "LaunchBackfillSuccess", got
    statuses = ask(context, TARGETED, {"id": got["backfillId"]})[
        "partitionBackfillOrError"]["assetBackfillData"]["assetBackfillStatuses"]
    return {"/".join(s["assetKey"]["path"]): s.get("numPartitionsTargeted") for s in statuses}


def test_every_asset_has_a_layer_an_owner_a_kind_and_a_description(demo_ui):
    nodes = ask(demo_ui, ASSETS)["assetNodes"]
    assert {n["groupName"] for n in nodes} == LAYERS
    for n in nodes:
        name = "/".join(n["assetKey"]["path"])
        assert n["kinds"], f"{name} has no kind"
        assert n["owners"], f"{name} has no owner"
        assert (n["description"] or "").strip(), f"{name} has no description"
    leaves = [n["assetKey"]["path"][-1] for n in nodes]
    assert len(leaves) == len(set(leaves)), "two assets show the same name in the graph"
    personal = {"/".join(n["assetKey"]["path"]) for n in nodes
                if any(t["key"] == "personal_data" for t in n["tags"])}
    assert {"raw_hr_employee_months", "staging/stg_hr__employee_months",
            "marts/staff_statistics"} <= personal
    assert not any(p.startswith(("raw_ledger", "marts/budget")) for p in personal)
    owners = {"/".join(n["assetKey"]["path"]): {o.get("team") for o in n["owners"]}
              for n in nodes}
    assert owners["raw_hr_employee_months"] == {"hr"}
    assert owners["marts/budget_follow_up"] == {"ekonomi"}


def test_every_check_says_what_it_checks(demo_ui):
    """dbt's singular tests too: their descriptions are in tests/_tests__data_tests.yml."""
    checks = [(n["assetKey"]["path"], c) for n in ask(demo_ui, CHECKS)["assetNodes"]
              for c in (n["assetChecksOrError"].get("checks") or [])]
    assert len(checks) > 90
    assert {"assert_kommun_outcome_equals_the_ledger", "kontering", "ledger_reconciles"} <= {
        c["name"] for _, c in checks}
    undescribed = [f"{'/'.join(k)}:{c['name']}" for k, c in checks
                   if not (c["description"] or "").strip()]
    assert not undescribed, undescribed


def test_only_what_a_month_means_something_for_is_partitioned(demo_ui):
    partitioned = {"/".join(n["assetKey"]["path"]): n["isPartitioned"]
                   for n in ask(demo_ui, ASSETS)["assetNodes"]}
    assert all(partitioned[k] for k in ("raw_ledger_transactions", "raw_hr_employee_months",
                                        "marts/budget_follow_up", "quality/issues",
                                        "follow_up_packages"))
    assert not any(v for k, v in partitioned.items() if k.startswith("seeds/"))
    assert not any(partitioned[k] for k in ("marts/accounts", "marts/org_units",
                                            "raw_budget_lines", "raw_org_units"))


def test_a_redelivered_month_and_all_downstream_is_one_run(demo_ui):
    """Select the ledger and everything downstream of it, as a data engineer does after a
    corrected delivery: every asset is partitioned by month or not at all, and all share a
    job, so the dialog's Materialize of 2025-08 is "Launch 1 run" (the UI's rule), not a
    backfill of one run per partition space. Which periods that run makes packages for is
    the packages' own decision (test_schedules); the browser test launches it."""
    nodes = {"/".join(n["assetKey"]["path"]): n for n in ask(demo_ui, SPACES)["assetNodes"]}
    keys = downstream_of(ask(demo_ui, ASSETS)["assetNodes"], "raw_ledger_transactions")
    assert {"follow_up_packages", "open_data_release", "comment_reminders", "load_report",
            "read_copy"} <= keys and len(keys) > 25
    spaces = {nodes[k]["partitionDefinition"]["description"] for k in keys
              if nodes[k]["partitionDefinition"]}
    assert len(spaces) == 1
    assert set.intersection(*(set(nodes[k]["jobNames"]) for k in keys))


def test_one_year_backfill_targets_the_years_months(demo_ui):
    """A backfill of 2025 over every asset: twelve months of each monthly asset in one run
    (single-run backfill policy), the unpartitioned ones once, and of the packages the
    months the partition mapping says read them: the six follow-up periods of 2025."""
    nodes = ask(demo_ui, ASSETS)["assetNodes"]
    months = [f"2025-{m:02d}" for m in range(1, 13)]
    counts = targeted(demo_ui, months, {"/".join(n["assetKey"]["path"]) for n in nodes
                                        if n["isPartitioned"]})
    assert counts["raw_ledger_transactions"] == counts["quality/issues"] == 12
    assert counts["follow_up_packages"] == 6  # 2025-02 … 2025-12, no other month


def test_the_instance_holds_the_demos_runs(demo_run):
    """The README's UI opens <config folder>/.dagster: the demo's runs are there."""
    with dg.DagsterInstance.from_config(str(demo_run.config.base_dir / ".dagster")) as inst, \
            ui(demo_run.config.base_dir / "uppfoljning.yaml", inst,
               demo_run.config.base_dir) as context:
        runs = ask(context, RUNS)["runsOrError"]["results"]
        [mart] = ask(context, LATEST, {"key": {"path": ["marts", "budget_follow_up"]}}
                     )["assetNodes"]
    assert {r["jobName"] for r in runs} == {"monthly_load"}
    assert all(r["status"] == "SUCCESS" for r in runs)
    # a dbt materialisation says how many rows its table has, and its columns' types
    [latest] = mart["assetMaterializations"]
    entries = {e["label"]: e for e in latest["metadataEntries"]}
    assert entries["dagster/row_count"]["intValue"] > 1000
    columns = {c["name"]: c["type"] for c in
               entries["dagster/column_schema"]["schema"]["columns"]}
    assert columns["outcome_ytd"].startswith("DECIMAL") and columns["period"] == "INTEGER"
    # and what each column is computed from (the asset's Column lineage)
    lineage = {e["columnName"]: {("/".join(d["assetKey"]["path"]), d["columnName"])
                                 for d in e["columnDeps"]}
               for e in entries["dagster/column_lineage"]["lineage"]}
    assert lineage["deviation_ytd"] == {("intermediate/int_unit_amounts_placed", "budget_ytd"),
                                        ("intermediate/int_unit_amounts_placed", "outcome_ytd")}
    assert set(lineage) == set(columns)


CHECK_RESULTS = """query($key: AssetKeyInput!, $check: String!, $partition: String) {
    assetCheckExecutions(assetKey: $key, checkName: $check, partition: $partition, limit: 5) {
        partition evaluation { partition success metadataEntries { label __typename
            ... on TextMetadataEntry { text } ... on MarkdownMetadataEntry { mdStr }
            ... on IntMetadataEntry { intValue } } } } }"""

MONTH = """query($key: AssetKeyInput!, $month: String!) { assetNodes(assetKeys: [$key]) {
    assetMaterializations(partitions: [$month], limit: 1) { partition metadataEntries {
        label ... on IntMetadataEntry { intValue } ... on TextMetadataEntry { text } } } } }"""


def test_a_range_run_shows_each_months_checks_and_rows_on_that_month(demo_run):
    """The demo loads 2024-01 … 2025-12 in one run: each rule family's check has a result on
    every month, failing where the month has an error (with what to correct, in Swedish),
    and the ledger's August shows August's rows, not the run's."""
    import duckdb

    with duckdb.connect(str(demo_run.warehouse), read_only=True) as con:
        failing = {p for (p,) in con.execute(
            "select distinct period from quality.issues where suite = 'kontering' and "
            "severity = 'error'").fetchall()}
        mart_rows = con.execute("select count(*) from marts.budget_follow_up where "
                                "fiscal_year = 2025 and period = 8").fetchone()[0]
        august = con.execute(
            "select (select count(*) from raw.ledger_transactions where period = '2025-08'), "
            "(select count(*) from raw.quarantine where source = 'ledger' and "
            "period = '2025-08')").fetchone()
    passing = sorted({f"2025-{m:02d}" for m in range(1, 13)} - failing)
    assert failing and passing
    key = {"path": ["quality", "issues"]}
    with dg.DagsterInstance.from_config(str(demo_run.config.base_dir / ".dagster")) as inst, \
            ui(demo_run.config.base_dir / "uppfoljning.yaml", inst,
               demo_run.config.base_dir) as context:
        results = {month: ask(context, CHECK_RESULTS, {"key": key, "check": "kontering",
                                                       "partition": month}
                              )["assetCheckExecutions"]
                   for month in [min(failing), passing[0]]}
        unpartitioned = ask(context, CHECK_RESULTS, {"key": key, "check": "kontering",
                                                     "partition": ""})["assetCheckExecutions"]
        [ledger] = ask(context, MONTH, {"key": {"path": ["raw_ledger_transactions"]},
                                        "month": "2025-08"})["assetNodes"]
        [mart] = ask(context, MONTH, {"key": {"path": ["marts", "budget_follow_up"]},
                                      "month": "2025-08"})["assetNodes"]
        on_time = ask(context, CHECK_RESULTS, {"key": {"path": ["raw_ledger_transactions"]},
                                               "check": "ledger_transactions_on_time"}
                      )["assetCheckExecutions"]
    assert unpartitioned == []  # no result lands on no month
    # every month the demo's tidplan has made due is loaded
    assert on_time and on_time[0]["evaluation"]["success"] is True
    failed = results[min(failing)][0]["evaluation"]
    assert failed["partition"] == min(failing) and failed["success"] is False
    said = {e["label"]: e.get("text") or e.get("mdStr") or e.get("intValue")
            for e in failed["metadataEntries"]}
    assert said["fel"] > 0 and said["Resultat"].startswith(f"{said['fel']} fel och ")
    first = next(v for k, v in said.items() if k.startswith("De första"))
    assert "| Nämnd | Fil | Rad | Allvar | Vad ska rättas |" in first
    assert f"huvudbok_{min(failing)}.se" in first
    assert f"period = '{min(failing)}'" in said["Hela listan"]
    assert results[passing[0]][0]["evaluation"]["success"] is True
    [month] = ledger["assetMaterializations"]
    rows = {e["label"]: e.get("intValue") for e in month["metadataEntries"]}
    assert (rows["rows_loaded"], rows["rows_quarantined"]) == august
    assert rows["rows_read"] == sum(august)
    [month] = mart["assetMaterializations"]
    rows = {e["label"]: e.get("intValue") for e in month["metadataEntries"]}
    assert rows["dagster/partition_row_count"] == mart_rows > 0
