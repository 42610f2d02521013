# asilo: two commands do all set-up on a fresh machine with only python3.
#   make run   installs into .venv, prepares the embedded database with demo data, serves the app
#   make test  installs and runs every check and test (lint, types, architecture, pytest)

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: run test install system-deps lint typecheck architecture pytest messages bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP) messages

messages: $(STAMP)
	@$(BIN)/python scripts/compile_messages.py

run: install
	$(BIN)/asilo serve --demo

system-deps:
	@scripts/ensure-system-deps.sh

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(STAMP)
	$(BIN)/mypy src/asilo

architecture: $(STAMP)
	$(BIN)/lint-imports

# Every test on SQLite (browser tests included), then every database test of the web
# application again on a throwaway PostgreSQL cluster that tests/pg_cluster.py starts and removes.
pytest: install system-deps
	$(BIN)/pytest -p no:cacheprovider
	$(BIN)/python tests/pg_cluster.py -- $(BIN)/pytest tests/web -p no:cacheprovider

test: install system-deps lint typecheck architecture pytest

bench: install
	for b in benchmarks/*.py; do echo "== $$b"; $(BIN)/python $$b || exit 1; done

clean:
	rm -rf $(VENV) var/*.sqlite3 var/*.duckdb
