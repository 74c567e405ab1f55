"""The re-delivery of a month launched in the Dagster UI as a data engineer clicks it, and read
back in the UI (issue 34): Chromium, driven by Playwright, on `dagster dev` over a copy of
the demo with an instance of its own.

The click: Lineage → search `key:raw_ledger_transactions+` → Materialize all → Custom
partition 2025-08 → "Launch 1 run". What is read, page by page: the runs the launch made
(one), each rule family's check result on 2025-08 with the failing one's Swedish message,
the ledger's rows read for August alone, and the packages of 2025-08, -10 and -12.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import duckdb
import pytest

from pipelines.runner import INSTANCE_TEMPLATE

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[1]
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
MONTH = "2025-08"
CHECKS = ("hr", "kontering", "leverans", "periodisering")

sync_api = pytest.importorskip("playwright.sync_api",
                               reason="Playwright is not installed (pip install -e .[dev])")
if CHROMIUM is None:
    pytest.skip("no chromium on this machine (apt-get install chromium; .ci/run installs it)",
                allow_module_level=True)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def graphql(port: int, query: str, variables: dict | None = None) -> dict:
    body = json.dumps({"query": query, "variables": variables or {}}).encode()
    request = urllib.request.Request(f"http://127.0.0.1:{port}/graphql", body,
                                     {"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=60) as response:
        return json.load(response)["data"]


def wait_for_location(port: int, seconds: float = 300) -> None:
    """Until the webserver answers and the code location has loaded."""
    query = ("{ workspaceOrError { ... on Workspace { locationEntries { locationOrLoadError "
             "{ __typename ... on PythonError { message } } } } } }")
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            entries = graphql(port, query)["workspaceOrError"]["locationEntries"]
            kinds = [e["locationOrLoadError"] for e in entries]
            if kinds and all(k and k["__typename"] == "RepositoryLocation" for k in kinds):
                return
            errors = [k["message"] for k in kinds if k and k["__typename"] == "PythonError"]
            assert not errors, errors[0][-800:]
        except OSError:
            pass
        time.sleep(1)
    raise AssertionError(f"dagster dev did not load the code location in {seconds:.0f} s")


@pytest.fixture(scope="module")
def server(demo_run, tmp_path_factory):
    """`dagster dev` on a copy of the demo, with a new instance: what it shows is this
    module's launch alone."""
    work = tmp_path_factory.mktemp("ui_browser") / "kommun"
    shutil.copytree(demo_run.config.base_dir, work, ignore=shutil.ignore_patterns(".dagster"))
    (work / ".dagster").mkdir()
    shutil.copy(INSTANCE_TEMPLATE, work / ".dagster" / "dagster.yaml")
    port = free_port()
    env = {**os.environ, "DAGSTER_HOME": str(work / ".dagster"),
           "UPPFOLJNING_CONFIG": str(work / "uppfoljning.yaml")}
    log = (work / "dagster_dev.log").open("w")
    process = subprocess.Popen(
        [str(Path(sys.executable).with_name("dagster")), "dev", "-w",
         str(REPO / "workspace.yaml"), "-p", str(port)],
        cwd=work, env=env, stdout=log, stderr=log, start_new_session=True)
    try:
        wait_for_location(port)
        yield port, work
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(60)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
        log.close()


@pytest.fixture(scope="module")
def browser():
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield chromium.new_page(viewport={"width": 1600, "height": 1100})
        chromium.close()


def open_month_list(page, dialog):
    """The dialog's partition picker, opened until its list of months shows. On a busy
    machine the dialog draws before it knows the partitions ("0 partitions"), and a click
    then opens nothing: a user clicks again, and so does this."""
    picker = dialog.get_by_text("Select a partition or create one")
    popover = page.locator(".dagster-popover", has_text="Select all")
    deadline = time.monotonic() + 180
    while True:
        picker.click(timeout=120_000)
        try:
            popover.wait_for(timeout=10_000)
            return popover
        except sync_api.TimeoutError:
            if time.monotonic() > deadline:
                raise
            dialog.get_by_text("Partition selection").click()  # closes an empty list


RUNS = """{ runsOrError { ... on Runs { results { runId status startTime endTime } } } }"""


@pytest.fixture(scope="module")
def redelivered(server, browser):
    """The clicks, then the wait for the run to end; the seconds from the click to its end."""
    port, _ = server
    page = browser
    page.goto(f"http://127.0.0.1:{port}/asset-groups", timeout=120_000)
    page.get_by_text("Materialize all").wait_for(timeout=120_000)
    # a new instance first offers Dagster's newsletter, a moment after the page
    with contextlib.suppress(sync_api.TimeoutError):
        page.get_by_role("button", name="Skip").click(timeout=20_000)
    try:
        page.locator(".CodeMirror").first.click()
        page.keyboard.type("key:raw_ledger_transactions+")
        page.keyboard.press("Enter")
        page.get_by_role("button", name="Materialize all").click()
        # this instance never materialised the seeds and registers: "Are you sure?"
        first = page.locator(".dagster-dialog").first
        first.wait_for(timeout=120_000)
        if "Are you sure" in first.inner_text():
            page.get_by_role("button", name="Confirm").click()
        dialog = page.locator(".dagster-dialog", has_text="Launch runs to materialize")
        popover = open_month_list(page, dialog)
        page.keyboard.type(MONTH)  # the list of months is there: type to filter it
        popover.locator("span", has_text=MONTH).first.click(timeout=120_000)
        page.keyboard.press("Escape")
    except sync_api.TimeoutError:
        page.screenshot(path=str(server[1] / "dialog.png"))
        raise AssertionError("the launch dialog did not go as a user clicks it: "
                             + page.locator("body").inner_text()[-1500:]) from None
    launch = dialog.get_by_role("button", name=re.compile("^Launch"))
    said = launch.inner_text()
    clicked = time.time()
    launch.click()
    deadline = time.monotonic() + 600
    while time.monotonic() < deadline:
        runs = graphql(port, RUNS)["runsOrError"]["results"]
        if runs and all(r["status"] in ("SUCCESS", "FAILURE", "CANCELED") for r in runs):
            break
        time.sleep(2)
    end = max(r["endTime"] or 0 for r in runs)
    print(f"\nre-delivery of {MONTH} from the asset graph: {said!r}, {len(runs)} run(s), "
          f"{end - clicked:.1f} s from the click to the end")
    return said


