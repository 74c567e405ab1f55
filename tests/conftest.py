"""Shared fixtures: the demo municipality generated once per test session."""

from __future__ import annotations

import pytest

from pipelines.demo.generator import GenerationSummary, generate

DEMO_SEED = 1
DEMO_YEAR = 2025


@pytest.fixture(scope="session")
def demo_small(tmp_path_factory: pytest.TempPathFactory) -> GenerationSummary:
    """`uppfoljning generate --size small --seed 1`, with the injected defects.

    The files are under the summary's `out`."""
    out = tmp_path_factory.mktemp("demo_small")
    return generate(out, size="small", seed=DEMO_SEED, year=DEMO_YEAR)


@pytest.fixture(scope="session")
def demo_small_clean(tmp_path_factory: pytest.TempPathFactory) -> GenerationSummary:
    """`uppfoljning generate --size small --seed 1 --clean`: no defects."""
    out = tmp_path_factory.mktemp("demo_small_clean")
    return generate(out, size="small", seed=DEMO_SEED, year=DEMO_YEAR, clean=True)


@pytest.fixture(scope="session")
def demo_run(tmp_path_factory: pytest.TempPathFactory):
    """What `uppfoljning demo --size small` does: generate, write the config, run everything.

    One warehouse for the whole session: tests only read it (or copy it)."""
    import yaml

    from pipelines.demo_cli import demo_config
    from pipelines.runner import run_pipeline

    root = tmp_path_factory.mktemp("demo_run")
    generate(root / "sources", size="small", seed=DEMO_SEED, year=DEMO_YEAR)
    config_path = root / "uppfoljning.yaml"
    config_path.write_text(yaml.safe_dump(demo_config(DEMO_YEAR), allow_unicode=True),
                           encoding="utf-8")
    return run_pipeline(config_path)


@pytest.fixture(scope="session")
def clean_run(tmp_path_factory: pytest.TempPathFactory):
    """The demo generated with --clean (no injected defects), run through everything."""
    import yaml

    from pipelines.demo_cli import demo_config
    from pipelines.runner import run_pipeline

    root = tmp_path_factory.mktemp("clean_run")
    generate(root / "sources", size="small", seed=DEMO_SEED, year=DEMO_YEAR, clean=True)
    config_path = root / "uppfoljning.yaml"
    config_path.write_text(yaml.safe_dump(demo_config(DEMO_YEAR), allow_unicode=True),
                           encoding="utf-8")
    return run_pipeline(config_path)


@pytest.fixture
def hold_open():
    """Open a DuckDB file in another process, as a controller's DBeaver or notebook has it:
    `hold_open(path, read_only=True)` returns that process; it is killed after the test."""
    import subprocess
    import sys
    import textwrap

    held = []

    def hold(path, read_only: bool = True) -> subprocess.Popen:
        code = textwrap.dedent(f"""
            import duckdb, time
            con = duckdb.connect({str(path)!r}, read_only={read_only})
            print("open", flush=True)
            time.sleep(600)
        """)
        process = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE,
                                   text=True)
        assert process.stdout.readline().strip() == "open"
        held.append(process)
        return process

    yield hold
    for process in held:
        process.kill()
        process.wait()


@pytest.fixture
def tiny_warehouse():
    """An empty warehouse in memory with the raw schema, a kommun with one unit (E1) and two
    accounts (3111 avgifter, which requires a counterpart, and 1930 bank)."""
    import duckdb

    from pipelines.ingest.raw_tables import ensure_raw_schema

    con = duckdb.connect()
    ensure_raw_schema(con)
    con.execute("insert into raw.org_units values ('1', 'K', 'kommun', null, date '2020-01-01', "
                "null, null, 'org.csv', 2), ('E1', 'Enhet', 'enhet', '1', "
                "date '2020-01-01', null, '407', 'org.csv', 3)")
    con.execute("insert into raw.accounts values ('3111', 'Avgifter', 'I', false, false, false, "
                "true, 'k.csv', 2), ('1930', 'Bank', 'T', false, false, false, false, 'k.csv', 3)")
    return con
