# tocsin: one-word targets. `make demo` and `make test` work on a fresh clone.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: demo test test-postgres lint fmt bench venv clean browser

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[test]'
	@touch $(STAMP)

venv: $(STAMP)

## demo: run tocsin on the embedded database with the example runbook and demo data
demo: $(STAMP)
	$(BIN)/tocsin runbook import examples/runbooks/example.md --name example
	$(BIN)/tocsin runbook apply example
	$(BIN)/tocsin serve --demo

## test: set up and run the whole suite (SQLite; PostgreSQL too when TOCSIN_TEST_DATABASE_URL is set)
test: $(STAMP) browser
	$(BIN)/pytest -q

## test-postgres: the same suite on a scratch PostgreSQL database, created and dropped here
test-postgres: $(STAMP)
	./scripts/with-scratch-postgres $(BIN)/pytest -q

## lint: ruff, formatting, mypy strict, and the layer contract
lint: $(STAMP)
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/mypy
	$(BIN)/lint-imports

fmt: $(STAMP)
	$(BIN)/ruff format src tests bench
	$(BIN)/ruff check --fix src tests bench

## bench: the benchmarks under bench/ (figures go to bench/README.md)
bench: $(STAMP)
	$(BIN)/python bench/run_all.py

## browser and real peers the end-to-end tests drive (Debian packages; needs root or sudo)
browser:
	@./scripts/install-system-deps

clean:
	rm -rf $(VENV) .tocsin .pytest_cache .mypy_cache .ruff_cache