def text_of(page, port: int, path: str, wait_for: str) -> str:
    page.goto(f"http://127.0.0.1:{port}{path}", timeout=120_000)
    page.get_by_text(wait_for).first.wait_for(timeout=120_000)
    time.sleep(1)
    return page.locator("body").inner_text()


def test_the_dialog_launches_one_run_and_the_runs_page_shows_one(server, browser, redelivered):
    port, _ = server
    assert redelivered == "Launch 1 run"
    text = text_of(browser, port, "/runs", "Success")
    runs = re.findall(r"^([0-9a-f]{8})\npartition: (\S+)\n", text, re.M)
    assert len(runs) == 1 and runs[0][1] == MONTH, text[-1200:]
    row = text[text.index(runs[0][0]):]
    assert re.search(r"\d+ assets\s+\d+ checks\s+Manually launched\s+Success", row), row[:400]


def test_each_checks_result_is_on_august_and_the_failing_one_says_why(server, browser,
                                                                     redelivered, demo_run):
    port, _ = server
    with duckdb.connect(str(demo_run.warehouse), read_only=True) as con:
        failing = {s for (s,) in con.execute(
            "select distinct suite from quality.issues where period = ? and severity = 'error'",
            [MONTH]).fetchall()}
    assert "kontering" in failing  # the demo's August has a voucher that does not balance
    for check in CHECKS:
        text = text_of(browser, port, f"/assets/quality/issues?view=checks&checkDetail={check}",
                       "Latest execution")
        latest = text[text.index("Latest execution"):]
        assert re.search(rf"Partition\s+{MONTH}", latest), (check, latest[:400])
        result = "Failed" if check in failing else "Passed"
        assert re.search(rf"Evaluation result\s+{result}", latest), (check, latest[:400])
        if check in failing:
            assert re.search(rf"Resultat\s+\d+ fel och \d+ varningar för {MONTH}, i \d+ "
                             "nämnder", latest), latest[:800]
            # the first rows, a table behind "Show Markdown": board, file, line, what to do
            browser.get_by_text("[Show Markdown]").first.click()
            shown = browser.locator(".dagster-dialog").last
            shown.get_by_text("Vad ska rättas").wait_for(timeout=30_000)
            table = shown.inner_text()
            browser.keyboard.press("Escape")
            assert re.search(rf"_{MONTH}\.(se|csv)\s+\d+", table), table[:800]


def test_the_ledgers_august_shows_augusts_rows(server, browser, redelivered, demo_run):
    port, _ = server
    with duckdb.connect(str(demo_run.warehouse), read_only=True) as con:
        loaded, quarantined = con.execute(
            "select (select count(*) from raw.ledger_transactions where period = ?), "
            "(select count(*) from raw.quarantine where source = 'ledger' and period = ?)",
            [MONTH, MONTH]).fetchone()
    text = text_of(browser, port,
                   f"/assets/raw_ledger_transactions?view=partitions&partition={MONTH}",
                   "rows_read")
    figures = dict(re.findall(r"(rows_read|rows_loaded|rows_quarantined)\s+([\d,]+)", text))
    assert {k: int(v.replace(",", "")) for k, v in figures.items()} == {
        "rows_read": loaded + quarantined, "rows_loaded": loaded,
        "rows_quarantined": quarantined}


def test_the_packages_of_the_periods_that_read_august_are_made(server, browser, redelivered):
    port, work = server
    for period in ("2025-08", "2025-10", "2025-12"):
        text = text_of(browser, port,
                       f"/assets/follow_up_packages?view=partitions&partition={period}",
                       "published")
        assert re.search(r"published\s+\d+", text) and re.search(r"blocked\s+\d+", text), \
            (period, text[-1500:])
    text = text_of(browser, port, "/assets/follow_up_packages?view=partitions&partition=2025-06",
                   "Partitions")
    assert "published" not in text  # June does not read August: not made by this run
    with duckdb.connect(str(work / "warehouse" / "uppfoljning.duckdb"), read_only=True) as con:
        made = {p for (p,) in con.execute(
            "select period from reports.issued_packages group by 1 having count(*) > 7"
        ).fetchall()}
        reminded = con.execute(
            "select count(*) from information_schema.tables where table_schema = 'reports' "
            "and table_name = 'comment_reminders'").fetchone()[0] and con.execute(
            "select count(*) from reports.comment_reminders where reminded_on = current_date"
        ).fetchone()[0]
    assert made == {"2025-08", "2025-10", "2025-12"}  # the demo's once, this run's again
    assert not reminded  # a re-delivery reminds no unit of its comments
