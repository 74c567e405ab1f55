# The two set-up commands of the README: `make demo` and `make test`.
# Both create the virtual environment and install the pinned set on first use.
PYTHON ?= python3.11
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: demo test test-fast lint bench clean

$(STAMP): pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet -c constraints.txt -e ".[dev]"
	touch $(STAMP)

## Generate the demo municipality (small) and materialise every asset for the demo year.
demo: $(STAMP)
	$(BIN)/uppfoljning demo --size small

## Lint and run the whole test suite.
test: $(STAMP)
	$(BIN)/ruff check pipelines tests benchmarks dbt_project/models
	$(BIN)/python -m pytest

## The edit loop: the tests that need no generated demo run and no database server.
test-fast: $(STAMP)
	$(BIN)/python -m pytest -m "not slow and not database" -q

## ruff (complexity 15 included) on the Python; sqlfluff (.sqlfluff: dbt templater, DuckDB) on
## the dbt models and singular tests, compiled against a scratch warehouse and target of
## its own (nothing is written inside the project)
lint: $(STAMP)
	$(BIN)/ruff check pipelines tests benchmarks
	mkdir -p $${TMPDIR:-/tmp}/uppfoljning-lint
	UPPFOLJNING_WAREHOUSE=$${TMPDIR:-/tmp}/uppfoljning-lint/lint.duckdb \
	  DBT_TARGET_PATH=$${TMPDIR:-/tmp}/uppfoljning-lint/target \
	  DBT_LOG_PATH=$${TMPDIR:-/tmp}/uppfoljning-lint/logs \
	  $(BIN)/sqlfluff lint dbt_project/models dbt_project/tests

bench: $(STAMP)
	$(BIN)/python benchmarks/bench.py --sizes medium large

clean:
	rm -rf demo warehouse landing reports/output dbt_project/target
