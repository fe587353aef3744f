# claimbatch — every target sets up .venv on first use, so a fresh clone needs nothing else.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
export JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION := 1

.PHONY: install demo test test-unit test-integration test-e2e test-infra synth bench clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

# The bundled sample through the embedded runtime and the built-in claims API simulator.
demo: $(STAMP)
	$(BIN)/claimbatch run examples/claims.csv --out claimbatch-data/demo.results.csv
	@echo; echo "First lines of claimbatch-data/demo.results.csv:"; head -n 6 claimbatch-data/demo.results.csv

test: $(STAMP)
	$(BIN)/python -m pytest

test-unit: $(STAMP)
	$(BIN)/python -m pytest tests/unit

test-integration: $(STAMP)
	$(BIN)/python -m pytest tests/integration

test-e2e: $(STAMP)
	$(BIN)/python -m pytest tests/e2e

test-infra: $(STAMP)
	$(BIN)/python -m pytest tests/infrastructure

synth: $(STAMP)
	$(BIN)/python -m infra.app

bench: $(STAMP)
	$(BIN)/python -m bench.run

clean:
	rm -rf $(VENV) cdk.out .pytest_cache
