# The README's quick start is `make synth` then `make test`; both set everything up first.
SHELL := /bin/bash
.DEFAULT_GOAL := synth

VENV := .venv
PY := $(VENV)/bin/python
# The pinned CDK CLI and Node 22 (jsii runs the app's Node side on it) come first on PATH.
export PATH := $(CURDIR)/node_modules/.bin:$(CURDIR)/$(VENV)/bin:$(PATH)
export CDK_DISABLE_CLI_TELEMETRY := 1
export PYTHONDONTWRITEBYTECODE := 1
CDK := cdk

.PHONY: setup synth test snapshot bench-synth clean

setup: $(VENV)/.installed node_modules/.installed

$(VENV)/.installed: requirements.txt requirements-dev.txt
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

## Synthesize every environment's templates into cdk.out and print a summary.
synth: setup
	rm -rf cdk.out
	$(CDK) synth '**' --quiet
	$(PY) -m tools.synth_summary cdk.out

## Run the whole test suite (unit, gates, snapshots, ...).
test: setup
	$(PY) -m pytest

## Accept the current templates as the new snapshots (review the diff before committing).
snapshot: setup
	$(PY) -m pytest tests/gates/test_snapshots.py --snapshot-update

## Time synthesizing every stage against an empty one-stack app.
bench-synth: setup
	$(PY) bench/bench_synth.py

clean:
	rm -rf cdk.out .pytest_cache
