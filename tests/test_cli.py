"""The command line: errors are one clear line with exit code 2, never a traceback."""

import subprocess
import sys


def run(*args: str, cwd=None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "pipelines.cli", *args], capture_output=True,
                          text=True, cwd=cwd, timeout=300)


def test_unknown_size_is_bad_input(tmp_path):
    r = run("generate", "--out", str(tmp_path / "x"), "--size", "huge")
    assert r.returncode == 2
    assert "Traceback" not in r.stderr
    assert "--size 'huge': välj en av small, medium, large" in r.stderr


def test_missing_config_is_bad_input(tmp_path):
    r = run("run", "--config", str(tmp_path / "saknas.yaml"))
    assert r.returncode == 2
    assert r.stderr.strip().endswith("saknas.yaml: konfigurationsfilen finns inte")
    assert "Traceback" not in r.stderr + r.stdout


def test_bad_month_is_bad_input(tmp_path):
    r = run("run", "--config", "x.yaml", "--through", "2025-13")
    assert r.returncode == 2
    assert "ska vara en månad som ÅÅÅÅ-MM" in r.stderr


def test_generate_prints_what_it_wrote(tmp_path):
    r = run("generate", "--out", str(tmp_path / "ek"), "--size", "small", "--seed", "3")
    assert r.returncode == 0, r.stderr
    assert "Exempelkommun 2025 (small, seed 3) written to" in r.stdout
    assert (tmp_path / "ek" / "organisation" / "organisationsregister.csv").exists()


def test_a_failed_dbt_test_is_named_in_the_line_a_run_prints():
    from types import SimpleNamespace

    from pipelines.run_failures import _root_cause

    message = (  # as dagster-dbt raises it, colours included
        "The dbt CLI process with command\n\n`dbt build --select fqn:*`\n\nfailed with exit "
        "code `1`.\n\nErrors parsed from dbt logs:\n\n106 of 146 FAIL 1 assert_x ... "
        "[\x1b[31mFAIL 1\x1b[0m in 0.03s]\n\n\x1b[31mFailure in test "
        "assert_resultatrakning_result_equals_the_ledger (tests/assert_resultatrakning_"
        "result_equals_the_ledger.sql)\x1b[0m\n\n  Got 1 result, configured to fail if != 0\n")
    error = SimpleNamespace(cls_name="DagsterDbtCliRuntimeError", message=message, cause=None)
    assert _root_cause(error)[1] == ("assert_resultatrakning_result_equals_the_ledger: "
                                     "Got 1 result, configured to fail if != 0")
