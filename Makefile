# Loupe: `make run` builds the release bundle and serves it; `make test` runs every test layer.
# Both install whatever this machine lacks first (scripts/setup.sh), and nothing twice.

SHELL := bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := help

CARGO_BIN := $(or $(CARGO_HOME),$(HOME)/.cargo)/bin
export PATH := $(CURDIR)/tools/node_modules/.bin:$(CARGO_BIN):$(PATH)
export CARGO_TERM_COLOR ?= always

PORT ?= 8080
WASM_PACKAGES := -p loupe -p loupe-core -p loupe-wire -p loupe-langfuse -p loupe-charts -p loupe-synth
CHROMEDRIVER ?= /usr/bin/chromedriver

.PHONY: help run build serve test setup-build setup-test fmt-check clippy deps-check unit wasm-test e2e size bench

help:
	@echo "make run    build the release web bundle into dist/ and serve it at http://127.0.0.1:$(PORT)/"
	@echo "make test   every test layer: fmt, clippy (native + wasm32), dependency direction, native tests,"
	@echo "            wasm tests in headless Chromium, Playwright against dist/ under a sub-path, wasm size"
	@echo "make bench  the benchmarks (native and in headless Chromium), printed as a table"

run: build serve

setup-build:
	@scripts/setup.sh build

setup-test:
	@scripts/setup.sh test

# Rebuilds only when an input changed, so a second `make run` starts in seconds.
WEB_INPUTS := $(shell find src style assets crates/*/src crates/*/Cargo.toml -type f 2>/dev/null) \
	index.html Cargo.toml Cargo.lock Trunk.toml

build: setup-build dist/.built

dist/.built: $(WEB_INPUTS)
	trunk build --release --offline
	@touch $@

serve:
	@echo "Loupe is at http://127.0.0.1:$(PORT)/ (Ctrl-C stops it)"
	python3 -m http.server $(PORT) --bind 127.0.0.1 --directory dist

test: setup-test fmt-check clippy deps-check unit wasm-test build e2e size

fmt-check:
	cargo fmt --all --check

clippy:
	cargo clippy --workspace --all-targets --locked -- -D warnings
	# On wasm32: every library the app ships, and the app's own targets (its browser tests included).
	# Library test targets stay native: their dev-dependencies (proptest, criterion) are not for wasm.
	cargo clippy $(WASM_PACKAGES) --lib --locked --target wasm32-unknown-unknown -- -D warnings
	cargo clippy -p loupe --all-targets --locked --target wasm32-unknown-unknown -- -D warnings

deps-check:
	scripts/check-deps.sh

unit:
	cargo test --workspace --locked

# wasm-bindgen-test in headless Chromium; webdriver.json passes the Chromium flags this machine needs.
wasm-test:
	CHROMEDRIVER=$(CHROMEDRIVER) \
	CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER=wasm-bindgen-test-runner \
	cargo test --locked --target wasm32-unknown-unknown -p loupe --test web

# The emulators Playwright starts (one per behaviour, each its own origin) are the release binary.
e2e:
	cargo build --release --locked -p loupe-emulator
	cd tests/e2e && npx playwright test

size:
	@node scripts/wasm-size.mjs dist

# The benchmarks (bench/run.mjs): the engine's release wasm against JSON.parse, plain JS and DuckDB-wasm in
# headless Chromium, plus the native benchmarks; every figure, ratio and target printed as one table.
bench: setup-test
	node bench/run.mjs
