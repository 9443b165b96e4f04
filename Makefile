# Regimecast — the two commands a user needs:
#   make run    install what is missing, build (release) and the UI, serve both on :8182 with ./data
#   make test   install what is missing, build (ci preset), run every test suite
# Other targets: build, ui, test-ui, test-asan, test-tsan, fuzz, bench, deps, venv, clean.
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
UI := frontend-nuxt
UI_DIST := $(UI)/.output/public
# The UI's sources: everything in frontend-nuxt/ but installed and generated output.
UI_SOURCES := $(shell find $(UI) \( -name node_modules -o -name .nuxt -o -name .output -o -name test-results \
                 -o -name e2e-artifacts -o -name playwright-report \) -prune -o -type f -print 2>/dev/null)

.PHONY: help deps venv build build-release ui run test test-py test-ui test-asan test-tsan fuzz bench clean

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

# The front end's pinned npm packages (package-lock.json), reinstalled only when
# the lock file changes; after the first install everything runs offline.
$(UI)/node_modules/.stamp: $(UI)/package-lock.json | deps
	cd $(UI) && npm ci --no-audit --no-fund
	@touch $@

# The static UI (npm run generate), rebuilt only when its sources changed.
ui: $(UI_DIST)/index.html
$(UI_DIST)/index.html: $(UI)/node_modules/.stamp $(UI_SOURCES)
	cd $(UI) && npm run generate
	@touch $@

run: build-release ui
	FRONTEND_DIR=$(abspath $(UI_DIST)) $(RELEASE_BIN) serve --host $(HOST) --port $(PORT) --data-dir $(DATA_DIR)

test: build venv
	ctest --preset ci
	$(MAKE) --no-print-directory test-py
	$(MAKE) --no-print-directory test-ui
	$(MAKE) --no-print-directory test-asan
	$(MAKE) --no-print-directory test-tsan
	$(MAKE) --no-print-directory fuzz

# The front end: wire types still match the binary's /openapi.json, strict
# type check, Vitest, then Playwright in Debian's Chromium against the built
# binary serving the built UI (screenshots in frontend-nuxt/e2e-artifacts/).
test-ui: build ui
	cd $(UI) && RC_BINARY=$(abspath $(CI_BIN)) npm run api-types:check
	cd $(UI) && npm run typecheck
	cd $(UI) && npm test
	cd $(UI) && RC_BINARY=$(abspath $(CI_BIN)) npm run test:e2e

# Every GoogleTest again under AddressSanitizer + UndefinedBehaviorSanitizer:
# the code parses untrusted files and network input, and UBSan has found
# defects here that the optimised build hides.
test-asan: deps
	cmake --preset asan
	cmake --build --preset asan
	ctest --preset asan

# The server's and serving's GoogleTests again under ThreadSanitizer (clang-14):
# the hub, gold log, job runner and series book are where threads share state.
# Only those two test programs and the libraries they link are built.
test-tsan: deps
	cmake --preset tsan
	cmake --build --preset tsan
	ctest --preset tsan

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
	rm -rf build $(UI)/.output $(UI)/.nuxt
