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

# The demo imports every connector's file (e-mail, Slack, calendar, survey, outcomes), which
# together hold the same activity as interactions.csv, so that one is left out.
demo: install
	@rm -rf $(DEMO_DIR)
	$(BIN)/socialhr synth $(DEMO_DIR)/source --people $(DEMO_PEOPLE) --seed 7
	$(BIN)/socialhr init $(DEMO_DIR)/workspace
	$(BIN)/socialhr ingest $(DEMO_DIR)/workspace roster $(DEMO_DIR)/source/roster.csv --attribute employment_type
	$(BIN)/socialhr ingest $(DEMO_DIR)/workspace email $(DEMO_DIR)/source/mail.mbox
	$(BIN)/socialhr ingest $(DEMO_DIR)/workspace slack $(DEMO_DIR)/source/slack.zip
	$(BIN)/socialhr ingest $(DEMO_DIR)/workspace calendar $(DEMO_DIR)/source/calendar.ics
	$(BIN)/socialhr ingest $(DEMO_DIR)/workspace survey $(DEMO_DIR)/source/survey.csv
	$(BIN)/socialhr ingest $(DEMO_DIR)/workspace outcomes $(DEMO_DIR)/source/outcomes.csv
	$(BIN)/socialhr status $(DEMO_DIR)/workspace
	$(BIN)/socialhr analyze $(DEMO_DIR)/workspace
	@mkdir -p $(DEMO_DIR)/exports
	$(BIN)/socialhr export $(DEMO_DIR)/workspace person_metrics -o $(DEMO_DIR)/exports/person_metrics.csv
	$(BIN)/socialhr export $(DEMO_DIR)/workspace group_metrics --dimension department -o $(DEMO_DIR)/exports/departments.csv
	$(BIN)/socialhr export $(DEMO_DIR)/workspace org_metrics -o $(DEMO_DIR)/exports/org_metrics.csv
	$(BIN)/socialhr export $(DEMO_DIR)/workspace person_trends -o $(DEMO_DIR)/exports/person_trends.csv
	$(BIN)/socialhr export $(DEMO_DIR)/workspace edges -o $(DEMO_DIR)/exports/network.gexf
	$(BIN)/socialhr outcomes $(DEMO_DIR)/workspace
	$(BIN)/socialhr report $(DEMO_DIR)/workspace -o $(DEMO_DIR)/exports/report.html
	$(BIN)/socialhr report $(DEMO_DIR)/workspace -o $(DEMO_DIR)/exports/report.pdf
	@echo
	@$(BIN)/python -m socialhr.web.demo $(DEMO_DIR)/workspace
	@echo
	@echo "Synthetic organization: $(DEMO_DIR)/source (what was planted: $(DEMO_DIR)/source/ground_truth.json)"
	@echo "Workspace:              $(DEMO_DIR)/workspace (analytics database socialhr.duckdb; identity vault in vault/, keep it apart)"
	@echo "Analysis exports:       $(DEMO_DIR)/exports (pseudonymised): person_metrics.csv, departments.csv, org_metrics.csv,"
	@echo "                        person_trends.csv, and network.gexf (open it in Gephi)"
	@echo "The CEO report:         $(DEMO_DIR)/exports/report.html and report.pdf"
	@echo "The web app:            $(BIN)/socialhr serve $(DEMO_DIR)/workspace   then open http://127.0.0.1:8765/ and sign in"
	@echo "                        with a demo log-in above (stop it with Ctrl+C before running other commands on the workspace)"

test: install
	$(BIN)/python -m pytest

bench: install
	$(BIN)/python benchmarks/ingest.py
	$(BIN)/python benchmarks/ingest_messaging.py
	$(BIN)/python benchmarks/network.py
	$(BIN)/python benchmarks/export.py

clean:
	rm -rf $(VENV) $(DEMO_DIR) .pytest_cache
