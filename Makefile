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

.PHONY: setup synth test snapshot bench-synth bench-inference train-demo package-model serve cost cost-baseline clean
.PHONY: lock diff data lint help
.PHONY: serving-stacks
.PHONY: deploy-local destroy-local

DEMO_MODEL := build/demo-model.tar.gz
STAGE ?= Dev

## Install the locked Python packages into .venv and the pinned CDK CLI and Node into node_modules.
setup: $(VENV)/.installed node_modules/.installed

## List the targets with the first sentence of the comment above each.
help:
	@awk -f tools/make_help.awk $(firstword $(MAKEFILE_LIST))

## Dev serves the packaged demo model as a file asset; the bytes are deterministic, so the asset hash only
## moves when the handler, the training or the packaging changes.
$(DEMO_MODEL): $(wildcard inference_code/*) tools/train_demo.py tools/package_model.py | $(VENV)/.installed
	rm -rf build/demo-model
	$(PY) -m tools.train_demo --out build/demo-model
	$(PY) -m tools.package_model --model-dir build/demo-model --out $@

## Installs exactly the lock: every package pinned with its hashes, no resolver, wheels only: a source build
## fetches its build tools unhashed, so only the packages PyPI has no wheel of (SOURCE_BUILDS) are built.
## requirements*.txt are the lock's inputs (`make lock`).
SOURCE_BUILDS := sagemaker-inference
BINARY_ONLY = --only-binary :all: $(addprefix --no-binary ,$(SOURCE_BUILDS))
## The construct library (packages/), installed editable: the app is its first consumer. Building it fetches
## its build backend (setuptools) unhashed, as SOURCE_BUILDS do; it installs no dependency of its own (--no-deps).
LIBRARY := packages/sagemaker-serving-cdk
## requirements-data.lock: sources the library's generated tables are checked against (sagemaker-core's image JSON,
## Libcloud's EC2 price-list rows),
## hashed but compiled and installed without their dependencies, which nothing imports; into $(DATA_SOURCES), out of
## site-packages, so that `pip check` still vouches for everything importable.
DATA_SOURCES := $(VENV)/data-sources
$(VENV)/.installed: requirements.lock requirements-dev.lock requirements-data.lock $(LIBRARY)/pyproject.toml
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check --require-hashes --no-deps $(BINARY_ONLY) \
		-r requirements-dev.lock
	$(PY) -m pip install --quiet --disable-pip-version-check --require-hashes --no-deps --only-binary :all: \
		--upgrade --target $(DATA_SOURCES) -r requirements-data.lock
	$(PY) -m pip install --quiet --disable-pip-version-check --no-deps -e $(LIBRARY)
	$(PY) -m pip check
	touch $@

## Compile the locks from requirements*.txt with the uv the lock itself pins (uv's default index, every
## platform, Python 3.11 as in CI and the pipeline, wheels only but SOURCE_BUILDS). Existing pins are kept
## unless asked: `make lock UPGRADE=jsii` (one or more names) or `make lock UPGRADE=:all:` (everything).
UPGRADE :=
UV_COMPILE = $(VENV)/bin/uv pip compile --quiet --generate-hashes --universal --python-version 3.11 $(BINARY_ONLY) \
	$(if $(filter :all:,$(UPGRADE)),--upgrade,$(addprefix --upgrade-package ,$(UPGRADE)))
lock: $(VENV)/.installed
	$(UV_COMPILE) requirements.txt -o requirements.lock
	$(UV_COMPILE) requirements-dev.txt --constraint requirements.lock -o requirements-dev.lock
	$(UV_COMPILE) --no-deps requirements-data.txt -o requirements-data.lock

## Regenerate the library's data tables (_data/) from their installed sources: botocore (instance types),
## aws-cdk-lib (log retention), sagemaker-core (framework image registries) and apache-libcloud (instance specs from
## AWS's EC2 price list). The drift tests say when.
SCRIPTS := $(LIBRARY)/scripts
data: setup
	$(PY) $(SCRIPTS)/generate_instance_types.py
	$(PY) $(SCRIPTS)/generate_log_retention.py
	$(PY) $(SCRIPTS)/generate_framework_images.py
	$(PY) $(SCRIPTS)/generate_instance_specs.py

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

## Synthesize every environment's templates into cdk.out and print a summary.
synth: setup $(DEMO_MODEL)
	rm -rf cdk.out
	$(CDK) synth '**' --quiet
	$(PY) -m tools.synth_summary cdk.out

## The framework images' own serving code (from PyPI, at the images' pins, on their Pythons) in venvs under
## build/serving-stacks/, reused until a pinned requirements file in tools/serving_stacks/ changes.
serving-stacks: setup
	$(PY) -m tools.serving_stacks install

## Lint, format-check and strictly type-check the construct library (ruff, mypy --strict; settings in its
## pyproject.toml). `make test` runs the same checks, and so does the pre-commit hook.
lint: setup
	$(PY) -m tools.lint_library $(LIBRARY)

## Run the whole test suite (unit, gates, snapshots, container fidelity, ...).
test: setup $(DEMO_MODEL) serving-stacks
	$(PY) -m pytest

## Train the demo model (scikit-learn, fixed seed, bundled data set) into build/demo-model.
train-demo: setup
	$(PY) -m tools.train_demo --out build/demo-model

## Train and package the demo model into build/demo-model.tar.gz, the artifact Dev serves.
package-model: $(DEMO_MODEL)

## Serve the packaged model in the scikit-learn image's own server (GET /ping, POST /invocations) on 127.0.0.1:8080.
serve: $(DEMO_MODEL) serving-stacks
	$(PY) -m tools.serve_local --model-dir $(DEMO_MODEL) --port 8080

## Monthly cost estimate per environment from the templates, and the change against cost-baseline.json.
cost: synth
	$(PY) -m tools.cost_estimate cdk.out --baseline cost-baseline.json

## Accept the current estimate as the baseline (commit it with the change that moved it).
cost-baseline: synth
	$(PY) -m tools.cost_estimate cdk.out --baseline cost-baseline.json --write-baseline

## The reviewer's view, offline: what the current synth changes against the committed snapshots, or against
## the synth of a git ref (`make diff BASE=origin/main`, built in a temporary worktree), like `cdk diff`:
## replacements of stateful resources and logical-ID renames first. Always exits 0 (a review aid).
BASE :=
diff: synth
	$(PY) -m tools.template_diff cdk.out $(if $(BASE),--base-ref $(BASE))

## Accept the current templates as the new snapshots (review the diff before committing).
snapshot: setup $(DEMO_MODEL)
	$(PY) -m pytest tests/gates/test_snapshots.py --snapshot-update

## Time `cdk synth` of the whole app against the true floor, a `cdk init` app (paired runs, median ratios).
bench-synth: setup $(DEMO_MODEL)
	$(PY) bench/bench_synth.py

## The handler on a 6 MB CSV batch against the toolkit default and the raw loadtxt+predict floor, run on the
## scikit-learn image's own Python, numpy, scikit-learn and sagemaker-inference (its serving stack's venv).
bench-inference: setup
	python=$$($(PY) -m tools.serving_stacks python sklearn-1.2-1) && "$$python" bench/bench_inference.py

## Remove cdk.out, build/ (the demo model, serving stacks, mypy's cache) and pytest's cache.
clean:
	rm -rf cdk.out .pytest_cache build

## Deploy a stage (STAGE=Dev by default; Staging, Prod) to a local AWS emulator (moto on 127.0.0.1, free port)
## and print what landed.
deploy-local: setup $(DEMO_MODEL)
	$(PY) -m tools.deploy_local deploy --stage $(STAGE)

## Destroy the locally deployed stage (STAGE=Dev by default) and stop the emulator deploy-local started (by its PID).
destroy-local: setup $(DEMO_MODEL)
	$(PY) -m tools.deploy_local destroy --stage $(STAGE)
