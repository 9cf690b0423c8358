# dsgen developer tasks. Every target installs what it needs into .venv first.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: install render test bench schema clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

## render the bundled example profiles (prod) into out/
render: $(STAMP)
	$(BIN)/dsgen render --env prod

## unit, golden-tree and CLI tests, with the real kustomize and ../shared/crds
test: $(STAMP)
	$(BIN)/pytest -q

## speed and memory goals: a table of timings
bench: $(STAMP)
	$(BIN)/python bench/bench.py

## regenerate schemas/profile.schema.json from the profile model
schema: $(STAMP)
	$(BIN)/dsgen schema

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis src/*.egg-info
