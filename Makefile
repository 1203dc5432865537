# Two commands set everything up on a fresh machine: `make demo` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
DEMO_DIR ?= demo
DEMO_PEOPLE ?= 2000

.PHONY: demo test install bench clean

$(BIN)/socialhr: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(BIN)/socialhr

install: $(BIN)/socialhr

demo: install
	@rm -rf $(DEMO_DIR)
	$(BIN)/socialhr synth $(DEMO_DIR)/source --people $(DEMO_PEOPLE) --seed 7
	$(BIN)/socialhr init $(DEMO_DIR)/workspace
	$(BIN)/socialhr ingest $(DEMO_DIR)/workspace roster $(DEMO_DIR)/source/roster.csv
	$(BIN)/socialhr ingest $(DEMO_DIR)/workspace interactions $(DEMO_DIR)/source/interactions.csv
	$(BIN)/socialhr status $(DEMO_DIR)/workspace
	$(BIN)/socialhr export $(DEMO_DIR)/workspace people -o $(DEMO_DIR)/people.csv
	@echo
	@echo "Synthetic organization: $(DEMO_DIR)/source (ground truth in $(DEMO_DIR)/source/ground_truth.json)"
	@echo "Workspace:              $(DEMO_DIR)/workspace (analytics database socialhr.duckdb, vault in vault/)"
	@echo "Pseudonymised people:   $(DEMO_DIR)/people.csv"

test: install
	$(BIN)/python -m pytest

bench: install
	$(BIN)/python benchmarks/ingest.py

clean:
	rm -rf $(VENV) $(DEMO_DIR) .pytest_cache
