# Regimecast — the two commands a user needs:
#   make run    install what is missing, build (release), serve on :8182 with ./data
#   make test   install what is missing, build (ci preset), run every test suite
# Other targets: build, bench, deps, venv, clean.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PORT ?= 8182
# The runbook's bind; without API_TOKEN the server then generates $(DATA_DIR)/.api_token.
HOST ?= 0.0.0.0
DATA_DIR ?= ./data
VENV := .venv
PY := $(VENV)/bin/python
CI_BIN := build/ci/bin/regimecast
RELEASE_BIN := build/release/bin/regimecast

.PHONY: help deps venv build build-release run test test-py test-asan fuzz bench clean

help:
	@echo "make run   - set up, build and serve Regimecast on port $(PORT)"
	@echo "make test  - set up, build and run every test suite"
	@echo "make build | make bench | make clean"

deps:
	@scripts/install-deps

# Test-side Python tooling, pinned in tests/requirements.txt. Reinstalled only
# when the requirements file changes.
venv: $(VENV)/.stamp
$(VENV)/.stamp: tests/requirements.txt
	@test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install -q --disable-pip-version-check -r tests/requirements.txt
	@touch $@

build: deps
	cmake --preset ci
	cmake --build --preset ci

build-release: deps
	cmake --preset release
	cmake --build --preset release

run: build-release
	$(RELEASE_BIN) serve --host $(HOST) --port $(PORT) --data-dir $(DATA_DIR)

test: build venv
	ctest --preset ci
	$(MAKE) --no-print-directory test-py
	$(MAKE) --no-print-directory test-asan
	$(MAKE) --no-print-directory fuzz

# Every GoogleTest again under AddressSanitizer + UndefinedBehaviorSanitizer:
# the code parses untrusted files and network input, and UBSan has found
# defects here that the optimised build hides.
test-asan: deps
	cmake --preset asan
	cmake --build --preset asan
	ctest --preset asan

# libFuzzer targets (Parquet reader, Delta log) for a bounded time each;
# FUZZ_SECONDS=600 make fuzz runs them longer by hand.
fuzz: venv
	FUZZ_SECONDS=$${FUZZ_SECONDS:-30} scripts/run-fuzzers

test-py: venv
	RC_BINARY=$(abspath $(CI_BIN)) $(PY) -m pytest -q tests

bench: deps venv
	cmake --preset bench
	cmake --build --preset bench
	scripts/run-benchmarks

clean:
	rm -rf build
