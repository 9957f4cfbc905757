#!/usr/bin/env bash
# Installs what a fresh machine lacks, and nothing that is already there. Idempotent: a second run takes seconds.
#   scripts/setup.sh build   the web build: wasm32 target, Trunk, wasm-bindgen-cli, wasm-opt (npm binaryen)
#   scripts/setup.sh test    the above plus Chromium, ChromeDriver and the Playwright package
set -euo pipefail
cd "$(dirname "$0")/.."

what=${1:-build}
say() { printf '\033[1;34m[setup]\033[0m %s\n' "$*"; }

# Tools built from crates.io compile faster without their own fat LTO (Trunk: ~20 -> ~8 minutes on 2 cores).
quick_install() {
  CARGO_PROFILE_RELEASE_LTO=false CARGO_PROFILE_RELEASE_CODEGEN_UNITS=16 cargo install --quiet "$@"
}

if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  say "adding the wasm32-unknown-unknown target"
  rustup target add wasm32-unknown-unknown
fi

trunk_version=0.21.14 # Trunk 0.22 needs rustc 1.96
if ! trunk --version 2>/dev/null | grep -qF " $trunk_version"; then
  say "installing trunk $trunk_version (takes several minutes once)"
  quick_install trunk --version "$trunk_version" --locked
fi

# wasm-bindgen-cli must match the wasm-bindgen crate in Cargo.lock exactly.
bindgen_version=$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/"/, "", $3); print $3; exit }' Cargo.lock)
if ! wasm-bindgen --version 2>/dev/null | grep -qF " $bindgen_version"; then
  say "installing wasm-bindgen-cli $bindgen_version"
  quick_install wasm-bindgen-cli --version "$bindgen_version"
fi

# wasm-opt from npm's binaryen: Debian's binaryen 108 produces modules Chromium rejects.
if [ ! -x tools/node_modules/.bin/wasm-opt ]; then
  say "installing wasm-opt (npm binaryen)"
  (cd tools && npm ci --no-audit --no-fund --loglevel=error)
fi

if [ "$what" = test ]; then
  if ! command -v chromium >/dev/null || ! command -v chromedriver >/dev/null; then
    say "installing Debian chromium and chromium-driver"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq chromium chromium-driver >/dev/null
  fi
  if [ ! -d tests/e2e/node_modules/@playwright/test ]; then
    say "installing the Playwright test runner (no browser download: tests use Debian's chromium)"
    (cd tests/e2e && npm ci --no-audit --no-fund --loglevel=error)
  fi
fi
say "tools ready"
