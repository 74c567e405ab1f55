"""How long a one-month run launched from the Dagster UI takes, and where the time goes.

Starts `dagster dev` on the demo's instance as the README does, launches a one-month run
through the webserver's GraphQL API (what the UI's Materialize button does), waits for it
and prints the run's wall time, the sum of its steps' times and each step. The run is the
ledger and everything monthly downstream of it with their checks (`--select ledger`, what
a data engineer reruns after a corrected ledger month), or a job (`--job monthly_load`).
The figures are for this machine at this moment: compare two checkouts one after the
other on the same machine (`--repo` runs another checkout's definitions with this
environment), and repeat the launch (`--runs N`).

`--redelivery` measures what a data engineer does after a corrected month: the ledger and
everything downstream of it, the packages of the periods that read the month included,
launched as the asset graph's Materialize does. The UI's dialog launches one run when every
selected asset is partitioned alike or not at all and all share a job, else a backfill
(`dagster dev`'s daemon runs it, one run per partition space, on its 30-second tick); the
script takes the same route (so `--repo` on an older checkout measures its route): the
runs made, each with its time, the gaps between them, and the time from the click to the
end of the last run (issue 34: ≤ 60 s on the small demo).

    .venv/bin/python benchmarks/ui_run_benchmark.py --config demo/uppfoljning.yaml \
        --month 2025-08 [--select ledger | --job monthly_load | --redelivery] [--runs 2]
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

HERE = Path(__file__).resolve().parents[1]

LAUNCH = """
mutation($params: ExecutionParams!) {
  launchPipelineExecution(executionParams: $params) {
    __typename
    ... on LaunchRunSuccess { run { runId } }
    ... on PythonError { message }
    ... on InvalidSubsetError { message }
    ... on RunConfigValidationInvalid { errors { message } }
  }
}"""

RUN = """
query($runId: ID!) {
  runOrError(runId: $runId) {
    ... on Run {
      status startTime endTime creationTime
      stepStats { stepKey startTime endTime status }
    }
  }
}"""


def graphql(port: int, query: str, variables: dict) -> dict:
    body = json.dumps({"query": query, "variables": variables}).encode()
    request = urllib.request.Request(f"http://127.0.0.1:{port}/graphql", body,
                                     {"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=60) as response:
        return json.load(response)["data"]


def wait_for_server(port: int, seconds: float) -> float:
    start = time.monotonic()
    while time.monotonic() - start < seconds:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/server_info", timeout=2):
                pass
            data = graphql(port, "{ workspaceOrError { ... on Workspace { locationEntries "
                                 "{ locationOrLoadError { __typename } } } } }", {})
            entries = data["workspaceOrError"]["locationEntries"]
            if entries and all(e["locationOrLoadError"] and
                               e["locationOrLoadError"]["__typename"] == "RepositoryLocation"
                               for e in entries):
                return time.monotonic() - start
        except OSError:
            pass
        time.sleep(1)
    raise SystemExit(f"dagster dev did not answer within {seconds:.0f} s")


def ledger_and_downstream(config: Path) -> dict:
    """The selector of the ledger and every monthly asset downstream of it, with checks:
    the load, the models and the quality, not what is made for the boards."""
    os.environ["UPPFOLJNING_CONFIG"] = str(config)
    import dagster as dg

    from pipelines.definitions import build_definitions

    defs = build_definitions(str(config))
    graph = defs.resolve_asset_graph()
    keys = dg.AssetSelection.assets("raw_ledger_transactions").downstream().resolve(graph)
    for_people = {"follow_up_packages", "open_data_release", "comment_reminders"}
    keys = {k for k in keys if graph.get(k).partitions_def is not None
            and k.to_user_string() not in for_people}
    checks = [c for c in graph.asset_check_keys if c.asset_key in keys]
    return {"assetSelection": [{"path": k.path} for k in sorted(keys)],
            "assetCheckSelection": [{"assetKey": {"path": c.asset_key.path}, "name": c.name}
                                    for c in checks]}


BACKFILL = """mutation($params: LaunchBackfillParams!) { launchPartitionBackfill(
    backfillParams: $params) { __typename ... on LaunchBackfillSuccess { backfillId }
    ... on PythonError { message } } }"""

BACKFILL_STATUS = """query($id: String!) { partitionBackfillOrError(backfillId: $id) {
    ... on PartitionBackfill { status timestamp endTimestamp
        runs { runId status creationTime startTime endTime
               tags { key value } stepStats { stepKey } } } } }"""


def everything_downstream(config: Path) -> tuple[list[dict], dict | None]:
    """The ledger and every asset downstream of it, packages and published copy included
    (what the asset graph's "raw_ledger_transactions+" selects); and the one run the UI's
    dialog launches for them when they share one partition space (or none) and a job (its
    selector, checks included), else None: the dialog launches a backfill."""
    os.environ["UPPFOLJNING_CONFIG"] = str(config)
    import dagster as dg

    from pipelines.definitions import build_definitions

    defs = build_definitions(str(config))
    graph = defs.resolve_asset_graph()
    keys = sorted(dg.AssetSelection.assets("raw_ledger_transactions").downstream()
                  .resolve(graph))
    assets = [{"path": k.path} for k in keys]
    spaces = {graph.get(k).partitions_def for k in keys} - {None}
    if len(spaces) > 1:
        return assets, None
    checks = [c for c in graph.asset_check_keys if c.asset_key in set(keys)]
    return assets, {"assetSelection": assets,
                    "assetCheckSelection": [{"assetKey": {"path": c.asset_key.path},
                                             "name": c.name} for c in checks]}


def one_run(port: int, month: str, selection: dict) -> None:
    """The dialog's "Launch 1 run": the hidden asset job over the selection, for `month`."""
    clicked = time.time()
    run = wait_for_run(port, launch(port, "__ASSET_JOB", month, selection))
    steps = run["stepStats"]
    print(f"1 run, {run['endTime'] - clicked:.1f} s from the click to its end: "
          f"{run['status']}, {len(steps)} steps, waited "
          f"{run['startTime'] - clicked:.1f} s, ran {run['endTime'] - run['startTime']:.1f} s")
    for s in sorted(steps, key=lambda s: s["startTime"] or 0):
        print(f"  {s['stepKey']:<40} {(s['endTime'] or 0) - (s['startTime'] or 0):6.1f} s")


def redelivery(port: int, month: str, assets: list[dict]) -> None:
    """Launch the backfill of `month` over `assets` and report its runs as they end."""
    clicked = time.time()
    got = graphql(port, BACKFILL, {"params": {"partitionNames": [month],
                                              "assetSelection": assets}}
                  )["launchPartitionBackfill"]
    if got["__typename"] != "LaunchBackfillSuccess":
        raise SystemExit(f"backfill failed to launch: {got}")
    while True:
        backfill = graphql(port, BACKFILL_STATUS, {"id": got["backfillId"]}
                           )["partitionBackfillOrError"]
        runs = backfill["runs"]
        if backfill["status"] not in ("REQUESTED", "CANCELING", "FAILING") and all(
                r["status"] in ("SUCCESS", "FAILURE", "CANCELED") for r in runs):
            break
        time.sleep(1)
    runs = sorted(runs, key=lambda r: r["creationTime"])
    done = max((r["endTime"] or 0) for r in runs) if runs else time.time()
    print(f"{len(runs)} runs, {done - clicked:.1f} s from the click to the end of the last "
          f"(backfill {backfill['status']})")
    previous_end = clicked
    for r in runs:
        tags = {t["key"]: t["value"] for t in r["tags"]}
        what = tags.get("dagster/partition") or (
            f"{tags.get('dagster/asset_partition_range_start', '')}–"
            f"{tags.get('dagster/asset_partition_range_end', '')}".strip("–")) or "-"
        print(f"  {r['status']:<8} {what:<18} {len(r['stepStats']):3} steps, "
              f"waited {(r['startTime'] or r['creationTime']) - previous_end:5.1f} s, "
              f"ran {(r['endTime'] or 0) - (r['startTime'] or 0):6.1f} s")
        previous_end = r["endTime"] or previous_end


def launch(port: int, job: str, month: str, selection: dict | None = None) -> str:
    params = {"selector": {"repositoryLocationName": "uppfoljning",
                           "repositoryName": "__repository__", "pipelineName": job,
                           **(selection or {})},
              "runConfigData": {},
              "executionMetadata": {"tags": [{"key": "dagster/partition", "value": month}]}}
    got = graphql(port, LAUNCH, {"params": params})["launchPipelineExecution"]
    if got["__typename"] != "LaunchRunSuccess":
        raise SystemExit(f"launch failed: {got}")
    return got["run"]["runId"]


def wait_for_run(port: int, run_id: str) -> dict:
    while True:
        run = graphql(port, RUN, {"runId": run_id})["runOrError"]
        if run["status"] in ("SUCCESS", "FAILURE", "CANCELED"):
            return run
        time.sleep(1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", default="demo/uppfoljning.yaml")
    parser.add_argument("--month", default="2025-08")
    parser.add_argument("--job", help="a job instead of the selection, e.g. monthly_load")
    parser.add_argument("--select", choices=["ledger"], default="ledger")
    parser.add_argument("--redelivery", action="store_true",
                        help="the ledger and everything downstream, packages included, as "
                             "the asset graph launches it (a backfill)")
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--port", type=int, default=3123)
    parser.add_argument("--repo", type=Path, default=HERE,
                        help="the checkout whose definitions run (default: this one)")
    args = parser.parse_args()
    repo = args.repo.resolve()
    config = Path(args.config).resolve()
    env = {**os.environ, "UPPFOLJNING_CONFIG": str(config),
           "DAGSTER_HOME": str(config.parent / ".dagster"),
           "PYTHONPATH": str(repo)}
    sys.path.insert(0, str(repo))  # that checkout's pipelines, for the selection
    downstream, as_one_run = everything_downstream(config) if args.redelivery else ([], None)
    selection = None if args.job or args.redelivery else ledger_and_downstream(config)
    if downstream:
        print(f"{len(downstream)} assets: the ledger and everything downstream of it, "
              + ("one partition space: the UI launches 1 run" if as_one_run else
                 "several partition spaces: the UI launches a backfill"))
    if selection:
        print(f"{len(selection['assetSelection'])} assets, "
              f"{len(selection['assetCheckSelection'])} checks: the ledger and downstream")
    dagster = Path(sys.executable).with_name("dagster")
    server = subprocess.Popen(
        [str(dagster), "dev", "-w", str(repo / "workspace.yaml"), "-p", str(args.port)],
        cwd=repo, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        start_new_session=True)
    try:
        print(f"dagster dev answered after {wait_for_server(args.port, 180):.1f} s")
        for _ in range(args.runs if args.redelivery else 0):
            if as_one_run:
                one_run(args.port, args.month, as_one_run)
            else:
                redelivery(args.port, args.month, downstream)
        for n in range(0 if args.redelivery else args.runs):
            run = wait_for_run(args.port, launch(args.port, args.job or "__ASSET_JOB",
                                                 args.month, selection))
            steps = sorted(run["stepStats"], key=lambda s: s["startTime"] or 0)
            work = sum((s["endTime"] or 0) - (s["startTime"] or 0) for s in steps)
            wall = run["endTime"] - run["creationTime"]
            print(f"run {n + 1}: {run['status']}, {wall:.1f} s from launch to end "
                  f"({run['endTime'] - run['startTime']:.1f} s running), steps {work:.1f} s "
                  f"= {work / wall:.0%} of it")
            for s in steps:
                print(f"  {s['stepKey']:<40} {(s['endTime'] or 0) - (s['startTime'] or 0):6.1f} s")
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(30)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)


if __name__ == "__main__":
    main()
