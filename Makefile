# The two set-up commands of the README: `make demo` and `make test`.
# Both create the virtual environment and install the pinned set on first use.
PYTHON ?= python3.11
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: demo test lint bench clean

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

lint: $(STAMP)
	$(BIN)/ruff check pipelines tests benchmarks dbt_project/models
	$(BIN)/ruff format --check pipelines tests benchmarks dbt_project/models

bench: $(STAMP)
	$(BIN)/python benchmarks/bench.py --sizes medium large

clean:
	rm -rf demo warehouse landing reports/output dbt_project/target
